// The one place that maps a `--store` URL to an implementation.
#include <stdexcept>
#include <string>

#include "signalmesh/store.hpp"
#include "store/none/none_store.hpp"
#include "store/postgres/postgres_store.hpp"
#include "store/redis/redis_store.hpp"
#include "store/sqlite/sqlite_store.hpp"

namespace signalmesh::store {

StorePtr make_store(const Settings& settings) {
  const std::string& url = settings.url;
  auto starts_with = [&](const char* prefix) { return url.rfind(prefix, 0) == 0; };
  if (url == "none") return make_none_store();
  if (starts_with("sqlite:")) return make_sqlite_store(settings);
  if (starts_with("redis://") || starts_with("rediss://")) return make_redis_store(settings);
  if (starts_with("postgres://") || starts_with("postgresql://")) {
    return make_postgres_store(settings);
  }
  throw std::invalid_argument("--store '" + url +
                              "' is none of sqlite:PATH, redis://..., postgres://..., none");
}

}  // namespace signalmesh::store
