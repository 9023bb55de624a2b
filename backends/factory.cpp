// The one place that maps a backend name to an implementation.
#include "local/local_fanout.hpp"
#include "redis/redis_fanout.hpp"
#include "signalmesh/config.hpp"
#include "signalmesh/fanout.hpp"
#include "zmq/zmq_options.hpp"

namespace signalmesh {

// Throws std::invalid_argument when the chosen backend's settings are invalid
// (e.g. a malformed redis_url, unreadable CURVE keys), so that start-up fails
// with the reason; the zmq backend binds here, and throws std::runtime_error
// when its endpoint is taken.
FanoutPtr make_fanout(const Config& config) {
  if (config.backend == "local") return std::make_unique<backends::local::LocalFanout>();
  if (config.backend == "redis") {
    return std::make_unique<backends::redis::RedisFanout>(config.redis_url);
  }
  if (config.backend == "zmq") {
    return std::make_unique<backends::zmq::ZmqFanout>(backends::zmq::options_from_config(config));
  }
  return nullptr;
}

}  // namespace signalmesh
