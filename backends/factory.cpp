// The one place that maps a backend name to an implementation.
#include "local/local_fanout.hpp"
#include "redis/redis_fanout.hpp"
#include "signalmesh/config.hpp"
#include "signalmesh/fanout.hpp"

namespace signalmesh {

// Throws std::invalid_argument when the chosen backend's settings are invalid
// (e.g. a malformed redis_url), so that start-up fails with the reason.
FanoutPtr make_fanout(const Config& config) {
  if (config.backend == "local") return std::make_unique<backends::local::LocalFanout>();
  if (config.backend == "redis") {
    return std::make_unique<backends::redis::RedisFanout>(config.redis_url);
  }
  return nullptr;
}

}  // namespace signalmesh
