// Placeholder until the implementation lands.
#include "store/redis/redis_store.hpp"

#include <stdexcept>

namespace signalmesh::store {

StorePtr make_redis_store(const Settings&) {
  throw std::invalid_argument("the redis store is not built yet");
}

}  // namespace signalmesh::store
