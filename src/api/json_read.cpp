#include "api/json_read.hpp"

#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cctype>

#include "api/http.hpp"
#include "text/json_text.hpp"

namespace signalmesh::api {
namespace {

// Iterative: the recursive parser of Debian's RapidJSON 1.1 overflows the
// stack on deep nesting. Never kParseFullPrecisionFlag: RapidJSON 1.1.0
// crashes with it under fuzzing (protocol/validator.cpp).
constexpr unsigned kParseFlags =
    rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag;
constexpr std::size_t kMaxHandleCharacters = 64;
constexpr std::size_t kMaxEmailBytes = 254;

std::string_view view(const rapidjson::Value& v) {
  return {v.GetString(), v.GetStringLength()};
}

HttpResponse invalid_json(std::string_view message) {
  return error_response(400, "invalid-json", message);
}

// NUL anywhere, or nesting past kMaxDepth, outside of strings. The parser
// takes an unescaped NUL for the end of input, so "{}\0junk" would pass.
const char* prescan(std::string_view body) {
  std::size_t depth = 0;
  bool in_string = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    const char c = body[i];
    if (c == '\0') return "the body holds a NUL byte";
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > kMaxDepth) return "the body nests deeper than 32 levels";
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return nullptr;
}

bool is_json_media_type(std::string_view content_type) {
  std::string lower(content_type);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  lower.erase(std::remove(lower.begin(), lower.end(), ' '), lower.end());
  lower.erase(std::remove(lower.begin(), lower.end(), '\t'), lower.end());
  const std::size_t semicolon = lower.find(';');
  if (lower.substr(0, semicolon) != "application/json") return false;
  if (semicolon == std::string::npos) return true;
  // JSON is UTF-8 (RFC 8259); a parameter may only say so.
  const std::string params = lower.substr(semicolon + 1);
  return params.empty() || params == "charset=utf-8" || params == "charset=\"utf-8\"";
}

// Rejects duplicate keys at every level; depth is bounded by prescan().
bool has_duplicate_keys(const rapidjson::Value& value) {
  if (value.IsArray()) {
    for (const auto& item : value.GetArray()) {
      if (has_duplicate_keys(item)) return true;
    }
    return false;
  }
  if (!value.IsObject()) return false;
  std::vector<std::string_view> names;
  names.reserve(value.MemberCount());
  for (const auto& member : value.GetObject()) {
    names.push_back(view(member.name));
    if (has_duplicate_keys(member.value)) return true;
  }
  std::sort(names.begin(), names.end());
  return std::adjacent_find(names.begin(), names.end()) != names.end();
}

bool is_control(std::uint32_t code_point) {
  return code_point < 0x20 || (code_point >= 0x7F && code_point <= 0x9F);
}

}  // namespace

std::optional<HttpResponse> parse_body(const HttpRequest& request, std::size_t max_bytes,
                                       rapidjson::Document& doc) {
  const std::string& body = request.body;
  if (body.size() > max_bytes) {
    return error_response(413, "body-too-large",
                          "the body is over " + std::to_string(max_bytes) + " bytes");
  }
  if (body.empty()) {
    doc.SetObject();
    return std::nullopt;
  }
  if (!is_json_media_type(request.content_type)) {
    return error_response(415, "unsupported-media-type", "the body must be application/json");
  }
  if (const char* problem = prescan(body)) return invalid_json(problem);
  doc.Parse<kParseFlags>(body.data(), body.size());
  if (doc.HasParseError()) {
    return invalid_json(std::string("the body is not JSON: ") +
                        rapidjson::GetParseError_En(doc.GetParseError()) + " (at byte " +
                        std::to_string(doc.GetErrorOffset()) + ")");
  }
  if (!doc.IsObject()) return invalid_json("the body must be a JSON object");
  return std::nullopt;
}

HttpResponse invalid_field(std::string_view field, std::string_view problem) {
  return error_response(400, "invalid-field", std::string(field) + " " + std::string(problem));
}

std::optional<HttpResponse> check_fields(const rapidjson::Value& object,
                                         const std::vector<std::string_view>& allowed) {
  std::vector<std::string_view> seen;
  for (const auto& member : object.GetObject()) {
    const std::string_view name = view(member.name);
    // A long or odd name is not echoed whole into the message.
    const std::string shown =
        is_valid_id(name) ? "'" + std::string(name) + "'" : std::string("(a name)");
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
      return invalid_field("field " + shown, "is unknown");
    }
    if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
      return invalid_field("field " + shown, "is given twice");
    }
    seen.push_back(name);
  }
  return std::nullopt;
}

const rapidjson::Value* find_field(const rapidjson::Value& object, std::string_view name) {
  for (const auto& member : object.GetObject()) {
    if (view(member.name) == name) return &member.value;
  }
  return nullptr;
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

std::optional<HttpResponse> read_id(const rapidjson::Value& value, std::string_view field,
                                    std::string& out) {
  if (!value.IsString() || !is_valid_id(view(value))) {
    return invalid_field(field, "must be a string of 1-64 characters of A-Za-z0-9_-");
  }
  out.assign(view(value));
  return std::nullopt;
}

std::optional<HttpResponse> read_handle(const rapidjson::Value& value, std::string& out) {
  if (!value.IsString()) return invalid_field("handle", "must be a string");
  const std::string_view text = view(value);
  std::size_t characters = 0;
  for (std::size_t i = 0; i < text.size(); ++characters) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::uint32_t code_point = c;
    std::size_t length = 1;
    if (c >= 0x80) {
      length = text::utf8_sequence_length(text, i);
      if (length == 0) return invalid_field("handle", "is not UTF-8");
      // Only C1 controls (U+0080..U+009F, C2 80..C2 9F) matter here.
      code_point = length == 2 ? ((c & 0x1Fu) << 6) | (text[i + 1] & 0x3Fu) : 0x100;
    }
    if (is_control(code_point)) return invalid_field("handle", "holds a control character");
    i += length;
  }
  if (characters == 0 || characters > kMaxHandleCharacters) {
    return invalid_field("handle", "must be 1-64 characters");
  }
  out.assign(text);
  return std::nullopt;
}

std::optional<HttpResponse> read_email(const rapidjson::Value& value, std::string& out) {
  if (!value.IsString()) return invalid_field("email", "must be a string or null");
  const std::string_view text = view(value);
  if (text.size() > kMaxEmailBytes) return invalid_field("email", "is longer than 254 bytes");
  const std::size_t at = text.find('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == text.size() ||
      text.find('@', at + 1) != std::string_view::npos) {
    return invalid_field("email", "must be one local part, '@' and a domain");
  }
  for (unsigned char c : text) {
    if (c <= 0x20 || c == 0x7F) return invalid_field("email", "holds a space or control character");
  }
  out.assign(text);
  return std::nullopt;
}

std::optional<HttpResponse> read_metadata(const rapidjson::Value& value, std::string& out) {
  if (!value.IsObject()) return invalid_field("metadata", "must be a JSON object or null");
  if (has_duplicate_keys(value)) return invalid_field("metadata", "holds a duplicate key");
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  if (buffer.GetSize() > kMaxMetadataBytes) {
    return invalid_field("metadata", "is over 16384 bytes (as compact JSON)");
  }
  out.assign(buffer.GetString(), buffer.GetSize());
  return std::nullopt;
}

std::optional<HttpResponse> read_max_members(const rapidjson::Value& value, std::uint32_t cap,
                                             std::uint32_t& out) {
  if (!value.IsUint64() || value.GetUint64() < 1 || value.GetUint64() > cap) {
    return invalid_field("maxMembers",
                         "must be an integer from 1 to " + std::to_string(cap) + " or null");
  }
  out = static_cast<std::uint32_t>(value.GetUint64());
  return std::nullopt;
}

}  // namespace signalmesh::api
