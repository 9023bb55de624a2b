#include "zmq/zmq_wire.hpp"

#include <charconv>

namespace signalmesh::backends::zmq {

namespace {

constexpr std::string_view kMagic = "M1";
constexpr std::size_t kHexDigits = 16;

void put_u64(char* out, std::uint64_t v) {
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (56 - 8 * i)) & 0xff);
}

std::uint64_t get_u64(std::string_view in) {
  std::uint64_t v = 0;
  for (std::size_t i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(in[i]);
  return v;
}

}  // namespace

std::string hex_id(std::uint64_t v) {
  static const char kHex[] = "0123456789abcdef";
  std::string out(kHexDigits, '0');
  for (std::size_t i = 0; i < kHexDigits; ++i) out[kHexDigits - 1 - i] = kHex[(v >> (4 * i)) & 15];
  return out;
}

namespace {

bool parse_number(std::string_view text, int base, std::uint64_t& out) {
  if (text.empty()) return false;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), out, base);
  return ec == std::errc() && ptr == text.data() + text.size();
}

}  // namespace

bool is_valid_channel(std::string_view channel) {
  return !channel.empty() && channel.find('\0') == std::string_view::npos;
}

std::string data_topic(std::string_view channel) {
  std::string topic;
  topic.reserve(channel.size() + 1);
  topic.append(channel);
  topic += '\0';
  return topic;
}

std::optional<std::string_view> channel_of(std::string_view topic) {
  if (topic.size() < 2 || topic.back() != '\0') return std::nullopt;
  topic.remove_suffix(1);
  if (!is_valid_channel(topic)) return std::nullopt;
  return topic;
}

std::array<char, kHeaderSize> encode_header(const Header& header) {
  std::array<char, kHeaderSize> out{kMagic[0], kMagic[1]};
  put_u64(out.data() + 2, header.origin);
  put_u64(out.data() + 10, header.seq);
  return out;
}

std::optional<Header> decode_header(std::string_view frame) {
  if (frame.size() != kHeaderSize || frame.substr(0, kMagic.size()) != kMagic) return std::nullopt;
  return Header{get_u64(frame.substr(2)), get_u64(frame.substr(10))};
}

std::string identity_topic(std::uint64_t instance) {
  return std::string("\0I", 2) + hex_id(instance) + '\0';
}

std::string probe_topic(std::uint64_t instance, std::uint64_t probe) {
  return std::string("\0A", 2) + hex_id(instance) + ':' + std::to_string(probe) + '\0';
}

std::optional<Control> parse_control(std::string_view topic) {
  if (topic.size() < 2 + kHexDigits + 1 || topic.front() != '\0' || topic.back() != '\0') {
    return std::nullopt;
  }
  Control control;
  const char kind = topic[1];
  if (!parse_number(topic.substr(2, kHexDigits), 16, control.instance)) return std::nullopt;
  std::string_view rest = topic.substr(2 + kHexDigits);
  rest.remove_suffix(1);
  if (kind == 'I' && rest.empty()) {
    control.kind = ControlKind::kIdentity;
    return control;
  }
  if (kind == 'A' && rest.size() >= 2 && rest.front() == ':' &&
      parse_number(rest.substr(1), 10, control.probe)) {
    control.kind = ControlKind::kProbe;
    return control;
  }
  return std::nullopt;
}

std::uint64_t SequenceTracker::observe(std::uint64_t origin, std::string_view channel,
                                       std::uint64_t seq) {
  if (seq == 0) return 0;
  auto& streams = last_[origin];
  auto it = streams.find(channel);
  if (it == streams.end()) {
    streams.emplace(std::string(channel), seq);
    return 0;
  }
  const std::uint64_t last = it->second;
  it->second = seq;
  return seq > last + 1 ? seq - last - 1 : 0;
}

void SequenceTracker::forget_channel(std::string_view channel) {
  for (auto& [origin, streams] : last_) {
    auto it = streams.find(channel);
    if (it != streams.end()) streams.erase(it);
  }
}

void SequenceTracker::forget_origin(std::uint64_t origin) {
  last_.erase(origin);
}

std::size_t SequenceTracker::streams() const {
  std::size_t n = 0;
  for (const auto& entry : last_) n += entry.second.size();
  return n;
}

}  // namespace signalmesh::backends::zmq
