// Placeholder until the implementation lands.
#include "store/sqlite/sqlite_store.hpp"

#include <stdexcept>

namespace signalmesh::store {

StorePtr make_sqlite_store(const Settings&) {
  throw std::invalid_argument("the sqlite store is not built yet");
}

}  // namespace signalmesh::store
