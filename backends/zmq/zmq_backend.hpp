// The zmq backend's entry in the backend table: its flags (--zmq-*) and
// settings, and the adapter built from them (docs/zmq-mesh.md).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "signalmesh/backends.hpp"

namespace signalmesh::backends::zmq {

struct ZmqSettings final : BackendSettings {
  // Where this pod's PUB binds (tcp://0.0.0.0:7001); required.
  std::string bind;
  // The other pods' PUB endpoints.
  std::vector<std::string> peers;
  // Messages queued per mesh connection, each way (0 = no limit). ZeroMQ's
  // default of 1000 is a fraction of a second of a busy pod's traffic.
  std::uint32_t sndhwm = 10000;
  std::uint32_t rcvhwm = 10000;
  // CURVE: this pod's secret key file turns it on; the public key file is
  // optional (checked against the secret); the peers' public key files, one
  // per peers entry in order, or one for all.
  std::string curve_secret_key_file;
  std::string curve_public_key_file;
  std::vector<std::string> curve_peer_keys;
};

std::vector<BackendFlag> flags();
std::unique_ptr<BackendSettings> defaults();
// Throws std::invalid_argument naming the setting that is wrong (no bind
// endpoint, unreadable or malformed key files, peer keys that do not match
// the peers), std::runtime_error when the endpoint cannot be bound.
FanoutPtr make(const Config& config, const BackendSettings& settings);
void warnings(const BackendSettings& settings, std::vector<std::string>& out);

}  // namespace signalmesh::backends::zmq
