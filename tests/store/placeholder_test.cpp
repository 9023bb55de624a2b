// Placeholder until the conformance suite lands.
#include <gtest/gtest.h>

#include "signalmesh/store.hpp"

TEST(StoreFactory, RefusesUnknownUrls) {
  signalmesh::store::Settings settings;
  settings.url = "mysql://x";
  EXPECT_THROW(signalmesh::store::make_store(settings), std::invalid_argument);
}
