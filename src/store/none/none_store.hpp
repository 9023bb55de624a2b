// `--store none`: no persistence. Every call answers kUnsupported (the data
// API turns that into 501); mirror writes are accepted and forgotten.
#pragma once

#include "signalmesh/store.hpp"

namespace signalmesh::store {

StorePtr make_none_store();

}  // namespace signalmesh::store
