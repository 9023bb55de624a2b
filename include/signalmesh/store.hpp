// The store: persistence of users, rooms and per-tick state hashes
// (shared/design/app-integration.md §1, §3; docs/store.md). One interface,
// chosen by `--store` in one place (src/store/factory.cpp), with the
// implementations in src/store/{sqlite,redis,postgres,none}/ and one
// conformance suite (tests/store/) that every implementation passes.
//
// Asynchronous: every call returns at once and its callback runs later on
// the loop given to start(), never inside the call itself. The gateway
// mirrors live state into it and never waits for it on the relay path.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace asio {
class io_context;
}

namespace signalmesh::store {

enum class Status {
  kOk,
  kNotFound,            // no such user/room/hash
  kConflict,            // create: it exists; put_hash: another hash for that peer and tick
  kPreconditionFailed,  // patch_room: If-Match names another version
  kInvalid,             // an argument the store refuses (a bad cursor, a backward status)
  kUnavailable,         // the store cannot be reached or timed out
  kUnsupported,         // the `none` store
};

std::string_view status_name(Status status);

template <typename T>
struct Result {
  Status status = Status::kOk;
  std::string message;  // for logs and API errors; empty on success
  T value{};
  bool ok() const { return status == Status::kOk; }
};
struct Empty {};

template <typename T>
using Done = std::function<void(Result<T>)>;

// Times are Unix milliseconds.
struct User {
  std::string uid;
  std::string handle;
  std::optional<std::string> email;
  std::int64_t created = 0;
  std::optional<std::int64_t> last_seen;
  // A JSON object's text, or empty when absent.
  std::string metadata;
};

enum class RoomStatus { kWaiting = 0, kPlaying = 1, kFinished = 2 };
std::string_view room_status_name(RoomStatus status);
std::optional<RoomStatus> parse_room_status(std::string_view name);

struct Player {
  std::string uid;
  // The cluster-wide join order (Member::join_order): players are listed
  // oldest first.
  std::uint64_t join_order = 0;
};

struct RoomRecord {
  std::string room_id;
  RoomStatus status = RoomStatus::kWaiting;
  std::uint32_t round = 1;
  std::string host_uid;         // empty: no host (no players)
  std::vector<Player> players;  // oldest first
  std::int64_t created = 0;
  std::int64_t updated = 0;
  // Increases on every change of the record (players, host, status,
  // metadata...): the API's If-Match.
  std::uint64_t version = 1;
  std::string metadata;  // a JSON object's text, or empty
  std::optional<std::uint32_t> max_members;
};

struct HashRecord {
  std::string room_id;
  std::uint32_t round = 1;
  std::uint64_t tick = 0;  // 0 .. 2^53-1
  std::string peer_id;
  std::string hash;
  std::int64_t timestamp = 0;
};

// A page of a listing. `cursor` is what a previous page returned as `next`
// (empty: from the start); a cursor the store cannot read is kInvalid.
struct PageRequest {
  std::string cursor;
  std::size_t limit = 100;  // 1..500, checked by the caller
};
template <typename T>
struct Page {
  std::vector<T> items;
  std::string next;  // empty: this was the last page
};

// A field left empty (std::nullopt) is not changed.
struct UserPatch {
  std::optional<std::string> handle;
  // Set to an empty optional to remove the email.
  std::optional<std::optional<std::string>> email;
  // Set to "" to remove the metadata.
  std::optional<std::string> metadata;
};

struct RoomPatch {
  // Only forward: waiting -> playing -> finished, and finished -> waiting
  // (which starts the next round). Anything else is kInvalid. Setting the
  // current status again changes nothing.
  std::optional<RoomStatus> status;
  std::optional<std::string> metadata;  // "" removes it
  std::optional<std::optional<std::uint32_t>> max_members;
};

struct Settings {
  // The `--store` value: "sqlite:PATH", "sqlite::memory:", "redis://...",
  // "postgres://..." (or "postgresql://..."), "none".
  std::string url;
  // A finished room's record expires this long after it finished (Redis:
  // EXPIRE; SQL stores delete it on their periodic sweep). 0: never.
  std::uint32_t room_retention_seconds = 7 * 24 * 3600;
  // Hashes kept per room and round: the newest ticks win.
  std::uint32_t hash_retention_ticks = 1000;
  // A command that takes longer fails with kUnavailable.
  std::uint32_t timeout_ms = 2000;
  // Mirror writes waiting while the store is down; beyond it the oldest is
  // dropped (counted, logged).
  std::size_t max_queued_writes = 10000;
};

class Store {
 public:
  virtual ~Store() = default;

  // Attaches to the loop; `on_state` is posted when the store becomes
  // reachable (true) or not (false). Loop thread only.
  virtual void start(asio::io_context& loop, std::function<void(bool up)> on_state) = 0;
  // No callback runs after it returns; pending calls are dropped.
  virtual void stop() = 0;
  virtual bool is_up() const = 0;
  virtual std::string_view name() const = 0;  // "sqlite", "redis", "postgres", "none"
  // Prometheus text, names prefixed signalmesh_store_.
  virtual void append_metrics(std::string& /*prometheus_text*/) const {}

  // --- users (the API creates them; joins only touch last_seen)
  virtual void create_user(User user, Done<User> done) = 0;  // kConflict if the uid exists
  virtual void get_user(std::string uid, Done<User> done) = 0;
  virtual void list_users(PageRequest page, Done<Page<User>> done) = 0;  // by uid
  virtual void patch_user(std::string uid, UserPatch patch, Done<User> done) = 0;
  virtual void delete_user(std::string uid, Done<Empty> done) = 0;
  // Mirror: sets last_seen of an existing user; kNotFound otherwise.
  virtual void touch_user(std::string uid, std::int64_t now, Done<Empty> done) = 0;

  // --- rooms
  // `room.players`, `host_uid` and `version` are ignored (a new room has no
  // players, version 1). kConflict if the id exists.
  virtual void create_room(RoomRecord room, Done<RoomRecord> done) = 0;
  // The read of a pod that starts following a room: the record, created
  // first (waiting, round 1, created = updated = now) when missing and
  // `create_if_missing`; kNotFound when missing otherwise.
  virtual void open_room(std::string room_id, bool create_if_missing, std::int64_t now,
                         Done<RoomRecord> done) = 0;
  virtual void get_room(std::string room_id, Done<RoomRecord> done) = 0;
  // By room_id; only rooms of `status` when given.
  virtual void list_rooms(std::optional<RoomStatus> status, PageRequest page,
                          Done<Page<RoomRecord>> done) = 0;
  // `if_match`: the version the caller saw (kPreconditionFailed otherwise).
  virtual void patch_room(std::string room_id, RoomPatch patch,
                          std::optional<std::uint64_t> if_match, std::int64_t now,
                          Done<RoomRecord> done) = 0;
  // The record, its players and all its hashes.
  virtual void delete_room(std::string room_id, Done<Empty> done) = 0;

  // --- mirror writes of live state (kNotFound when the room has no record)
  // One player at a time, so that pods never overwrite each other.
  virtual void add_player(std::string room_id, Player player, std::int64_t now,
                          Done<Empty> done) = 0;
  virtual void remove_player(std::string room_id, std::string uid, std::int64_t now,
                             Done<Empty> done) = 0;
  virtual void set_host(std::string room_id, std::string host_uid, std::int64_t now,
                        Done<Empty> done) = 0;
  // Monotonic: applied only when (round, status) is later than the stored
  // one (status in the order waiting < playing < finished), so pods that
  // report the same change in any order agree. A finished room gets its
  // retention expiry; one that goes back to waiting loses it.
  virtual void advance_status(std::string room_id, RoomStatus status, std::uint32_t round,
                              std::int64_t now, Done<Empty> done) = 0;
  // After a store outage: the pod's whole view of the room (cluster-wide
  // players and host) replaces the stored one.
  virtual void replace_players(std::string room_id, std::vector<Player> players,
                               std::string host_uid, std::int64_t now, Done<Empty> done) = 0;

  // --- hashes
  // The first report of a (room, round, tick, peer) wins: the same hash
  // again is kOk, another is kConflict. Keeps the newest
  // hash_retention_ticks ticks of the room's round.
  virtual void put_hash(HashRecord hash, Done<Empty> done) = 0;
  // Ticks from..to (inclusive), by tick then peer.
  virtual void list_hashes(std::string room_id, std::uint32_t round, std::uint64_t from,
                           std::uint64_t to, PageRequest page, Done<Page<HashRecord>> done) = 0;
};

using StorePtr = std::unique_ptr<Store>;

// The store `settings.url` names; throws std::invalid_argument (with a
// message for the operator) for a URL no implementation accepts.
StorePtr make_store(const Settings& settings);

}  // namespace signalmesh::store
