// A faster UTF-8 check for websocketpp's text frames.
//
// websocketpp validates every byte of a text message with a per-byte state
// machine that stores its state to memory at each step; for a 5 KB SDP it was
// the largest single cost of the relay path (docs/benchmarks.md, P4). This
// explicit specialization of `validator::decode` for the iterator websocketpp
// uses (std::string::iterator, from hybi13::process_payload_bytes) skips runs
// of ASCII eight bytes at a time and hands every other byte to websocketpp's
// own state machine, so the verdict, and the state carried between frames of
// a fragmented message, are exactly websocketpp's.
//
// Every translation unit that uses websocketpp's processors must see this
// specialization before it instantiates them (C++ requires one definition for
// all of them): ws_config.hpp includes it, and so does the tests' client.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <websocketpp/utf8_validator.hpp>

namespace websocketpp {
namespace utf8_validator {

template <>
inline bool validator::decode<std::string::iterator>(std::string::iterator begin,
                                                     std::string::iterator end) {
  constexpr std::uint64_t kHighBits = 0x8080808080808080ULL;
  const char* p = begin == end ? nullptr : &*begin;
  const char* const last = p == nullptr ? nullptr : p + (end - begin);
  while (p != last) {
    if (m_state == utf8_accept) {
      // Between code points: skip whole words of ASCII.
      std::uint64_t word;
      while (last - p >= 8 && (std::memcpy(&word, p, sizeof word), (word & kHighBits) == 0)) {
        p += 8;
      }
      while (p != last && static_cast<unsigned char>(*p) < 0x80) ++p;
      if (p == last) break;
    }
    if (utf8_validator::decode(&m_state, &m_codepoint, static_cast<std::uint8_t>(*p)) ==
        utf8_reject) {
      return false;
    }
    ++p;
  }
  return true;
}

}  // namespace utf8_validator
}  // namespace websocketpp
