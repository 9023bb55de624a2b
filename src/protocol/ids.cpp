// Identifiers and wire names of protocol v1 (protocol.md §1, §4, §5).
#include <sys/random.h>

#include <cerrno>
#include <cstdint>
#include <random>

#include "signalmesh/protocol.hpp"

namespace signalmesh::protocol {
namespace {

constexpr std::size_t kMaxIdLength = 64;
constexpr std::size_t kRandomBytes = 12;  // 96 bits: 16 base64url characters.
constexpr char kBase64Url[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

bool is_id_char(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

// Assigned peerIds must be unguessable: with auth off, knowing a peerId is
// enough to replace its connection (§1). So the kernel's CSPRNG, not a
// seeded PRNG whose state its outputs reveal.
void fill_random(std::uint8_t* out, std::size_t size) {
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = getrandom(out + done, size - done, 0);
    if (n > 0) {
      done += static_cast<std::size_t>(n);
    } else if (n < 0 && errno != EINTR) {
      break;
    }
  }
  if (done == size) return;
  // No getrandom (very old kernel, seccomp): random_device reads the same
  // entropy source through another door.
  std::random_device device;
  for (; done < size; ++done) out[done] = static_cast<std::uint8_t>(device());
}

}  // namespace

std::string_view error_code_name(ErrorCode code) {
  switch (code) {
    case ErrorCode::kNone:
      return "none";
    case ErrorCode::kInvalidJson:
      return "invalid-json";
    case ErrorCode::kInvalidMessage:
      return "invalid-message";
    case ErrorCode::kUnknownType:
      return "unknown-type";
    case ErrorCode::kSenderMismatch:
      return "sender-mismatch";
    case ErrorCode::kUnknownTarget:
      return "unknown-target";
    case ErrorCode::kNotHost:
      return "not-host";
    case ErrorCode::kBinaryUnsupported:
      return "binary-unsupported";
    case ErrorCode::kBackendUnavailable:
      return "backend-unavailable";
    case ErrorCode::kBadRequest:
      return "bad-request";
    case ErrorCode::kUnauthorized:
      return "unauthorized";
    case ErrorCode::kForbidden:
      return "forbidden";
    case ErrorCode::kReplaced:
      return "replaced";
    case ErrorCode::kRoomFull:
      return "room-full";
    case ErrorCode::kRateLimited:
      return "rate-limited";
    case ErrorCode::kRoomNotFound:
      return "room-not-found";
    case ErrorCode::kRoomClosed:
      return "room-closed";
  }
  return "unknown";
}

std::string_view message_type_name(MessageType type) {
  switch (type) {
    case MessageType::kSdp:
      return "sdp";
    case MessageType::kIce:
      return "ice";
    case MessageType::kHostChange:
      return "host-change";
    case MessageType::kKick:
      return "kick";
    case MessageType::kRoomStatus:
      return "room-status";
    case MessageType::kStateHash:
      return "state-hash";
  }
  return "unknown";
}

bool is_valid_state_hash(std::string_view hash) {
  if (hash.empty() || hash.size() > 128) return false;
  for (const char c : hash) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '/' || c == '=' || c == '_' || c == ':' || c == '-';
    if (!ok) return false;
  }
  return true;
}

bool is_valid_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxIdLength) return false;
  for (const char c : id) {
    if (!is_id_char(c)) return false;
  }
  return true;
}

std::string random_peer_id() {
  std::uint8_t bytes[kRandomBytes];
  fill_random(bytes, sizeof bytes);
  std::string id;
  id.reserve(kRandomBytes / 3 * 4);
  // 12 bytes are whole 3-byte groups: no padding.
  for (std::size_t i = 0; i < kRandomBytes; i += 3) {
    const std::uint32_t group =
        (std::uint32_t{bytes[i]} << 16) | (std::uint32_t{bytes[i + 1]} << 8) | bytes[i + 2];
    for (int shift = 18; shift >= 0; shift -= 6) id += kBase64Url[(group >> shift) & 0x3F];
  }
  return id;
}

}  // namespace signalmesh::protocol
