// The one JSON text layer: the UTF-8 rule and the string escaper that every
// piece of JSON the server writes or checks goes through (server messages,
// TURN answers, the validator's byte check).
//
// websocketpp's own UTF-8 check of text frames (websocket/ws_utf8.hpp) is a
// different job and stays apart: it is a streaming state machine whose state
// carries across the fragments of one message.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace signalmesh::text {

// Length of the well-formed UTF-8 sequence (Unicode Table 3-7: no overlongs,
// no surrogates, nothing past U+10FFFF, nothing truncated) that starts with
// the non-ASCII byte text[i], or 0 when none does.
inline std::size_t utf8_sequence_length(std::string_view text, std::size_t i) {
  const auto at = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const auto tail = [&](std::size_t k, unsigned char lo = 0x80, unsigned char hi = 0xBF) {
    return i + k < text.size() && at(k) >= lo && at(k) <= hi;
  };
  const unsigned char c = at(0);
  if (c >= 0xC2 && c <= 0xDF) return tail(1) ? 2 : 0;
  if (c == 0xE0) return tail(1, 0xA0) && tail(2) ? 3 : 0;
  if (c == 0xED) return tail(1, 0x80, 0x9F) && tail(2) ? 3 : 0;  // no surrogates
  if (c >= 0xE1 && c <= 0xEF) return tail(1) && tail(2) ? 3 : 0;
  if (c == 0xF0) return tail(1, 0x90) && tail(2) && tail(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return tail(1) && tail(2) && tail(3) ? 4 : 0;
  if (c == 0xF4) return tail(1, 0x80, 0x8F) && tail(2) && tail(3) ? 4 : 0;
  return 0;
}

// Appends `text` as a JSON string (quotes included). Bytes that are not
// UTF-8 become U+FFFD: a text frame must be valid UTF-8 or the browser drops
// the connection.
void append_json_string(std::string& out, std::string_view text);

}  // namespace signalmesh::text
