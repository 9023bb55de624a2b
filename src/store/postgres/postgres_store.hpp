#pragma once

#include "signalmesh/store.hpp"

namespace signalmesh::store {

// settings.url: see signalmesh/store.hpp. Throws std::invalid_argument for a
// URL this store cannot use.
StorePtr make_postgres_store(const Settings& settings);

}  // namespace signalmesh::store
