#include "local/local_backend.hpp"

#include "local/local_fanout.hpp"

namespace signalmesh::backends::local {

std::vector<BackendFlag> flags() {
  return {};
}

std::unique_ptr<BackendSettings> defaults() {
  return std::make_unique<BackendSettings>();
}

// A lone adapter: the single-pod mode (several in-process gateways share a
// LocalHub by building their LocalFanouts themselves).
FanoutPtr make(const Config&, const BackendSettings&) {
  return std::make_unique<LocalFanout>();
}

}  // namespace signalmesh::backends::local
