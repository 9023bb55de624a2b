// The messages the generator sends: prepared JSON templates (ICE ~250 B,
// SDP offer/answer ~4.5 KB) with fixed-width slots patched in place per
// message, so that sending copies, patches and masks, and never allocates.
// Every message carries "bx":"SSSSSSS-QQQQQQQQQQ-TTTTTTTTTTTTTTT" (sender
// index, sequence number, send time in ns since the start), a field the
// server relays unchanged.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sm_bench {

constexpr std::size_t kIdLen = 8;  // "p" + 7 digits
constexpr std::size_t kBxLen = 34;

enum class Payload { kIce, kSdp, kMix };

struct Template {
  std::string text;
  std::size_t bx_at = 0;                      // where the kBxLen bx characters start
  std::size_t sender_at = std::string::npos;  // senderId value (kIdLen), if sent
  std::size_t target_at = std::string::npos;  // targetId value (kIdLen), if targeted
};

struct Templates {
  Template ice, offer, answer;
};

Templates make_templates(bool targeted, bool with_sender_id);

// The peer id of generator peer `index`: "p0000042".
std::string peer_id(std::uint32_t index);

// Writes `value` as exactly `width` decimal digits ending at out + width.
inline void put_digits(char* out, std::size_t width, std::uint64_t value) {
  for (std::size_t i = width; i-- > 0;) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
}

inline void write_bx(char* out, std::uint32_t sender, std::uint64_t seq, std::uint64_t ts) {
  put_digits(out, 7, sender);
  put_digits(out + 8, 10, seq);
  put_digits(out + 19, 15, ts);
}

// Finds and decodes the bx field of a received message.
bool parse_bx(std::string_view msg, std::uint32_t& sender, std::uint64_t& seq, std::uint64_t& ts);

}  // namespace sm_bench
