// The one place that maps a backend name to an implementation.
#include "local/local_fanout.hpp"
#include "signalmesh/config.hpp"
#include "signalmesh/fanout.hpp"

namespace signalmesh {

FanoutPtr make_fanout(const Config& config) {
  if (config.backend == "local") return std::make_unique<backends::local::LocalFanout>();
  return nullptr;
}

}  // namespace signalmesh
