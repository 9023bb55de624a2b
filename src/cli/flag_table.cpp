// The pod's own flags: one row per Config field. Adding a field means adding
// a row here; parsing, its environment variable, the config file and --help
// follow. Backends list their own flags (signalmesh/backends.hpp).
#include "cli/flag_table.hpp"

#include <algorithm>
#include <cctype>
#include <fstream>
#include <utility>

#include "auth/origin.hpp"
#include "cli/flags.hpp"
#include "core/values.hpp"

namespace signalmesh::cli {
namespace {

using values::is_ip_address;
using values::join;
using values::kIntMax;
using values::kSizeMax;
using values::kU32Max;
using values::parse_list;
using values::parse_positive;
using values::parse_uint;
using values::show_double;
using values::show_string;

bool is_turn_uri(std::string_view v) {
  return (v.rfind("turn:", 0) == 0 || v.rfind("turns:", 0) == 0 || v.rfind("stun:", 0) == 0) &&
         v.find(':') + 1 < v.size() && !values::has_space_or_control(v);
}

bool is_secret(std::string_view v) {
  return !v.empty() && !values::has_space_or_control(v);
}

bool is_store_url(std::string_view v) {
  auto has_rest = [&](std::string_view scheme) {
    return v.size() > scheme.size() && v.substr(0, scheme.size()) == scheme;
  };
  if (values::has_space_or_control(v)) return false;
  return v == "none" || has_rest("sqlite:") || has_rest("redis://") || has_rest("postgres://") ||
         has_rest("postgresql://");
}

// One key per line; blank lines and #comments are skipped.
bool read_api_keys(std::string_view path, std::vector<std::string>& keys) {
  std::ifstream in{std::string(path)};
  if (!in) return false;
  std::vector<std::string> read;
  for (std::string line; std::getline(in, line);) {
    line = std::string(values::trim(line));
    if (line.empty() || line[0] == '#') continue;
    if (!is_secret(line)) return false;
    read.push_back(std::move(line));
  }
  if (read.empty()) return false;
  keys.insert(keys.end(), read.begin(), read.end());
  return true;
}

// One line of `path`, without spaces.
bool read_secret_file(std::string_view path, std::string& out) {
  std::ifstream in{std::string(path)};
  std::string secret;
  if (!in || !std::getline(in, secret)) return false;
  if (!secret.empty() && secret.back() == '\r') secret.pop_back();
  if (!is_secret(secret)) return false;
  out = std::move(secret);
  return true;
}

// http:// or https:// and a host; the rest is the receiver's business.
bool is_webhook_url(std::string_view v) {
  for (std::string_view scheme : {"http://", "https://"}) {
    if (v.size() > scheme.size() && v.substr(0, scheme.size()) == scheme &&
        v[scheme.size()] != '/' && !values::has_space_or_control(v)) {
      return true;
    }
  }
  return false;
}

// Secrets are never shown, only whether one is set.
std::string show_secret(bool set) {
  return set ? "(set)" : "\"\"";
}

struct PodFlag {
  const char* name;
  const char* value_name;
  const char* help;
  const char* accepts;
  bool (*set)(Config&, std::string_view);
  std::string (*show)(const Config&);
};

const PodFlag kPodFlags[] = {
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
    {"internal-host", "ADDRESS",
     "IP address of the internal listener (a pod network's address, or 0.0.0.0, for probes "
     "from outside the host)",
     "an IPv4 or IPv6 address such as 127.0.0.1, 10.0.0.5 or ::1",
     [](Config& c, std::string_view v) {
       if (!is_ip_address(v)) return false;
       c.internal_host = std::string(v);
       return true;
     },
     [](const Config& c) { return show_string(c.internal_host); }},
    {"internal-port", "PORT",
     "serve /metrics, /readyz, /healthz, the API and /admin on this port instead of the public "
     "one (which then serves only /signal, /turn and the demo); 0 picks a free one; empty: off",
     "an integer 0-65535, or empty for off",
     [](Config& c, std::string_view v) {
       if (v.empty()) {
         c.internal_port.reset();
         return true;
       }
       std::uint16_t port = 0;
       if (!parse_uint(v, 0, 65535, port)) return false;
       c.internal_port = port;
       return true;
     },
     [](const Config& c) {
       return c.internal_port ? std::to_string(*c.internal_port) : std::string("(off)");
     }},
    {"tls-cert-file", "PATH",
     "serve wss:// and https:// on the public port with this PEM certificate (and its chain); "
     "reloaded on SIGHUP; empty: plain ws://",
     "a path",
     [](Config& c, std::string_view v) {
       c.tls.cert_file = std::string(v);
       return true;
     },
     [](const Config& c) { return show_string(c.tls.cert_file); }},
    {"tls-key-file", "PATH", "the PEM private key of --tls-cert-file (reloaded with it)", "a path",
     [](Config& c, std::string_view v) {
       c.tls.key_file = std::string(v);
       return true;
     },
     [](const Config& c) { return show_string(c.tls.key_file); }},
    {"demo", "on|off", "serve the demo page and its browser client at /", "on or off",
     [](Config& c, std::string_view v) {
       if (v != "on" && v != "off") return false;
       c.demo = v == "on";
       return true;
     },
     [](const Config& c) { return std::string(c.demo ? "on" : "off"); }},
    // Its accepted values come from the backend table (all_flags()).
    {"backend", "NAME", "fan-out backend between pods", nullptr,
     [](Config& c, std::string_view v) {
       if (find_backend(v) == nullptr) return false;
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
    {"log-format", "text|json",
     "how log lines look on stderr: text, or json (one object per line with time, level, msg, "
     "pod and the event's fields)",
     "one of text|json",
     [](Config& c, std::string_view v) {
       if (v != "text" && v != "json") return false;
       c.log_format = v == "json" ? LogFormat::kJson : LogFormat::kText;
       return true;
     },
     [](const Config& c) {
       return std::string(c.log_format == LogFormat::kJson ? "json" : "text");
     }},
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
     [](Config& c, std::string_view v) { return read_secret_file(v, c.auth.jwt_secret); },
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
    {"store", "URL",
     "where users, rooms and hashes are kept; empty: by backend (local: sqlite:signalmesh.db, "
     "redis: the --redis-url, zmq: none)",
     "none, sqlite:PATH, sqlite::memory:, redis://HOST[:PORT][/DB] or postgres://USER@HOST/DB",
     [](Config& c, std::string_view v) {
       if (!is_store_url(v)) return false;
       c.store.url = std::string(v);
       return true;
     },
     [](const Config& c) { return show_string(c.store.url); }},
    {"rooms", "MODE",
     "auto: a first join creates the room's record; api: only rooms the API created may be "
     "joined (others close with 4004)",
     "one of auto|api",
     [](Config& c, std::string_view v) {
       if (v != "auto" && v != "api") return false;
       c.rooms.require_record = v == "api";
       return true;
     },
     [](const Config& c) { return std::string(c.rooms.require_record ? "api" : "auto"); }},
    {"room-retention", "SECONDS", "a finished room's record is deleted this long after; 0: kept",
     "an integer 0-4294967295",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 0, kU32Max, c.store.room_retention_seconds);
     },
     [](const Config& c) { return std::to_string(c.store.room_retention_seconds); }},
    {"hash-retention-ticks", "N", "state-hash ticks kept per room and round (the newest win)",
     "an integer 1-1000000",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, 1000000, c.store.hash_retention_ticks);
     },
     [](const Config& c) { return std::to_string(c.store.hash_retention_ticks); }},
    {"store-timeout-ms", "MS", "a store command slower than this fails (the store counts as down)",
     "an integer 10-600000",
     [](Config& c, std::string_view v) { return parse_uint(v, 10, 600000, c.store.timeout_ms); },
     [](const Config& c) { return std::to_string(c.store.timeout_ms); }},
    {"store-queue", "N", "store writes held while the store is down (beyond: the oldest go)",
     "an integer >= 1",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kSizeMax, c.store.max_queued_writes);
     },
     [](const Config& c) { return std::to_string(c.store.max_queued_writes); }},
    {"api-key", "KEY",
     "a key of the server API (Authorization: Bearer KEY); none: the API is off (prefer the env "
     "var or --api-key-file)",
     "a non-empty string without spaces",
     [](Config& c, std::string_view v) {
       if (!is_secret(v)) return false;
       c.api.keys.push_back(std::string(v));
       return true;
     },
     [](const Config& c) { return show_secret(!c.api.keys.empty()); }},
    {"api-key-file", "PATH",
     "server API keys, one per line (several during a rotation; # comments)",
     "a readable file with at least one key, one per line, without spaces",
     [](Config& c, std::string_view v) { return read_api_keys(v, c.api.keys); },
     [](const Config&) { return std::string("\"\""); }},
    {"webhook-url", "LIST",
     "URLs that receive every webhook event (POST, signed); empty: no webhooks",
     "empty, or comma-separated http:// or https:// URLs",
     [](Config& c, std::string_view v) { return parse_list(v, is_webhook_url, c.webhooks.urls); },
     [](const Config& c) { return show_secret(!c.webhooks.urls.empty()); }},
    {"webhook-secret", "SECRET",
     "HMAC-SHA256 key of the Signalmesh-Signature header (prefer the env var or "
     "--webhook-secret-file)",
     "a non-empty string without spaces",
     [](Config& c, std::string_view v) {
       if (!is_secret(v)) return false;
       c.webhooks.secret = std::string(v);
       return true;
     },
     [](const Config& c) { return show_secret(!c.webhooks.secret.empty()); }},
    {"webhook-secret-file", "PATH", "read the webhook secret from this file (one line)",
     "a readable file holding the secret",
     [](Config& c, std::string_view v) { return read_secret_file(v, c.webhooks.secret); },
     [](const Config&) { return std::string("\"\""); }},
    {"webhook-queue", "N", "webhook events kept per URL while its receiver is slow or down",
     "an integer >= 1",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kSizeMax, c.webhooks.max_queued);
     },
     [](const Config& c) { return std::to_string(c.webhooks.max_queued); }},
    {"webhook-timeout-ms", "MS", "longest wait for a webhook receiver's answer, per attempt",
     "an integer 1-4294967295",
     [](Config& c, std::string_view v) { return parse_uint(v, 1, kU32Max, c.webhooks.timeout_ms); },
     [](const Config& c) { return std::to_string(c.webhooks.timeout_ms); }},
    {"webhook-max-attempts", "N", "attempts per webhook event and URL before it is dropped",
     "an integer 1-1000",
     [](Config& c, std::string_view v) { return parse_uint(v, 1, 1000, c.webhooks.max_attempts); },
     [](const Config& c) { return std::to_string(c.webhooks.max_attempts); }},
    {"sync-timeout-ms", "MS", "longest wait for other pods' member lists before admitting",
     "an integer 1-4294967295",
     [](Config& c, std::string_view v) {
       return parse_uint(v, 1, kU32Max, c.cluster.sync_timeout_ms);
     },
     [](const Config& c) { return std::to_string(c.cluster.sync_timeout_ms); }},
};

}  // namespace

Settings::Settings() {
  for (const auto& backend : backend_table()) backends[backend.name] = backend.defaults();
}

const std::vector<Flag>& all_flags() {
  static const std::vector<Flag> flags = [] {
    std::vector<Flag> list;
    for (const auto& row : kPodFlags) {
      const auto set = row.set;
      const auto show = row.show;
      list.push_back({row.name, row.value_name, row.help,
                      row.accepts != nullptr ? row.accepts : "one of " + backend_names("|"),
                      nullptr, [set](Settings& s, std::string_view v) { return set(s.config, v); },
                      [show](const Settings& s) { return show(s.config); }});
    }
    for (const auto& backend : backend_table()) {
      for (const auto& flag : backend.flags) {
        const auto set = flag.set;
        const auto show = flag.show;
        const std::string owner = backend.name;
        list.push_back({flag.name, flag.value_name, flag.help, flag.accepts, &backend,
                        [set, owner](Settings& s, std::string_view v) {
                          return set(*s.backends.at(owner), v);
                        },
                        [show, owner](const Settings& s) { return show(*s.backends.at(owner)); }});
      }
    }
    return list;
  }();
  return flags;
}

const Flag* find_flag(std::string_view name) {
  for (const auto& flag : all_flags()) {
    if (name == flag.name) return &flag;
  }
  return nullptr;
}

namespace {

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

}  // namespace

std::string closest_flag_name(std::string_view name) {
  std::string best;
  std::size_t best_distance = 3;  // suggest only close names
  auto consider = [&](const std::string& candidate) {
    const auto d = edit_distance(name, candidate);
    if (d < best_distance) {
      best = candidate;
      best_distance = d;
    }
  };
  consider("config");
  for (const auto& flag : all_flags()) consider(flag.name);
  return best;
}

std::string env_name(std::string_view flag_name) {
  std::string env = "SIGNALMESH_";
  for (const char c : flag_name) {
    env += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return env;
}

}  // namespace signalmesh::cli
