#include "store/common/cursor.hpp"

#include <cstdint>

namespace signalmesh::store {
namespace {

constexpr std::string_view kPrefix = "c1.";
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

int digit_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '-') return 62;
  if (c == '_') return 63;
  return -1;
}

}  // namespace

std::string encode_cursor(std::string_view last_key) {
  std::string out(kPrefix);
  std::uint32_t bits = 0;
  int count = 0;
  for (unsigned char c : last_key) {
    bits = (bits << 8) | c;
    count += 8;
    while (count >= 6) {
      count -= 6;
      out.push_back(kAlphabet[(bits >> count) & 63]);
    }
  }
  if (count > 0) out.push_back(kAlphabet[(bits << (6 - count)) & 63]);
  return out;
}

std::optional<std::string> decode_cursor(std::string_view cursor) {
  if (cursor.substr(0, kPrefix.size()) != kPrefix || cursor.size() > 1024) return std::nullopt;
  cursor.remove_prefix(kPrefix.size());
  if (cursor.empty() || cursor.size() % 4 == 1) return std::nullopt;
  std::string out;
  std::uint32_t bits = 0;
  int count = 0;
  for (char c : cursor) {
    const int v = digit_value(c);
    if (v < 0) return std::nullopt;
    bits = (bits << 6) | static_cast<std::uint32_t>(v);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xff));
    }
  }
  // Leftover bits must be zero, or two cursors would name one key.
  if ((bits & ((1u << count) - 1)) != 0) return std::nullopt;
  return out;
}

}  // namespace signalmesh::store
