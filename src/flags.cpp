// The flag table and the strict value parsers behind it. Adding a Config
// field means adding one row to kFlags: parsing, the environment variable
// and --help follow from it.
#include "flags.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <sstream>
#include <string_view>
#include <system_error>
#include <utility>

#include "auth/origin.hpp"

namespace signalmesh {
namespace {

constexpr std::uint64_t kU32Max = std::numeric_limits<std::uint32_t>::max();
constexpr std::uint64_t kSizeMax = std::numeric_limits<std::size_t>::max();
constexpr std::uint64_t kIntMax = std::numeric_limits<int>::max();

// Whole string, decimal digits only (no sign, no spaces), within [min, max].
template <typename T>
bool parse_uint(std::string_view v, std::uint64_t min, std::uint64_t max, T& out) {
  if (v.empty() || v.front() < '0' || v.front() > '9') return false;
  std::uint64_t x = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || ptr != v.data() + v.size() || x < min || x > max) return false;
  out = static_cast<T>(x);
  return true;
}

// Whole string, a finite decimal number >= min (and > 0 when min is 0).
bool parse_positive(std::string_view v, double min, double& out) {
  if (v.empty() || !((v.front() >= '0' && v.front() <= '9') || v.front() == '.')) return false;
  double x = 0;
  const auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), x);
  if (ec != std::errc() || ptr != v.data() + v.size() || !std::isfinite(x)) return false;
  if (x <= 0 || x < min) return false;
  out = x;
  return true;
}

bool has_space_or_control(std::string_view v) {
  return std::any_of(v.begin(), v.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u <= 0x20 || u == 0x7f;
  });
}

// An IPv4 or IPv6 literal: what the gateway can bind without a resolver.
bool is_ip_address(std::string_view v) {
  if (v.empty() || v.size() >= INET6_ADDRSTRLEN) return false;
  const std::string s(v);
  unsigned char buf[sizeof(struct in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

// SCHEME://ADDRESS with both parts non-empty, no spaces, no commas.
bool is_endpoint(std::string_view v) {
  const auto sep = v.find("://");
  return sep != std::string_view::npos && sep > 0 && sep + 3 < v.size() &&
         !has_space_or_control(v) && v.find(',') == std::string_view::npos;
}

std::string_view trim(std::string_view v) {
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t')) v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
  return v;
}

// Empty, or comma-separated endpoints (spaces around each are ignored).
bool parse_endpoint_list(std::string_view v, std::vector<std::string>& out) {
  std::vector<std::string> list;
  if (!trim(v).empty()) {
    while (true) {
      const auto comma = v.find(',');
      const auto item = trim(v.substr(0, comma));
      if (!is_endpoint(item)) return false;
      list.emplace_back(item);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  out = std::move(list);
  return true;
}

// Comma-separated items (spaces around each ignored), each accepted by `ok`.
bool parse_list(std::string_view v, bool (*ok)(std::string_view), std::vector<std::string>& out) {
  std::vector<std::string> list;
  if (!trim(v).empty()) {
    while (true) {
      const auto comma = v.find(',');
      const auto item = trim(v.substr(0, comma));
      if (item.empty() || !ok(item)) return false;
      list.emplace_back(item);
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  out = std::move(list);
  return true;
}

bool is_turn_uri(std::string_view v) {
  return (v.rfind("turn:", 0) == 0 || v.rfind("turns:", 0) == 0 || v.rfind("stun:", 0) == 0) &&
         v.find(':') + 1 < v.size() && !has_space_or_control(v);
}

bool is_secret(std::string_view v) {
  return !v.empty() && !has_space_or_control(v);
}

// Secrets are never shown, only whether one is set.
std::string show_secret(bool set) {
  return set ? "(set)" : "\"\"";
}

// Empty, or a file path without control characters.
bool parse_path(std::string_view v, std::string& out) {
  if (std::any_of(v.begin(), v.end(), [](char ch) {
        const auto u = static_cast<unsigned char>(ch);
        return u < 0x20 || u == 0x7f;
      })) {
    return false;
  }
  out = std::string(v);
  return true;
}

// Empty, or comma-separated non-empty paths (spaces around each ignored).
bool parse_path_list(std::string_view v, std::vector<std::string>& out) {
  std::vector<std::string> list;
  if (!trim(v).empty()) {
    while (true) {
      const auto comma = v.find(',');
      const auto item = trim(v.substr(0, comma));
      std::string path;
      if (item.empty() || !parse_path(item, path)) return false;
      list.push_back(std::move(path));
      if (comma == std::string_view::npos) break;
      v.remove_prefix(comma + 1);
    }
  }
  out = std::move(list);
  return true;
}

std::string show_double(double d) {
  std::ostringstream out;
  out << d;
  return out.str();
}

std::string show_string(const std::string& s) {
  return s.empty() ? "\"\"" : s;
}

std::string join(const std::vector<std::string>& list) {
  std::string out;
  for (const auto& item : list) {
    if (!out.empty()) out += ',';
    out += item;
  }
  return out;
}

struct Flag {
  const char* name;  // without the leading dashes
  const char* value_name;
  const char* help;
  const char* accepts;
  bool (*set)(Config&, std::string_view);
  std::string (*show)(const Config&);
};

// The one table. Order is the order of --help.
const Flag kFlags[] = {
    {"host", "ADDRESS", "IP address to listen on (0.0.0.0 or :: for all interfaces)",
     "an IPv4 or IPv6 address such as 0.0.0.0, 127.0.0.1 or ::",
     [](Config& c, std::string_view v) {
       if (!is_ip_address(v)) return false;
       c.host = std::string(v);
       return true;
     },
     [](const Config& c) { return show_string(c.host); }},
    {"port", "PORT", "port to listen on (HTTP and WebSocket); 0 picks a free one",
     "an integer 0-65535",
     [](Config& c, std::string_view v) { return parse_uint(v, 0, 65535, c.port); },
     [](const Config& c) { return std::to_string(c.port); }},
    {"backend", "NAME", "fan-out backend between pods", "one of local|redis|zmq",
     [](Config& c, std::string_view v) {
       if (v != "local" && v != "redis" && v != "zmq") return false;
       c.backend = std::string(v);
       return true;
     },
     [](const Config& c) { return show_string(c.backend); }},
    {"pod-id", "ID", "unique id of this pod in a cluster; empty: one is generated at start",
     "empty, or 1-64 characters of A-Z a-z 0-9 . _ -",
     [](Config& c, std::string_view v) {
       const bool ok = v.size() <= 64 && std::all_of(v.begin(), v.end(), [](char ch) {
                         return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
                                (ch >= '0' && ch <= '9') || ch == '.' || ch == '_' || ch == '-';
                       });
       if (!ok) return false;
       c.pod_id = std::string(v);
       return true;
     },
     [](const Config& c) { return show_string(c.pod_id); }},
    {"log-level", "LEVEL", "least severe log level written to stderr",
     "one of error|warn|info|debug",
     [](Config& c, std::string_view v) {
       for (const auto level :
            {LogLevel::kError, LogLevel::kWarn, LogLevel::kInfo, LogLevel::kDebug}) {
         if (v == log_level_name(level)) {
           c.log_level = level;
           return true;
         }
       }
       return false;
     },
     [](const Config& c) { return std::string(log_level_name(c.log_level)); }},
    {"drain-timeout-ms", "MS",
     "on SIGTERM/SIGINT: close every connection (1001) and exit within this time",
     "an integer 0-4294967295",
     [](Config& c, std::string_view v) { return parse_uint(v, 0, kU32Max, c.drain_timeout_ms); },
     [](const Config& c) { return std::to_string(c.drain_timeout_ms); }},
    {"jwt-secret", "SECRET",
     "HS256 secret of admission tokens; empty: auth off (prefer the env var or --jwt-secret-file)",
     "a non-empty string without spaces",
     [](Config& c, std::string_view v) {
       if (!is_secret(v)) return false;
       c.auth.jwt_secret = std::string(v);
       return true;
     },
     [](const Config& c) { return show_secret(!c.auth.jwt_secret.empty()); }},
    {"jwt-secret-file", "PATH", "read the token secret from this file (one line)",
     "a readable file holding the secret",
     [](Config& c, std::string_view v) {
       std::ifstream in{std::string(v)};
       std::string secret;
       if (!in || !std::getline(in, secret)) return false;
       if (!secret.empty() && secret.back() == '\r') secret.pop_back();
       if (!is_secret(secret)) return false;
       c.auth.jwt_secret = std::move(secret);
       return true;
     },
     [](const Config&) { return std::string("\"\""); }},
    {"allowed-origins", "LIST",
     "browser origins allowed to connect (others get HTTP 403); empty: any (a warning is logged)",
     "empty, or comma-separated origins such as https://app.example.com,https://*.example.com",
     [](Config& c, std::string_view v) {
       return parse_list(v, auth::is_origin_pattern, c.auth.allowed_origins);
     },
     [](const Config& c) { return show_string(join(c.auth.allowed_origins)); }},
    {"turn-secret", "LIST",
     "coturn static-auth-secret(s); the first signs, the rest stay valid during a rotation",
     "empty, or comma-separated secrets without spaces",
     [](Config& c, std::string_view v) { return parse_list(v, is_secret, c.turn.secrets); },
     [](const Config& c) { return show_secret(!c.turn.secrets.empty()); }},
    {"turn-uris", "LIST",
     "TURN/STUN URIs handed to browsers (with credentials when --turn-secret is set)",
     "empty, or comma-separated turn:/turns:/stun: URIs",
     [](Config& c, std::string_view v) { return parse_list(v, is_turn_uri, c.turn.uris); },
     [](const Config& c) { return show_string(join(c.turn.uris)); }},
    {"turn-ttl", "SECONDS", "lifetime of issued TURN credentials", "an integer 60-604800",
     [](Config& c, std::string_view v) { return parse_uint(v, 60, 604800, c.turn.ttl_seconds); },
     [](const Config& c) { return std::to_string(c.turn.ttl_seconds); }},
    {"max-message-bytes", "BYTES", "largest client message; larger closes with 1009",
     "an integer >= 1",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kSizeMax, c.limits.max_message_bytes);
     },
     [](const Config& c) { return std::to_string(c.limits.max_message_bytes); }},
    {"max-room-members", "N", "members per room; one more gets room-full (4013)", "an integer >= 1",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kSizeMax, c.limits.max_room_members);
     },
     [](const Config& c) { return std::to_string(c.limits.max_room_members); }},
    {"rate-per-second", "RATE", "messages per second per connection (token bucket rate)",
     "a number > 0",
     [](Config& c, std::string_view v) { return parse_positive(v, 0, c.limits.rate_per_second); },
     [](const Config& c) { return show_double(c.limits.rate_per_second); }},
    {"rate-burst", "N", "messages a connection may send at once (token bucket size)",
     "a number >= 1",
     [](Config& c, std::string_view v) { return parse_positive(v, 1, c.limits.rate_burst); },
     [](const Config& c) { return show_double(c.limits.rate_burst); }},
    {"max-refused-in-row", "N", "refused messages in a row before closing with 1008",
     "an integer >= 1",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kSizeMax, c.limits.max_refused_in_row);
     },
     [](const Config& c) { return std::to_string(c.limits.max_refused_in_row); }},
    {"max-buffered-bytes", "BYTES", "unsent output per connection before closing with 4008",
     "an integer >= 1",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kSizeMax, c.limits.max_buffered_bytes);
     },
     [](const Config& c) { return std::to_string(c.limits.max_buffered_bytes); }},
    {"ping-interval-ms", "MS", "ping period; a connection silent for two periods is dropped",
     "an integer 1-4294967295",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kU32Max, c.limits.ping_interval_ms);
     },
     [](const Config& c) { return std::to_string(c.limits.ping_interval_ms); }},
    {"handshake-timeout-ms", "MS", "time a client has to complete the WebSocket upgrade",
     "an integer 1-4294967295",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kU32Max, c.limits.handshake_timeout_ms);
     },
     [](const Config& c) { return std::to_string(c.limits.handshake_timeout_ms); }},
    {"close-timeout-ms", "MS", "time a closing connection has to answer our close frame",
     "an integer 1-4294967295",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kU32Max, c.limits.close_timeout_ms);
     },
     [](const Config& c) { return std::to_string(c.limits.close_timeout_ms); }},
    {"max-connections", "N", "open connections beyond which upgrades get HTTP 503",
     "an integer >= 1",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kSizeMax, c.limits.max_connections);
     },
     [](const Config& c) { return std::to_string(c.limits.max_connections); }},
    {"heartbeat-interval-ms", "MS", "how often this pod tells the cluster it is alive",
     "an integer 10-4294967295",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 10, kU32Max, c.cluster.heartbeat_interval_ms);
     },
     [](const Config& c) { return std::to_string(c.cluster.heartbeat_interval_ms); }},
    {"pod-lost-ms", "MS",
     "silence after which another pod is dead and its members leave (pod-lost)",
     "an integer 50-4294967295",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 50, kU32Max, c.cluster.pod_lost_ms);
     },
     [](const Config& c) { return std::to_string(c.cluster.pod_lost_ms); }},
    {"sync-timeout-ms", "MS", "longest wait for other pods' member lists before admitting",
     "an integer 1-4294967295",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kU32Max, c.cluster.sync_timeout_ms);
     },
     [](const Config& c) { return std::to_string(c.cluster.sync_timeout_ms); }},
    {"redis-url", "URL", "Redis server of the redis backend", "a URL redis://HOST[:PORT]",
     [](Config& c, std::string_view v) {
       constexpr std::string_view kScheme = "redis://";
       if (v.size() <= kScheme.size() || v.substr(0, kScheme.size()) != kScheme ||
           has_space_or_control(v)) {
         return false;
       }
       c.redis_url = std::string(v);
       return true;
     },
     [](const Config& c) { return show_string(c.redis_url); }},
    {"zmq-bind", "ENDPOINT", "where the zmq backend binds its PUB socket",
     "empty, or an endpoint such as tcp://0.0.0.0:5555",
     [](Config& c, std::string_view v) {
       if (!v.empty() && !is_endpoint(v)) return false;
       c.zmq_bind = std::string(v);
       return true;
     },
     [](const Config& c) { return show_string(c.zmq_bind); }},
    {"zmq-peers", "LIST", "PUB endpoints of the other pods (zmq backend), comma-separated",
     "empty, or comma-separated endpoints such as tcp://HOST:PORT",
     [](Config& c, std::string_view v) { return parse_endpoint_list(v, c.zmq_peers); },
     [](const Config& c) { return show_string(join(c.zmq_peers)); }},
    {"zmq-sndhwm", "N", "envelopes queued per peer on this pod's PUB before it drops (zmq)",
     "an integer 0-2147483647 (0: no limit)",
     [](Config& c, std::string_view v) { return parse_uint(v, 0, kIntMax, c.zmq_sndhwm); },
     [](const Config& c) { return std::to_string(c.zmq_sndhwm); }},
    {"zmq-rcvhwm", "N", "envelopes queued per peer on this pod's SUB before it drops (zmq)",
     "an integer 0-2147483647 (0: no limit)",
     [](Config& c, std::string_view v) { return parse_uint(v, 0, kIntMax, c.zmq_rcvhwm); },
     [](const Config& c) { return std::to_string(c.zmq_rcvhwm); }},
    {"zmq-curve-secret-key-file", "FILE",
     "this pod's CURVE secret key (signalmesh-zmq-keygen); turns CURVE on for the zmq mesh",
     "empty, or a file path",
     [](Config& c, std::string_view v) { return parse_path(v, c.zmq_curve_secret_key_file); },
     [](const Config& c) { return show_string(c.zmq_curve_secret_key_file); }},
    {"zmq-curve-public-key-file", "FILE",
     "this pod's CURVE public key; optional, checked against the secret key",
     "empty, or a file path",
     [](Config& c, std::string_view v) { return parse_path(v, c.zmq_curve_public_key_file); },
     [](const Config& c) { return show_string(c.zmq_curve_public_key_file); }},
    {"zmq-curve-peer-keys", "LIST",
     "the peers' CURVE public key files: one per --zmq-peers entry in order, or one for all",
     "empty, or comma-separated file paths",
     [](Config& c, std::string_view v) { return parse_path_list(v, c.zmq_curve_peer_keys); },
     [](const Config& c) { return show_string(join(c.zmq_curve_peer_keys)); }},
};

std::string env_name(const Flag& flag) {
  std::string env = "SIGNALMESH_";
  for (const char* p = flag.name; *p != '\0'; ++p) {
    env += *p == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(*p)));
  }
  return env;
}

const Flag* find_flag(std::string_view name) {
  for (const auto& flag : kFlags) {
    if (name == flag.name) return &flag;
  }
  return nullptr;
}

// A value as it may appear in a one-line message: quoted, control characters
// replaced, long values cut.
std::string quote(std::string_view v) {
  constexpr std::size_t kMax = 80;
  std::string out = "'";
  for (std::size_t i = 0; i < v.size() && i < kMax; ++i) {
    const auto u = static_cast<unsigned char>(v[i]);
    out += (u < 0x20 || u == 0x7f) ? '?' : v[i];
  }
  if (v.size() > kMax) out += "...";
  return out + "'";
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diag = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diag = up;
    }
  }
  return row[b.size()];
}

std::string unknown_flag_message(std::string_view arg, std::string_view name) {
  std::string text = "unknown flag " + quote(arg);
  const Flag* best = nullptr;
  std::size_t best_distance = 3;  // suggest only close names
  for (const auto& flag : kFlags) {
    const auto d = edit_distance(name, flag.name);
    if (d < best_distance) {
      best = &flag;
      best_distance = d;
    }
  }
  if (best != nullptr) text += std::string("; did you mean --") + best->name + "?";
  return text + " (see --help for the accepted flags)";
}

// Where a given flag came from: "--name" or "SIGNALMESH_NAME", and its value.
// Flags left at their default are absent: a default is not "given".
struct Source {
  std::string where;
  std::string value;
};
using Sources = std::map<std::string, Source, std::less<>>;

// A flag given with a non-empty value. An empty value (`--zmq-peers=`) is
// the same as leaving the flag out.
const Source* given_non_empty(const Sources& sources, std::string_view name) {
  const auto it = sources.find(name);
  if (it == sources.end() || trim(it->second.value).empty()) return nullptr;
  return &it->second;
}

// The backend that reads a flag (`redis-*`, `zmq-*`), or "" for every backend.
std::string_view backend_of(std::string_view flag) {
  for (std::string_view backend : {"redis", "zmq"}) {
    if (flag.size() > backend.size() && flag.substr(0, backend.size()) == backend &&
        flag[backend.size()] == '-') {
      return backend;
    }
  }
  return {};
}

// Bytes a relayed message may gain over the client's: `"senderId":"<64>",`
// inserted, and an unmasked frame header of up to 10 bytes.
constexpr std::size_t kRelayOverheadBytes = 14 + 64 + 10;

// Values that are each valid but do nothing or contradict each other: the
// error (one line) for those that would leave a pod silently wrong, a
// warning for those that are only useless.
std::optional<std::string> check_combinations(const Config& c, const Sources& sources,
                                              std::vector<std::string>& warnings) {
  const auto backend_source = sources.find("backend");
  const std::string backend_shown =
      backend_source == sources.end()
          ? "the backend is " + c.backend + " (the default)"
          : "the backend is " + c.backend + " (" + backend_source->second.where + ")";
  for (const auto& flag : kFlags) {
    const auto owner = backend_of(flag.name);
    if (owner.empty() || owner == c.backend) continue;
    if (const Source* s = given_non_empty(sources, flag.name)) {
      return s->where + " is set but " + backend_shown + ": only --backend " + std::string(owner) +
             " reads it (add --backend " + std::string(owner) + ", or drop " + s->where + ")";
    }
  }

  const Source* jwt = given_non_empty(sources, "jwt-secret");
  const Source* jwt_file = given_non_empty(sources, "jwt-secret-file");
  if (jwt != nullptr && jwt_file != nullptr) {
    return jwt->where + " and " + jwt_file->where +
           " both set the token secret: give only one of them";
  }

  const auto& turn = c.turn;
  if (!turn.secrets.empty() && turn.uris.empty()) {
    return given_non_empty(sources, "turn-secret")->where +
           " is set but --turn-uris is empty: the credentials would name no TURN server "
           "(add --turn-uris turn:HOST:PORT)";
  }
  if (turn.secrets.empty()) {
    for (const auto& uri : turn.uris) {
      if (uri.rfind("stun:", 0) == 0) continue;
      return given_non_empty(sources, "turn-uris")->where + " lists " + quote(uri) +
             " but --turn-secret is empty: browsers refuse a TURN server without credentials "
             "(add --turn-secret, or list only stun: URIs for a STUN-only setup)";
    }
    if (const auto ttl = sources.find("turn-ttl"); ttl != sources.end()) {
      warnings.push_back(ttl->second.where +
                         " has no effect without --turn-secret: no TURN credentials are issued");
    }
  }

  const auto& limits = c.limits;
  if (limits.max_buffered_bytes < limits.max_message_bytes) {
    return "--max-buffered-bytes " + std::to_string(limits.max_buffered_bytes) +
           " is smaller than --max-message-bytes " + std::to_string(limits.max_message_bytes) +
           ": one relayed message of the largest size would close its receivers with 4008";
  }
  if (limits.max_buffered_bytes - limits.max_message_bytes < kRelayOverheadBytes) {
    warnings.push_back("--max-buffered-bytes " + std::to_string(limits.max_buffered_bytes) +
                       " leaves less than " + std::to_string(kRelayOverheadBytes) +
                       " bytes over --max-message-bytes " +
                       std::to_string(limits.max_message_bytes) +
                       ": a relayed message of the largest size (with its senderId and frame "
                       "header) may close an idle receiver with 4008");
  }

  const auto& cluster = c.cluster;
  if (cluster.pod_lost_ms <= cluster.heartbeat_interval_ms) {
    return "--pod-lost-ms " + std::to_string(cluster.pod_lost_ms) +
           " must be greater than --heartbeat-interval-ms " +
           std::to_string(cluster.heartbeat_interval_ms) +
           ", or every pod would be lost between two heartbeats";
  }
  if (c.backend == "local") {
    for (const char* name : {"heartbeat-interval-ms", "pod-lost-ms", "sync-timeout-ms"}) {
      if (const auto it = sources.find(name); it != sources.end()) {
        warnings.push_back(it->second.where +
                           " has no effect with the local backend: there is no other pod");
      }
    }
  }
  if (c.backend == "zmq" && c.zmq_peers.empty()) {
    warnings.push_back("the zmq backend has no --zmq-peers: this pod meshes with no other pod");
  }
  return std::nullopt;
}

FlagsResult error(std::string text) {
  FlagsResult result;
  result.kind = FlagsResult::kError;
  result.text = std::move(text);
  return result;
}

}  // namespace

const char* log_level_name(LogLevel level) {
  switch (level) {
    case LogLevel::kError:
      return "error";
    case LogLevel::kWarn:
      return "warn";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kDebug:
      return "debug";
  }
  return "info";
}

FlagsResult parse_flags(int argc, const char* const* argv, const GetenvFn& getenv_fn) {
  // Pass 1: the shape of the command line, so that --help and unknown flags
  // are reported before any value.
  std::vector<std::pair<const Flag*, std::string>> given;
  for (int i = 1; i < argc; ++i) {
    if (argv[i] == nullptr) continue;
    const std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      FlagsResult result;
      result.kind = FlagsResult::kHelp;
      result.text = flags_help();
      return result;
    }
    if (arg.size() <= 2 || arg.substr(0, 2) != "--") {
      return error("unexpected argument " + quote(arg) +
                   "; flags are --flag VALUE or --flag=VALUE (see --help)");
    }
    const auto eq = arg.find('=');
    const auto name = arg.substr(2, eq == std::string_view::npos ? arg.npos : eq - 2);
    const Flag* flag = find_flag(name);
    if (flag == nullptr) {
      return error(unknown_flag_message(arg.substr(0, eq), name));
    }
    if (eq != std::string_view::npos) {
      given.emplace_back(flag, std::string(arg.substr(eq + 1)));
    } else if (i + 1 < argc && argv[i + 1] != nullptr) {
      given.emplace_back(flag, std::string(argv[++i]));
    } else {
      return error(std::string("--") + flag->name + " needs a value: " + flag->accepts);
    }
  }

  // Pass 2: defaults, then the environment for flags not on the command line,
  // then the command line in order (a repeated flag keeps its last value).
  // `sources` remembers where each flag that was given came from.
  FlagsResult result;
  Sources sources;
  for (const auto& flag : kFlags) {
    const bool on_command_line =
        std::any_of(given.begin(), given.end(), [&](const auto& g) { return g.first == &flag; });
    if (on_command_line || !getenv_fn) continue;
    const std::string env = env_name(flag);
    const char* value = getenv_fn(env.c_str());
    if (value == nullptr) continue;
    if (!flag.set(result.config, value)) {
      return error(env + "=" + quote(value) + " is not valid: expected " + flag.accepts);
    }
    sources[flag.name] = {env, value};
  }
  for (const auto& [flag, value] : given) {
    if (!flag->set(result.config, value)) {
      return error(std::string("--") + flag->name + " " + quote(value) +
                   " is not valid: expected " + flag->accepts);
    }
    sources[flag->name] = {std::string("--") + flag->name, value};
  }
  if (auto contradiction = check_combinations(result.config, sources, result.warnings)) {
    return error(std::move(*contradiction));
  }
  result.kind = FlagsResult::kRun;
  return result;
}

std::vector<FlagInfo> flag_infos() {
  const Config defaults;
  std::vector<FlagInfo> infos;
  for (const auto& flag : kFlags) {
    infos.push_back({std::string("--") + flag.name, env_name(flag), flag.value_name,
                     flag.show(defaults), flag.help, flag.accepts});
  }
  return infos;
}

std::string flags_help() {
  std::ostringstream out;
  out << "Usage: signalmesh [--flag VALUE | --flag=VALUE]...\n"
         "\n"
         "signalmesh is a WebRTC signaling server: browsers join rooms over a\n"
         "WebSocket at /signal/{roomId} and relay SDP and ICE to each other.\n"
         "Every flag can also be set by its environment variable; the command\n"
         "line beats the environment, which beats the default.\n"
         "\n"
         "Flags:\n"
         "  -h, --help\n"
         "      show this help and exit\n";
  for (const auto& info : flag_infos()) {
    out << "  " << info.name << ' ' << info.value_name << "  (env " << info.env << ", default "
        << info.default_value << ")\n"
        << "      " << info.help << "\n"
        << "      accepts " << info.accepts << "\n";
  }
  return out.str();
}

}  // namespace signalmesh
