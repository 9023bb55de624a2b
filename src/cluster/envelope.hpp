// Envelopes: what pods tell each other over the fan-out backend. A text
// header line, then (for relays and kicks) the client frame's bytes as they
// will be delivered, so no pod re-serializes a relayed message.
//
//   SM1 <kind> <origin-pod> <fields...>\n<body>
//
// One struct per kind; decoding fills the one the header names, with views
// into the payload (no copy, no allocation but a sync's member list). Ids are
// validated identifiers ([A-Za-z0-9_-]), so spaces separate fields safely. A
// header whose first token is not "SM1" is another version: the receiver
// ignores and counts it. The format and the agreement rules are in
// docs/cluster.md.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace signalmesh::cluster {

constexpr std::string_view kVersionTag = "SM1";

// The kind letter on the wire.
enum class Kind : char {
  kJoin = 'J',         // a member was admitted (or replaced) on the origin pod
  kLeave = 'L',        // a member of the origin pod left
  kRelay = 'R',        // sdp/ice from a member of the origin pod
  kHostChange = 'H',   // the host handed the role off
  kKick = 'K',         // the host kicked a member (of any pod)
  kSyncRequest = 'Q',  // "tell me your members of this room" (cluster channel)
  kSync = 'S',         // the origin pod's complete list of its members of a room
  kHeartbeat = 'B',    // the origin pod is alive (cluster channel)
  // Version 1.1 (app-integration.md §2); a pod that predates them ignores them.
  kRoomStatus = 'T',  // the room's status or round moved forward
  kStateHash = 'X',   // a member of the origin pod reported a state hash
  kRoomClosed = 'C',  // the application deleted the room: everyone goes
};

// What a relay carries, by its number on the wire. The numbers are fixed
// (they were once the metrics enum's): never renumber, only add.
// kServer: a server-message of the application's (sent through the API of
// any pod), `from` kApplication.
enum class RelayKind : std::uint8_t { kSdp = 4, kIce = 5, kServer = 6 };

// The `from` of what the application did through the server API (relays,
// kicks, host changes): no member sent it.
constexpr std::string_view kApplication = "-";

struct Join {
  std::string_view peer;
  // Cluster-wide join order, and the connection's admission time (µs since
  // the Unix epoch: of two connections racing for one peerId, the newer wins).
  std::uint64_t join_order = 0;
  std::uint64_t epoch = 0;
};

struct Leave {
  std::string_view peer;
  std::string_view reason;  // peer-left's reason: left, timeout, kicked...
};

// Broadcast when `target` is kBroadcast.
struct Relay {
  static constexpr std::string_view kBroadcast = "*";
  std::string_view from;
  std::string_view target;
  RelayKind kind = RelayKind::kSdp;
  std::string_view body;  // the frame to deliver
};

struct HostChange {
  std::string_view from;
  std::string_view new_host;
};

struct Kick {
  std::string_view from;
  std::string_view target;
  std::string_view body;  // the kick frame the target receives
};

struct SyncRequest {
  std::string_view room_id;
};

struct SyncedMember {
  std::string_view peer;
  std::uint64_t join_order = 0;
  std::uint64_t epoch = 0;
};

struct Sync {
  // The room's explicit host as the origin pod knows it, or empty.
  std::string_view explicit_host;
  std::vector<SyncedMember> members;  // the origin pod's own members
};

struct Heartbeat {
  // The pod's start time, so a restart under the same pod id is told apart.
  std::uint64_t incarnation = 0;
  // The sender just started following the cluster: every pod answers with
  // its own heartbeat at once so the newcomer learns who is alive.
  bool hello = false;
};

struct RoomStatusChange {
  static constexpr std::string_view kApplication = "-";
  std::uint64_t status = 0;  // store::RoomStatus
  std::uint64_t round = 1;
  std::string_view sender;  // the host who changed it, or kApplication
};

struct StateHash {
  std::string_view peer;
  std::uint64_t round = 1;
  std::uint64_t tick = 0;
  std::string_view hash;  // [A-Za-z0-9+/=_:-]: no spaces
};

struct RoomClosed {
  std::string_view reason;  // "deleted"
};

using Body = std::variant<Join, Leave, Relay, HostChange, Kick, SyncRequest, Sync, Heartbeat,
                          RoomStatusChange, StateHash, RoomClosed>;

struct Envelope {
  std::string_view origin;  // the pod that sent it
  Body body;
};

// Encoders: the header line, then the body for relays and kicks.
std::string encode(std::string_view origin, const Join& join);
std::string encode(std::string_view origin, const Leave& leave);
std::string encode(std::string_view origin, const Relay& relay);
std::string encode(std::string_view origin, const HostChange& change);
std::string encode(std::string_view origin, const Kick& kick);
std::string encode(std::string_view origin, const SyncRequest& request);
std::string encode(std::string_view origin, const Sync& sync);
std::string encode(std::string_view origin, const Heartbeat& heartbeat);
std::string encode(std::string_view origin, const RoomStatusChange& change);
std::string encode(std::string_view origin, const StateHash& hash);
std::string encode(std::string_view origin, const RoomClosed& closed);

enum class DecodeResult { kOk, kOtherVersion, kMalformed };

// Parses `payload`; every view in `out` points into it. `out` may be reused
// between calls (a sync's member list keeps its capacity).
DecodeResult decode(std::string_view payload, Envelope& out);

}  // namespace signalmesh::cluster
