// The validator's first pass over a client's bytes, before any parsing
// (docs/protocol.md, decisions): what every JSON parser would have to be
// trusted with otherwise.
#include "protocol/prescan.hpp"

#include <cstdint>
#include <cstring>

#include "text/json_text.hpp"

namespace signalmesh::protocol {
namespace {

bool is_json_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

std::uint8_t byte_at(std::string_view s, std::size_t i) {
  return static_cast<std::uint8_t>(s[i]);
}

bool is_json_control(std::uint8_t byte) {
  return byte < 0x20 && byte != '\t' && byte != '\n' && byte != '\r';
}

// Checks the bytes before parsing: well-formed UTF-8 per Unicode Table 3-7
// (no overlongs, no surrogates, nothing past U+10FFFF, no truncated
// sequence), and no control character but JSON's whitespace (\t \n \r),
// which JSON allows nowhere else; NUL is named apart, since the in-place
// parse would read it as the end of input. The second check is RapidJSON's job, but
// its SIMD string scan (1.1.0) compares against 0x19 and lets 0x1A-0x1F
// through inside strings. ASCII runs go 8 bytes at a time. Returns the
// problem, or nullptr. (websocketpp checks UTF-8 of text frames too, but the
// validator must hold for any caller, and this pass costs a fraction of a
// microsecond per SDP.)
const char* check_bytes(std::string_view s) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  constexpr std::uint64_t kSpaces = 0x2020202020202020ULL;
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    if (i + 8 <= n) {
      std::uint64_t word;
      std::memcpy(&word, s.data() + i, sizeof word);
      // All ASCII, and (exact for ASCII) no byte below 0x20.
      if ((word & kHighBits) == 0 && ((word - kSpaces) & ~word & kHighBits) == 0) {
        i += 8;
        continue;
      }
    }
    const std::uint8_t lead = byte_at(s, i);
    if (lead < 0x80) {
      if (lead == 0) return "payload contains a NUL byte";
      if (is_json_control(lead)) return "payload contains a control character";
      ++i;
      continue;
    }
    const std::size_t length = text::utf8_sequence_length(s, i);
    if (length == 0) return "payload is not valid UTF-8";
    i += length;
  }
  return nullptr;
}

// From just inside a string's opening quote at `i`, the index of its closing
// quote (or payload.size() if it has none). memchr finds each candidate
// quote; an odd run of backslashes before it means it is escaped.
std::size_t string_end(std::string_view payload, std::size_t i) {
  const char* const base = payload.data();
  for (;;) {
    const void* hit = std::memchr(base + i, '"', payload.size() - i);
    if (hit == nullptr) return payload.size();
    const auto quote = static_cast<std::size_t>(static_cast<const char*>(hit) - base);
    std::size_t backslashes = 0;
    while (quote - backslashes > i && base[quote - backslashes - 1] == '\\') ++backslashes;
    if (backslashes % 2 == 0) return quote;
    i = quote + 1;
  }
}

}  // namespace

const char* prescan(std::string_view payload, std::size_t max_depth) {
  std::size_t i = 0;
  while (i < payload.size() && is_json_space(payload[i])) ++i;
  if (i == payload.size() || payload[i] != '{') return "payload is not a JSON object";
  if (const char* problem = check_bytes(payload)) return problem;
  std::size_t depth = 0;
  for (; i < payload.size(); ++i) {
    const char c = payload[i];
    if (c == '"') {
      i = string_end(payload, i + 1);
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return "JSON nesting is too deep";
    } else if ((c == '}' || c == ']') && depth > 0) {
      --depth;
    }
  }
  return nullptr;
}

}  // namespace signalmesh::protocol
