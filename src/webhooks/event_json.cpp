// The POST body of one event (webhook_sender.hpp).
#include <cstdio>

#include "webhooks/webhook_sender.hpp"

namespace signalmesh::webhooks {
namespace {

void append_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(c));
          out += buf;
        } else {
          out += c;  // UTF-8 passes through
        }
    }
  }
  out += '"';
}

}  // namespace

std::string event_body(const Event& e) {
  std::string out;
  out.reserve(64 + e.id.size() + e.type.size() + e.room_id.size() + e.data_json.size());
  out += "{\"id\":";
  append_string(out, e.id);
  out += ",\"type\":";
  append_string(out, e.type);
  out += ",\"time\":";
  out += std::to_string(e.time_ms);
  out += ",\"roomId\":";
  append_string(out, e.room_id);
  out += ",\"data\":";
  out += e.data_json.empty() ? std::string_view("{}") : std::string_view(e.data_json);
  out += '}';
  return out;
}

}  // namespace signalmesh::webhooks
