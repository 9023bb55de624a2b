#include "support/json.hpp"

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

namespace signalmesh::test {

namespace {

std::string serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

const rapidjson::Value* member(const rapidjson::Value& root, const char* key) {
  if (!root.IsObject()) return nullptr;
  auto it = root.FindMember(key);
  return it == root.MemberEnd() ? nullptr : &it->value;
}

}  // namespace

std::optional<Json> Json::parse(std::string_view text) {
  auto doc = std::make_shared<rapidjson::Document>();
  doc->Parse(text.data(), text.size());
  if (doc->HasParseError()) return std::nullopt;
  return Json(std::string(text), std::move(doc));
}

bool Json::has(const char* key) const {
  return member(*doc_, key) != nullptr;
}

std::string Json::str(const char* key) const {
  const rapidjson::Value* v = member(*doc_, key);
  if (v == nullptr || !v->IsString()) return "";
  return std::string(v->GetString(), v->GetStringLength());
}

std::vector<std::string> Json::strings(const char* key) const {
  std::vector<std::string> out;
  const rapidjson::Value* v = member(*doc_, key);
  if (v == nullptr || !v->IsArray()) return out;
  for (const auto& item : v->GetArray()) {
    if (item.IsString()) out.emplace_back(item.GetString(), item.GetStringLength());
  }
  return out;
}

std::vector<std::string> Json::keys() const {
  std::vector<std::string> out;
  if (!doc_->IsObject()) return out;
  for (const auto& m : doc_->GetObject()) {
    out.emplace_back(m.name.GetString(), m.name.GetStringLength());
  }
  return out;
}

std::string Json::member_json(const char* key) const {
  const rapidjson::Value* v = member(*doc_, key);
  return v == nullptr ? "" : serialize(*v);
}

Json Json::without(const char* key) const {
  auto copy = std::make_shared<rapidjson::Document>();
  copy->CopyFrom(*doc_, copy->GetAllocator());
  if (copy->IsObject()) copy->RemoveMember(key);
  std::string text = serialize(*copy);
  return Json(std::move(text), std::move(copy));
}

bool Json::same_value(const Json& other) const {
  return *doc_ == *other.doc_;
}

bool Json::same_value(std::string_view other_text) const {
  auto other = parse(other_text);
  return other && same_value(*other);
}

std::string quoted(std::string_view s) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  writer.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
  return std::string(buffer.GetString(), buffer.GetSize());
}

JsonObject& JsonObject::str(std::string_view key, std::string_view value) {
  members_.emplace_back(std::string(key), quoted(value));
  return *this;
}

JsonObject& JsonObject::raw(std::string_view key, std::string_view json) {
  members_.emplace_back(std::string(key), std::string(json));
  return *this;
}

JsonObject& JsonObject::num(std::string_view key, long long value) {
  members_.emplace_back(std::string(key), std::to_string(value));
  return *this;
}

std::string JsonObject::build() const {
  std::string out = "{";
  for (std::size_t i = 0; i < members_.size(); ++i) {
    if (i > 0) out += ',';
    out += quoted(members_[i].first);
    out += ':';
    out += members_[i].second;
  }
  out += '}';
  return out;
}

std::string sdp_message(std::string_view target, std::string_view sdp_type, std::string_view sdp,
                        std::string_view sender) {
  JsonObject m;
  m.str("type", "sdp");
  if (!sender.empty()) m.str("senderId", sender);
  if (!target.empty()) m.str("targetId", target);
  m.raw("sdp", JsonObject().str("type", sdp_type).str("sdp", sdp).build());
  return m.build();
}

std::string ice_message(std::string_view target, std::string_view candidate,
                        std::string_view sender) {
  JsonObject m;
  m.str("type", "ice");
  if (!sender.empty()) m.str("senderId", sender);
  if (!target.empty()) m.str("targetId", target);
  m.raw("candidate", JsonObject()
                         .str("candidate", candidate)
                         .str("sdpMid", "0")
                         .num("sdpMLineIndex", 0)
                         .str("usernameFragment", "abcd")
                         .build());
  return m.build();
}

std::string host_change_message(std::string_view host_id, std::string_view sender) {
  JsonObject m;
  m.str("type", "host-change");
  if (!sender.empty()) m.str("senderId", sender);
  m.str("hostId", host_id);
  return m.build();
}

std::string kick_message(std::string_view target, std::string_view reason,
                         std::string_view sender) {
  JsonObject m;
  m.str("type", "kick");
  if (!sender.empty()) m.str("senderId", sender);
  m.str("targetId", target);
  if (!reason.empty()) m.str("reason", reason);
  return m.build();
}

}  // namespace signalmesh::test
