// The one table of backends: name, flags, make. Adding a backend means a
// folder that provides these (see local/local_backend.hpp) and one row here;
// --backend, --help, the flag parser and the factory follow from it.
#include "local/local_backend.hpp"
#include "redis/redis_backend.hpp"
#include "signalmesh/backends.hpp"
#include "zmq/zmq_backend.hpp"

namespace signalmesh {

const std::vector<Backend>& backend_table() {
  static const std::vector<Backend> table = {
      {"local", "one process: demos, development, tests", backends::local::flags(),
       backends::local::defaults, backends::local::make, nullptr,
       [](const BackendSettings&) { return std::string("sqlite:signalmesh.db"); }, false},
      {"redis", "a cluster over Redis pub/sub", backends::redis::flags(), backends::redis::defaults,
       backends::redis::make, nullptr, backends::redis::default_store, true},
      // SQLite is one pod's file; a mesh has no shared server to default to.
      {"zmq", "a cluster over a ZeroMQ PUB/SUB mesh, without Redis", backends::zmq::flags(),
       backends::zmq::defaults, backends::zmq::make, backends::zmq::warnings,
       [](const BackendSettings&) { return std::string("none"); }, true},
  };
  return table;
}

const Backend* find_backend(std::string_view name) {
  for (const auto& backend : backend_table()) {
    if (name == backend.name) return &backend;
  }
  return nullptr;
}

std::string backend_names(std::string_view separator) {
  std::string names;
  for (const auto& backend : backend_table()) {
    if (!names.empty()) names += separator;
    names += backend.name;
  }
  return names;
}

FanoutPtr make_fanout(const Config& config, const BackendSettings& settings) {
  const Backend* backend = find_backend(config.backend);
  return backend == nullptr ? nullptr : backend->make(config, settings);
}

FanoutPtr make_fanout(const Config& config) {
  const Backend* backend = find_backend(config.backend);
  return backend == nullptr ? nullptr : backend->make(config, *backend->defaults());
}

}  // namespace signalmesh
