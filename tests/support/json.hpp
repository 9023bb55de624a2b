// A tiny JSON helper for the integration tests: parse a server message and
// read its fields, and build client messages with correct escaping.
#pragma once

#include <rapidjson/document.h>

#include <initializer_list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signalmesh::test {

// An immutable parsed JSON text that remembers the exact bytes it came from.
class Json {
 public:
  // nullopt when `text` is not valid JSON.
  static std::optional<Json> parse(std::string_view text);

  const rapidjson::Value& root() const { return *doc_; }
  const std::string& text() const { return text_; }
  bool is_object() const { return doc_->IsObject(); }

  bool has(const char* key) const;
  // The member as a string; "" when absent or not a string.
  std::string str(const char* key) const;
  // Shorthand for str("type").
  std::string type() const { return str("type"); }
  // The member as an array of strings; empty when absent or not one.
  std::vector<std::string> strings(const char* key) const;
  // Names of the object's members, in document order.
  std::vector<std::string> keys() const;
  // The member re-serialized compactly ("" when absent): `"abc"`, `42`.
  std::string member_json(const char* key) const;

  // A copy of this object without `key` (for value comparisons).
  Json without(const char* key) const;
  // Structural equality (member order does not matter).
  bool same_value(const Json& other) const;
  bool same_value(std::string_view other_text) const;

 private:
  Json(std::string text, std::shared_ptr<rapidjson::Document> doc)
      : text_(std::move(text)), doc_(std::move(doc)) {}
  std::string text_;
  std::shared_ptr<rapidjson::Document> doc_;
};

// Builds one flat JSON object; values are escaped strings or raw JSON.
class JsonObject {
 public:
  JsonObject& str(std::string_view key, std::string_view value);
  JsonObject& raw(std::string_view key, std::string_view json);
  JsonObject& num(std::string_view key, long long value);
  std::string build() const;

 private:
  std::vector<std::pair<std::string, std::string>> members_;  // key, raw JSON value
};

// JSON string literal for `s`, quotes included.
std::string quoted(std::string_view s);

// Client messages of protocol §2. Empty `target` leaves targetId out
// (a broadcast); empty `sender` leaves senderId out.
std::string sdp_message(std::string_view target, std::string_view sdp_type = "offer",
                        std::string_view sdp = "v=0\r\n", std::string_view sender = "");
std::string ice_message(std::string_view target,
                        std::string_view candidate =
                            "candidate:1 1 udp 2122260223 192.0.2.1 "
                            "54400 typ host",
                        std::string_view sender = "");
std::string host_change_message(std::string_view host_id, std::string_view sender = "");
std::string kick_message(std::string_view target, std::string_view reason = "",
                         std::string_view sender = "");

}  // namespace signalmesh::test
