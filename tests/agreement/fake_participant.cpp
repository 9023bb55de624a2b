#include "agreement/fake_participant.hpp"

#include <rapidjson/document.h>

#include <set>

#include "core/room.hpp"

namespace signalmesh::agreement_test {
namespace {

std::string str(const rapidjson::Value& v, const char* key) {
  auto it = v.FindMember(key);
  if (it == v.MemberEnd() || !it->value.IsString()) return "";
  return it->value.GetString();
}

std::string join(const std::vector<std::string>& ids) {
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out;
}

// The metrics type the gateway counts a server message under.
MetricType metric_of(const std::string& type) {
  if (type == "welcome") return MetricType::kWelcome;
  if (type == "peer-joined") return MetricType::kPeerJoined;
  if (type == "peer-left") return MetricType::kPeerLeft;
  if (type == "host-change") return MetricType::kHostChange;
  if (type == "sdp") return MetricType::kSdp;
  if (type == "ice") return MetricType::kIce;
  if (type == "kick") return MetricType::kKick;
  if (type == "error") return MetricType::kError;
  if (type == "room-status") return MetricType::kRoomStatus;
  if (type == "desync") return MetricType::kDesync;
  return MetricType::kInvalid;
}

std::string type_of(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  return doc.HasParseError() || !doc.IsObject() ? "" : str(doc, "type");
}

}  // namespace

std::string describe_frame(const std::string& json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject()) return "raw " + json;
  const std::string type = str(doc, "type");
  if (type == "peer-joined") return "peer-joined " + str(doc, "peerId");
  if (type == "peer-left") return "peer-left " + str(doc, "peerId") + " " + str(doc, "reason");
  if (type == "host-change") {
    std::string out = "host-change " + str(doc, "hostId") + " from " + str(doc, "previousHostId");
    if (doc.HasMember("senderId")) out += " by " + str(doc, "senderId");
    return out;
  }
  if (type == "sdp" || type == "ice" || type == "kick")
    return type + " from " + str(doc, "senderId");
  if (type == "room-status") {
    std::string out =
        "room-status " + str(doc, "status") + " " + std::to_string(doc["round"].GetUint());
    if (doc.HasMember("senderId")) out += " by " + str(doc, "senderId");
    return out;
  }
  if (type == "desync") {
    std::string out = "desync tick " + std::to_string(doc["tick"].GetUint64());
    for (auto m = doc["hashes"].MemberBegin(); m != doc["hashes"].MemberEnd(); ++m) {
      out += std::string(" ") + m->name.GetString() + "=" + m->value.GetString();
    }
    return out;
  }
  if (type == "welcome") {
    std::vector<std::string> peers;
    auto it = doc.FindMember("peers");
    if (it != doc.MemberEnd() && it->value.IsArray()) {
      for (const auto& p : it->value.GetArray())
        peers.push_back(p.IsString() ? p.GetString() : "?");
    }
    return "welcome host=" + str(doc, "hostId") + " peers=" + join(peers);
  }
  return "raw " + json;
}

FakeParticipant::FakeParticipant(std::string peer,
                                 std::function<void(FakeParticipant&)> on_server_close)
    : on_server_close_(std::move(on_server_close)) {
  peer_id = std::move(peer);
}

void FakeParticipant::deliver(const cluster::FramePtr& frame, MetricType type) {
  if (closing || gone) {
    ++frames_after_close_;
    return;
  }
  const std::string& text = static_cast<const FakeFrame&>(*frame).text;
  frames_.push_back(text);
  std::string event = describe_frame(text);
  if (metric_of(type_of(text)) != type) {
    event += " (counted as " + std::to_string(static_cast<int>(type)) + ")";
  }
  events_.push_back(std::move(event));
}

void FakeParticipant::close(int close_code, protocol::ErrorCode error) {
  if (closing) {
    ++extra_closes_;
    return;
  }
  closing = true;
  closed_ = Closed{close_code, error};
  std::string event = "close " + std::to_string(close_code);
  if (error != protocol::ErrorCode::kNone) {
    event += " ";
    event += protocol::error_code_name(error);
  }
  events_.push_back(std::move(event));
  if (on_server_close_) on_server_close_(*this);
}

void FakeParticipant::admitted(Room& room) {
  // What the gateway's welcome says (gateway_output.cpp): every other
  // member, oldest first, and the room's host.
  ++welcomes_;
  welcome_host_ = std::string(room.host());
  welcome_peers_.clear();
  for (const auto& m : room.members()) {
    if (m.peer_id != peer_id) welcome_peers_.push_back(m.peer_id);
  }
  const std::string text =
      protocol::make_welcome(room.id(), peer_id, welcome_host_, welcome_peers_, "");
  frames_.push_back(text);
  events_.push_back(describe_frame(text));
}

std::string FakeParticipant::client_view() const {
  std::set<std::string> members;
  std::string host;
  for (const auto& text : frames_) {
    rapidjson::Document doc;
    doc.Parse(text.data(), text.size());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    const std::string type = str(doc, "type");
    if (type == "welcome") {
      members = {peer_id};
      for (const auto& p : doc["peers"].GetArray()) members.insert(p.GetString());
      host = str(doc, "hostId");
    } else if (type == "peer-joined") {
      members.insert(str(doc, "peerId"));
    } else if (type == "peer-left") {
      members.erase(str(doc, "peerId"));
    } else if (type == "host-change") {
      host = str(doc, "hostId");
    }
  }
  std::string out;
  for (const auto& id : members) out += (out.empty() ? "" : ",") + id;
  return out + " host=" + host;
}

std::vector<std::string> FakeParticipant::take() {
  std::vector<std::string> out(events_.begin() + static_cast<std::ptrdiff_t>(taken_),
                               events_.end());
  taken_ = events_.size();
  return out;
}

}  // namespace signalmesh::agreement_test
