#include "zmq/zmq_backend.hpp"

#include "core/values.hpp"
#include "zmq/zmq_options.hpp"

namespace signalmesh::backends::zmq {
namespace {

ZmqSettings& of(BackendSettings& s) {
  return static_cast<ZmqSettings&>(s);
}
const ZmqSettings& of(const BackendSettings& s) {
  return static_cast<const ZmqSettings&>(s);
}

}  // namespace

std::vector<BackendFlag> flags() {
  using values::join;
  using values::show_string;
  return {
      {"zmq-bind", "ENDPOINT", "where the zmq backend binds its PUB socket",
       "empty, or an endpoint such as tcp://0.0.0.0:5555",
       [](BackendSettings& s, std::string_view v) {
         if (!v.empty() && !values::is_endpoint(v)) return false;
         of(s).bind = std::string(v);
         return true;
       },
       [](const BackendSettings& s) { return show_string(of(s).bind); }},
      {"zmq-peers", "LIST", "PUB endpoints of the other pods (zmq backend), comma-separated",
       "empty, or comma-separated endpoints such as tcp://HOST:PORT",
       [](BackendSettings& s, std::string_view v) {
         return values::parse_endpoint_list(v, of(s).peers);
       },
       [](const BackendSettings& s) { return show_string(join(of(s).peers)); }},
      {"zmq-sndhwm", "N", "envelopes queued per peer on this pod's PUB before it drops (zmq)",
       "an integer 0-2147483647 (0: no limit)",
       [](BackendSettings& s, std::string_view v) {
         return values::parse_uint(v, 0, values::kIntMax, of(s).sndhwm);
       },
       [](const BackendSettings& s) { return std::to_string(of(s).sndhwm); }},
      {"zmq-rcvhwm", "N", "envelopes queued per peer on this pod's SUB before it drops (zmq)",
       "an integer 0-2147483647 (0: no limit)",
       [](BackendSettings& s, std::string_view v) {
         return values::parse_uint(v, 0, values::kIntMax, of(s).rcvhwm);
       },
       [](const BackendSettings& s) { return std::to_string(of(s).rcvhwm); }},
      {"zmq-curve-secret-key-file", "FILE",
       "this pod's CURVE secret key (signalmesh-zmq-keygen); turns CURVE on for the zmq mesh",
       "empty, or a file path",
       [](BackendSettings& s, std::string_view v) {
         return values::parse_path(v, of(s).curve_secret_key_file);
       },
       [](const BackendSettings& s) { return show_string(of(s).curve_secret_key_file); }},
      {"zmq-curve-public-key-file", "FILE",
       "this pod's CURVE public key; optional, checked against the secret key",
       "empty, or a file path",
       [](BackendSettings& s, std::string_view v) {
         return values::parse_path(v, of(s).curve_public_key_file);
       },
       [](const BackendSettings& s) { return show_string(of(s).curve_public_key_file); }},
      {"zmq-curve-peer-keys", "LIST",
       "the peers' CURVE public key files: one per --zmq-peers entry in order, or one for all",
       "empty, or comma-separated file paths",
       [](BackendSettings& s, std::string_view v) {
         return values::parse_path_list(v, of(s).curve_peer_keys);
       },
       [](const BackendSettings& s) { return show_string(join(of(s).curve_peer_keys)); }},
  };
}

std::unique_ptr<BackendSettings> defaults() {
  return std::make_unique<ZmqSettings>();
}

FanoutPtr make(const Config& config, const BackendSettings& settings) {
  return std::make_unique<ZmqFanout>(options_from_settings(config, of(settings)));
}

void warnings(const BackendSettings& settings, std::vector<std::string>& out) {
  if (of(settings).peers.empty()) {
    out.push_back("the zmq backend has no --zmq-peers: this pod meshes with no other pod");
  }
}

}  // namespace signalmesh::backends::zmq
