// The redis backend's entry in the backend table: its flag (--redis-url)
// and settings, and the adapter built from them.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "signalmesh/backends.hpp"

namespace signalmesh::backends::redis {

struct RedisSettings final : BackendSettings {
  // redis://[[user]:password@]host[:port][/db] (redis_url.hpp).
  std::string url = "redis://127.0.0.1:6379";
};

std::vector<BackendFlag> flags();
std::unique_ptr<BackendSettings> defaults();
// Throws std::invalid_argument for a URL that does not parse.
FanoutPtr make(const Config& config, const BackendSettings& settings);
// --store when none is given: the same Redis.
std::string default_store(const BackendSettings& settings);

}  // namespace signalmesh::backends::redis
