#include "redis/redis_backend.hpp"

#include "core/values.hpp"
#include "redis/redis_fanout.hpp"

namespace signalmesh::backends::redis {

std::vector<BackendFlag> flags() {
  return {
      {"redis-url", "URL", "Redis server of the redis backend", "a URL redis://HOST[:PORT]",
       [](BackendSettings& s, std::string_view v) {
         // The shape only; make() parses the rest (password, database).
         constexpr std::string_view kScheme = "redis://";
         if (v.size() <= kScheme.size() || v.substr(0, kScheme.size()) != kScheme ||
             values::has_space_or_control(v)) {
           return false;
         }
         static_cast<RedisSettings&>(s).url = std::string(v);
         return true;
       },
       [](const BackendSettings& s) {
         return values::show_string(static_cast<const RedisSettings&>(s).url);
       }},
  };
}

std::unique_ptr<BackendSettings> defaults() {
  return std::make_unique<RedisSettings>();
}

FanoutPtr make(const Config&, const BackendSettings& settings) {
  return std::make_unique<RedisFanout>(static_cast<const RedisSettings&>(settings).url);
}

std::string default_store(const BackendSettings& settings) {
  // The records live in the Redis the pods already share.
  return static_cast<const RedisSettings&>(settings).url;
}

}  // namespace signalmesh::backends::redis
