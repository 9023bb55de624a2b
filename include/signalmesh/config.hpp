// Every tunable of a gateway pod in one struct. Each default carries the
// reason it was chosen; the flag table in src/cli/flag_table.cpp exposes
// every field as `--flag` and `SIGNALMESH_FLAG`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "signalmesh/store.hpp"

namespace signalmesh {

enum class LogLevel { kError = 0, kWarn = 1, kInfo = 2, kDebug = 3 };
// How log lines look on stderr (docs/operations.md, "Logs"): text for a
// person, json (one object per line) for a log collector.
enum class LogFormat { kText = 0, kJson = 1 };

struct Limits {
  // protocol.md §5: a message over this (after reassembly) closes with 1009.
  std::size_t max_message_bytes = 65536;
  // protocol.md §5: a join beyond this many members gets room-full / 4013.
  std::size_t max_room_members = 50;
  // Token bucket: steady rate and burst; a call setup is ~50 messages in 1 s.
  double rate_per_second = 50.0;
  double rate_burst = 200.0;
  // Refused messages in a row before the close 1008.
  std::size_t max_refused_in_row = 20;
  // Unsent output per connection before 4008; bounds memory per slow reader.
  std::size_t max_buffered_bytes = 1024 * 1024;
  // Liveness: ping period; a connection silent for two periods is dropped.
  std::uint32_t ping_interval_ms = 20000;
  // A client that upgrades slower than this is cut (slowloris guard).
  std::uint32_t handshake_timeout_ms = 5000;
  // Time a closing connection may take to answer our close frame.
  std::uint32_t close_timeout_ms = 3000;
  // Beyond this many open connections new upgrades get HTTP 503.
  std::size_t max_connections = 10000;
};

// Cluster agreement (docs/cluster.md); used whatever the backend.
struct ClusterTimings {
  // How often a pod announces it is alive on the cluster channel.
  std::uint32_t heartbeat_interval_ms = 1000;
  // A pod silent this long is dead and its members leave with `pod-lost`
  // (protocol.md §8 asks for detection within 5 s).
  std::uint32_t pod_lost_ms = 3000;
  // How long a pod that starts following a room waits for the other pods'
  // member lists before it admits anyway.
  std::uint32_t sync_timeout_ms = 1000;
};

// Who may connect (protocol.md §6). Off by default (the local demo).
struct AuthConfig {
  // HS256 secret of the tokens; empty: auth off. Never logged.
  std::string jwt_secret;
  // Exact origins ("https://app.example.com") or one-label-or-more wildcards
  // ("https://*.example.com"); empty: every origin is admitted (logged).
  std::vector<std::string> allowed_origins;
};

// coturn REST API credentials (use-auth-secret). Off while `secrets` is empty.
struct TurnConfig {
  // Shared secrets of coturn's static-auth-secret; the first signs, the
  // others are kept during a rotation (coturn accepts any of its list).
  std::vector<std::string> secrets;
  // turn:/turns:/stun: URIs handed to browsers.
  std::vector<std::string> uris;
  // Lifetime of issued credentials (coturn checks the expiry in the username).
  std::uint32_t ttl_seconds = 86400;
};

// Rooms as the application sees them (app-integration.md §1-2).
struct RoomsConfig {
  // `--rooms api`: only rooms the API created may be joined (4004 otherwise);
  // false (`auto`): a first join creates the record.
  bool require_record = false;
};

// The server API (app-integration.md §4). Off while `keys` is empty.
struct ApiConfig {
  // Accepted bearer keys (several during a rotation). Never logged.
  std::vector<std::string> keys;
  // Request bodies larger than this get 413.
  std::size_t max_body_bytes = 65536;
};

// Webhooks (app-integration.md §5, docs/webhooks.md). Off while `urls` is
// empty.
struct WebhookConfig {
  // Every event goes to each of these (http:// or https://).
  std::vector<std::string> urls;
  // The HMAC-SHA256 key of Signalmesh-Signature; required with `urls`.
  std::string secret;
  // Per URL: events waiting or in flight. 10,000 is minutes of a busy
  // pod's joins and leaves while a receiver is down, a few MB at most.
  std::size_t max_queued = 10000;
  // One attempt, connect included: a receiver should answer at once and do
  // its work afterwards.
  std::uint32_t timeout_ms = 5000;
  // Then the event is dropped (counted). 12 attempts with backoff from
  // 250 ms doubling to 30 s span about 4 minutes of receiver outage.
  std::uint32_t max_attempts = 12;
};

// TLS on the public listener (docs/operations.md): both files or neither.
struct TlsSettings {
  std::string cert_file;  // PEM: the certificate, then its chain
  std::string key_file;   // PEM: its private key
  bool enabled() const { return !cert_file.empty(); }
};

struct Config {
  std::string host = "0.0.0.0";
  // 0 picks a free port (tests); Gateway::port() tells which.
  std::uint16_t port = 8080;
  // The internal listener (docs/operations.md): /metrics, /readyz, /healthz,
  // the API and /admin move there from the public port. Off while
  // internal_port is unset; 0 picks a free port (Gateway::internal_port()).
  std::optional<std::uint16_t> internal_port;
  std::string internal_host = "127.0.0.1";
  // The demo page and its browser client at / (off: 404).
  bool demo = true;
  TlsSettings tls;
  // Which fan-out backend: a name of the backend table (local, redis, zmq;
  // signalmesh/backends.hpp). Each backend's own settings (Redis URL, mesh
  // endpoints, CURVE keys) live with the backend, not here.
  std::string backend = "local";
  // Unique per pod in a cluster; empty means "generate one at start".
  std::string pod_id;
  Limits limits;
  ClusterTimings cluster;
  AuthConfig auth;
  TurnConfig turn;
  RoomsConfig rooms;
  ApiConfig api;
  WebhookConfig webhooks;
  // The store (signalmesh/store.hpp). An empty url is the backend's default
  // (Backend::default_store): sqlite:signalmesh.db for local, the Redis URL
  // for redis, none for zmq. hash_retention_ticks also bounds the hashes
  // each pod keeps in memory for the desync verdict.
  store::Settings store;
  // On SIGTERM/SIGINT: readyz 503, close everyone 1001, exit by this deadline.
  std::uint32_t drain_timeout_ms = 10000;
  // Applied by Gateway::start(). Logging is process-wide: with several
  // gateways in one process, the last one started sets it.
  LogLevel log_level = LogLevel::kInfo;
  // Applied by the signalmesh binary (log::set_format), with pod_id as the
  // `pod` of every json line; process-wide like the level.
  LogFormat log_format = LogFormat::kText;
};

}  // namespace signalmesh
