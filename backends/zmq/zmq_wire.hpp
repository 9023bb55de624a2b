// The ZeroMQ mesh's wire format and its loss detection: plain data, no
// sockets, so that both are tested step by step without a network.
//
// Every message is three frames: [topic][header][payload].
//   topic   channel + '\0' for an envelope. The terminator is what makes a
//           ZeroMQ subscription match exactly: SUB filters by prefix, and
//           "room:ab\0" is not a prefix of "room:abc\0". Channels are
//           non-empty and never contain NUL (room ids cannot), so a topic
//           that starts with '\0' is the mesh's own control traffic and no
//           envelope subscription can ever match it.
//   header  "M1", the origin adapter's instance id (8 bytes, big-endian) and
//           a sequence number (8 bytes, big-endian; 0 = not sequenced).
//   payload the envelope, opaque.
//
// Control topics (see zmq_fanout.hpp for what they are for):
//   "\0I" <instance hex> "\0"          identity: every SUB subscribes its own
//   "\0A" <instance hex> ":" <n> "\0"  probe n of that instance; every PUB
//                                      that sees it subscribed answers on it
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace signalmesh::backends::zmq {

inline constexpr std::size_t kHeaderSize = 18;

// Non-empty and NUL-free: what the mesh can carry as a channel name.
bool is_valid_channel(std::string_view channel);
std::string data_topic(std::string_view channel);
// The channel of an envelope topic; nullopt for control or malformed topics.
std::optional<std::string_view> channel_of(std::string_view topic);

struct Header {
  std::uint64_t origin = 0;
  std::uint64_t seq = 0;
};
std::array<char, kHeaderSize> encode_header(const Header& header);
std::optional<Header> decode_header(std::string_view frame);

enum class ControlKind { kIdentity, kProbe };
struct Control {
  ControlKind kind = ControlKind::kIdentity;
  std::uint64_t instance = 0;
  std::uint64_t probe = 0;  // kProbe only
};
std::string identity_topic(std::uint64_t instance);
std::string probe_topic(std::uint64_t instance, std::uint64_t probe);
// A control topic; nullopt for envelope topics and anything malformed.
std::optional<Control> parse_control(std::string_view topic);
// An instance id as log lines and control topics show it (16 hex digits).
std::string hex_id(std::uint64_t instance);

// Per-(origin, channel) sequence tracking on the receiving side. A publisher
// numbers its envelopes per channel from 1 while it is subscribed to that
// channel (0 otherwise); a receiver that sees n+k after n lost k-1 of them
// (HWM overflow, a reconnect in between). The first number seen on a
// stream, a 1, or a number not above the last one (the publisher
// re-subscribed and started again) is a new baseline, not a loss: envelopes
// published before our subscription reached the publisher were never ours.
class SequenceTracker {
 public:
  // How many envelopes of this stream went missing just before `seq`.
  std::uint64_t observe(std::uint64_t origin, std::string_view channel, std::uint64_t seq);
  void forget_channel(std::string_view channel);
  void forget_origin(std::uint64_t origin);
  std::size_t streams() const;

 private:
  std::map<std::uint64_t, std::map<std::string, std::uint64_t, std::less<>>> last_;
};

}  // namespace signalmesh::backends::zmq
