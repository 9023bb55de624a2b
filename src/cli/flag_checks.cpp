// Combinations of flags that are each valid: refused when the pod would be
// silently wrong, a warning when a flag merely has no effect.
#include <string>
#include <vector>

#include "cli/flag_table.hpp"
#include "core/values.hpp"

namespace signalmesh::cli {
namespace {

// A flag given with a non-empty value. An empty value (`--zmq-peers=`) is
// the same as leaving the flag out.
const Source* given_non_empty(const Sources& sources, std::string_view name) {
  const auto it = sources.find(name);
  if (it == sources.end() || values::trim(it->second.value).empty()) return nullptr;
  return &it->second;
}

// Bytes a relayed message may gain over the client's: `"senderId":"<64>",`
// inserted, and an unmasked frame header of up to 10 bytes.
constexpr std::size_t kRelayOverheadBytes = 14 + 64 + 10;

std::string check_backend_flags(const Settings& s, const Sources& sources) {
  const auto backend_source = sources.find("backend");
  const std::string backend_shown =
      "the backend is " + s.config.backend + " (" +
      (backend_source == sources.end() ? std::string("the default")
                                       : backend_source->second.where) +
      ")";
  for (const auto& flag : all_flags()) {
    if (flag.backend == nullptr || flag.backend->name == s.config.backend) continue;
    if (const Source* given = given_non_empty(sources, flag.name)) {
      const std::string owner = flag.backend->name;
      return given->where + " is set but " + backend_shown + ": only --backend " + owner +
             " reads it (add --backend " + owner + ", or drop " + given->where + ")";
    }
  }
  return {};
}

std::string check_turn(const TurnConfig& turn, const Sources& sources,
                       std::vector<std::string>& warnings) {
  if (!turn.secrets.empty() && turn.uris.empty()) {
    return given_non_empty(sources, "turn-secret")->where +
           " is set but --turn-uris is empty: the credentials would name no TURN server "
           "(add --turn-uris turn:HOST:PORT)";
  }
  if (!turn.secrets.empty()) return {};
  for (const auto& uri : turn.uris) {
    if (uri.rfind("stun:", 0) == 0) continue;
    return given_non_empty(sources, "turn-uris")->where + " lists " + values::quote(uri) +
           " but --turn-secret is empty: browsers refuse a TURN server without credentials "
           "(add --turn-secret, or list only stun: URIs for a STUN-only setup)";
  }
  if (const auto ttl = sources.find("turn-ttl"); ttl != sources.end()) {
    warnings.push_back(ttl->second.where +
                       " has no effect without --turn-secret: no TURN credentials are issued");
  }
  return {};
}

std::string check_limits(const Limits& limits, std::vector<std::string>& warnings) {
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
  return {};
}

std::string check_cluster(const Config& c, const Sources& sources,
                          std::vector<std::string>& warnings) {
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
  return {};
}

std::string check_store(const Config& c, const Sources& sources,
                        std::vector<std::string>& warnings) {
  const Backend* backend = find_backend(c.backend);
  const bool cluster = backend != nullptr && backend->is_cluster;
  const Source* store = given_non_empty(sources, "store");
  if (cluster && c.store.url.rfind("sqlite:", 0) == 0) {
    return store->where + " is a SQLite file, one pod's, but the " + c.backend +
           " backend shares rooms between pods: use redis://... or postgres://... (or none)";
  }
  if (c.rooms.require_record && c.store.url == "none") {
    return std::string(
               "--rooms api needs a store to know which rooms exist, but the store is "
               "none") +
           (store ? " (" + store->where + ")" : " (the default of --backend " + c.backend + ")") +
           ": set --store";
  }
  if (store == nullptr && c.store.url == "none") {
    warnings.push_back("no --store: users, rooms and hashes are not kept (the " + c.backend +
                       " backend has no shared store of its own; --store postgres://... keeps "
                       "them)");
  }
  if (c.store.url == "none") {
    for (const char* name : {"room-retention", "hash-retention-ticks"}) {
      if (const Source* given = given_non_empty(sources, name)) {
        warnings.push_back(given->where + " has no effect with --store none");
      }
    }
  }
  return {};
}

}  // namespace

std::string check_combinations(const Settings& s, const Sources& sources,
                               std::vector<std::string>& warnings) {
  std::string error = check_backend_flags(s, sources);
  if (error.empty()) {
    const Source* jwt = given_non_empty(sources, "jwt-secret");
    const Source* jwt_file = given_non_empty(sources, "jwt-secret-file");
    if (jwt != nullptr && jwt_file != nullptr) {
      error = jwt->where + " and " + jwt_file->where +
              " both set the token secret: give only one of them";
    }
  }
  if (error.empty()) {
    const Source* secret = given_non_empty(sources, "webhook-secret");
    const Source* secret_file = given_non_empty(sources, "webhook-secret-file");
    if (secret != nullptr && secret_file != nullptr) {
      error = secret->where + " and " + secret_file->where +
              " both set the webhook secret: give only one of them";
    } else if (!s.config.webhooks.urls.empty() && s.config.webhooks.secret.empty()) {
      error = given_non_empty(sources, "webhook-url")->where +
              " needs a secret to sign the events: set --webhook-secret-file or "
              "SIGNALMESH_WEBHOOK_SECRET";
    }
  }
  if (error.empty() && s.config.tls.cert_file.empty() != s.config.tls.key_file.empty()) {
    const Source* given =
        given_non_empty(sources, s.config.tls.cert_file.empty() ? "tls-key-file" : "tls-cert-file");
    error = (given ? given->where : std::string("one TLS file")) +
            " needs its pair: give both --tls-cert-file and --tls-key-file, or neither";
  }
  if (error.empty()) error = check_turn(s.config.turn, sources, warnings);
  if (error.empty()) error = check_limits(s.config.limits, warnings);
  if (error.empty()) error = check_cluster(s.config, sources, warnings);
  if (error.empty()) error = check_store(s.config, sources, warnings);
  if (error.empty()) {
    const Backend* backend = find_backend(s.config.backend);
    if (backend != nullptr && backend->warnings != nullptr) {
      backend->warnings(*s.backends.at(backend->name), warnings);
    }
  }
  return error;
}

}  // namespace signalmesh::cli
