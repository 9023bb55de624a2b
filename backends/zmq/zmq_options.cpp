#include "zmq/zmq_options.hpp"

#include <algorithm>
#include <climits>
#include <stdexcept>

namespace signalmesh::backends::zmq {

ZmqOptions options_from_settings(const Config& config, const ZmqSettings& settings) {
  ZmqOptions o;
  o.bind = settings.bind;
  o.pod_id = config.pod_id;
  if (o.bind.empty()) {
    throw std::invalid_argument("--zmq-bind is required: the endpoint this pod's PUB binds");
  }
  o.sndhwm = static_cast<int>(std::min<std::uint32_t>(settings.sndhwm, INT_MAX));
  o.rcvhwm = static_cast<int>(std::min<std::uint32_t>(settings.rcvhwm, INT_MAX));
  // A relayed client message plus its envelope header line, with room to spare.
  o.max_frame_bytes = static_cast<std::int64_t>(
      std::max<std::size_t>(64 * 1024, 2 * config.limits.max_message_bytes + 64 * 1024));
  o.peer_silence = std::chrono::milliseconds(config.cluster.pod_lost_ms);
  o.resync_interval = std::max(std::chrono::milliseconds(1000),
                               2 * std::chrono::milliseconds(config.cluster.pod_lost_ms));

  const auto& peer_keys = settings.curve_peer_keys;
  const bool curve = !settings.curve_secret_key_file.empty();
  if (!curve && (!peer_keys.empty() || !settings.curve_public_key_file.empty())) {
    throw std::invalid_argument(
        "CURVE key files given without --zmq-curve-secret-key-file, which turns CURVE on");
  }
  if (curve) {
    if (peer_keys.size() != 1 && peer_keys.size() != settings.peers.size()) {
      throw std::invalid_argument(
          "--zmq-curve-peer-keys needs one public key file per --zmq-peers entry (" +
          std::to_string(settings.peers.size()) + "), or a single one for every peer; got " +
          std::to_string(peer_keys.size()));
    }
    o.curve.secret_key = read_key_file(settings.curve_secret_key_file);
    if (!settings.curve_public_key_file.empty()) {
      o.curve.public_key = read_key_file(settings.curve_public_key_file);
    }
  }
  std::string shared_key;
  if (curve && peer_keys.size() == 1) shared_key = read_key_file(peer_keys.front());
  for (std::size_t i = 0; i < settings.peers.size(); ++i) {
    ZmqPeer peer{settings.peers[i], {}};
    if (curve) peer.server_key = peer_keys.size() == 1 ? shared_key : read_key_file(peer_keys[i]);
    o.peers.push_back(std::move(peer));
  }
  return o;
}

}  // namespace signalmesh::backends::zmq
