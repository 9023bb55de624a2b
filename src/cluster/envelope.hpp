// Envelopes: what pods tell each other over the fan-out backend. A text
// header line, then (for relays and kicks) the client frame's bytes as they
// will be delivered, so no pod re-serializes a relayed message.
//
//   SM1 <kind> <origin-pod> <fields...>\n<body>
//
// Ids are validated identifiers ([A-Za-z0-9_-]), so spaces separate fields
// safely. A header whose first token is not "SM1" is another version: the
// receiver ignores and counts it. The full format and the agreement rules
// are in docs/cluster.md.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signalmesh::cluster {

enum class Kind : char {
  kJoin = 'J',         // a member was admitted (or replaced) on the origin pod
  kLeave = 'L',        // a member of the origin pod left
  kRelay = 'R',        // sdp/ice from a member of the origin pod
  kHostChange = 'H',   // the host handed the role off
  kKick = 'K',         // the host kicked a member (of any pod)
  kSyncRequest = 'Q',  // "tell me your members of this room" (cluster channel)
  kSync = 'S',         // the origin pod's complete list of its members of a room
  kHeartbeat = 'B',    // the origin pod is alive (cluster channel)
};

struct SyncedMember {
  std::string peer_id;
  std::uint64_t join_order = 0;
  std::uint64_t epoch = 0;
};

struct Envelope {
  Kind kind = Kind::kHeartbeat;
  std::string origin;
  // Join/Leave/Relay/HostChange/Kick: the acting peer.
  std::string peer;
  // Relay: target peer or "*" (broadcast). HostChange: new host. Kick:
  // target. Leave: reason. SyncRequest: room id. Sync: explicit host or "-".
  std::string arg;
  // Join: join order and connection epoch (newest connection wins a
  // replacement race). Relay: MetricType of the message. Heartbeat: the
  // pod's incarnation (start time), so a restart is told apart, and n2 = 1
  // for a hello.
  std::uint64_t n1 = 0;
  std::uint64_t n2 = 0;
  std::vector<SyncedMember> members;  // Sync only
  std::string_view body;              // Relay/Kick: the frame to deliver
};

constexpr std::string_view kVersionTag = "SM1";

// Encoders. `body` is appended after the header line.
std::string encode_join(std::string_view origin, std::string_view peer, std::uint64_t join_order,
                        std::uint64_t epoch);
std::string encode_leave(std::string_view origin, std::string_view peer, std::string_view reason);
std::string encode_relay(std::string_view origin, std::string_view from, std::string_view target,
                         std::uint64_t type, std::string_view body);
std::string encode_host_change(std::string_view origin, std::string_view from,
                               std::string_view new_host);
std::string encode_kick(std::string_view origin, std::string_view from, std::string_view target,
                        std::string_view body);
std::string encode_sync_request(std::string_view origin, std::string_view room_id);
std::string encode_sync(std::string_view origin, std::string_view explicit_host,
                        const std::vector<SyncedMember>& members);
// `hello`: the sender just started following the cluster; every pod answers
// with its own heartbeat at once so the newcomer learns who is alive.
std::string encode_heartbeat(std::string_view origin, std::uint64_t incarnation, bool hello);

enum class DecodeResult { kOk, kOtherVersion, kMalformed };

// Parses `payload`; `out.body` views into it.
DecodeResult decode(std::string_view payload, Envelope& out);

}  // namespace signalmesh::cluster
