// Placeholder until the implementation lands.
#include "store/postgres/postgres_store.hpp"

#include <stdexcept>

namespace signalmesh::store {

StorePtr make_postgres_store(const Settings&) {
  throw std::invalid_argument("the postgres store is not built yet");
}

}  // namespace signalmesh::store
