// Protocol v1 (docs/protocol.md): identifiers, error codes,
// the validator of client messages, and builders of server messages.
// Everything here is pure: no sockets, no room state, no clocks.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signalmesh::protocol {

enum class MessageType { kSdp, kIce, kHostChange, kKick, kRoomStatus, kStateHash };

enum class ErrorCode {
  kNone,
  // §4: errors that keep the connection open.
  kInvalidJson,
  kInvalidMessage,
  kUnknownType,
  kSenderMismatch,
  kUnknownTarget,
  kNotHost,
  kBinaryUnsupported,
  kBackendUnavailable,
  // Errors named after close codes, sent just before that close.
  kBadRequest,
  kUnauthorized,
  kForbidden,
  kReplaced,
  kRoomFull,
  kRateLimited,
  // Version 1.1 (app-integration.md §2).
  kRoomNotFound,
  kRoomClosed,
};
constexpr std::size_t kErrorCodeCount = static_cast<std::size_t>(ErrorCode::kRoomClosed) + 1;

// The wire name of a code: "invalid-json", "room-full", ...
std::string_view error_code_name(ErrorCode code);
std::string_view message_type_name(MessageType type);

// roomId / peerId rule: 1..64 characters of [A-Za-z0-9_-].
bool is_valid_id(std::string_view id);

// A random URL-safe peerId with at least 96 random bits.
std::string random_peer_id();

// Outcome of validating one client text message. `target` and `ref_json`
// stay valid until the next call to Validator::validate.
struct ValidatedMessage {
  ErrorCode error = ErrorCode::kNone;
  // Human-readable reason for `error` (static text).
  std::string_view detail;
  MessageType type = MessageType::kSdp;
  // True when the client included senderId (then it equals self).
  bool has_sender_id = false;
  // targetId (sdp/ice/kick) or hostId (host-change); empty when absent.
  std::string_view target;
  // room-status: the wanted status ("waiting", "playing", "finished").
  std::string_view status;
  // state-hash: the tick (0 .. 2^53-1) and the hash text.
  std::uint64_t tick = 0;
  std::string_view hash;
  // The client's `id` re-serialized as JSON ("\"abc\"" or "42"); empty when
  // absent or of the wrong type.
  std::string_view ref_json;
};

// Runs the §2 checks that need no room state, in the protocol's order:
// invalid-json, invalid-message (type missing), unknown-type, invalid-message
// (named fields), sender-mismatch. Membership and host rights are the
// room's checks. Reuses its parse buffers: one per loop thread, not shared.
class Validator {
 public:
  explicit Validator(std::size_t max_depth = 64);
  ~Validator();
  Validator(const Validator&) = delete;
  Validator& operator=(const Validator&) = delete;

  const ValidatedMessage& validate(std::string_view payload, std::string_view self_peer_id);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// The client's bytes with `"senderId":"<sender>",` inserted after the
// opening brace (used only when the client left senderId out). `payload`
// must be a validated JSON object.
std::string with_sender_id(std::string_view payload, std::string_view sender);

// Server messages (§3). Ids are validated identifiers, so no escaping is
// needed for them; free text is escaped.
// `room_json`: the welcome's `room` object ({status, round, metadata}), or
// empty to leave it out.
std::string make_welcome(std::string_view room_id, std::string_view peer_id,
                         std::string_view host_id, const std::vector<std::string>& peers,
                         std::string_view ice_servers_json, std::string_view room_json = {});
// {status, round, metadata?} for welcome.room; metadata_json is a JSON
// object's text or empty.
std::string make_room_info(std::string_view status, std::uint32_t round,
                           std::string_view metadata_json);
// sender_id empty: the application changed it (no senderId field).
std::string make_room_status(std::string_view status, std::uint32_t round,
                             std::string_view sender_id);
// hashes: (peerId, hash) pairs, in the order given.
std::string make_desync(std::uint32_t round, std::uint64_t tick,
                        const std::vector<std::pair<std::string, std::string>>& hashes);
// A hash of state-hash: 1-128 characters of [A-Za-z0-9+/=_:-].
bool is_valid_state_hash(std::string_view hash);
// The largest tick of state-hash (2^53 - 1, JavaScript's largest safe integer).
constexpr std::uint64_t kMaxTick = (std::uint64_t{1} << 53) - 1;
std::string make_peer_joined(std::string_view peer_id);
std::string make_peer_left(std::string_view peer_id, std::string_view reason);
// sender_id empty: the host left (no senderId field).
std::string make_host_change(std::string_view host_id, std::string_view previous_host_id,
                             std::string_view sender_id);
// What the application sends through the server API (app-integration.md
// §4): `data_json` is a JSON value's text, checked by the API, sent as it is.
std::string make_server_message(std::string_view data_json);
// The kick a member receives when the application kicks it (no senderId:
// no member sent it); `reason` empty: no reason field.
std::string make_application_kick(std::string_view target_id, std::string_view reason);
// ref_json empty: no ref field.
std::string make_error(ErrorCode code, std::string_view message, std::string_view ref_json);

}  // namespace signalmesh::protocol
