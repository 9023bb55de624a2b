// ZmqSettings (the flags) and the pod's Config -> ZmqOptions: the zmq
// backend's settings, key files read.
#pragma once

#include "signalmesh/config.hpp"
#include "zmq/zmq_backend.hpp"
#include "zmq/zmq_fanout.hpp"

namespace signalmesh::backends::zmq {

// Throws std::invalid_argument naming the setting that is wrong (no bind
// endpoint, unreadable or malformed key files, peer keys that do not match
// the peers).
ZmqOptions options_from_settings(const Config& config, const ZmqSettings& settings);

}  // namespace signalmesh::backends::zmq
