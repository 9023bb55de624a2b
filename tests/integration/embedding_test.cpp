// What a program embedding the Gateway gets from Config alone.
#include <gtest/gtest.h>

#include "core/log.hpp"
#include "support/pods.hpp"

namespace signalmesh::test {
namespace {

TEST(Embedding, StartingAGatewayAppliesItsConfiguredLogLevel) {
  Config config = test_config();
  config.log_level = LogLevel::kError;
  {
    InProcessPod pod(config);
    EXPECT_TRUE(log::enabled(LogLevel::kError));
    EXPECT_FALSE(log::enabled(LogLevel::kWarn));
    EXPECT_FALSE(log::enabled(LogLevel::kInfo));
  }
  config.log_level = LogLevel::kDebug;
  {
    InProcessPod pod(config);
    EXPECT_TRUE(log::enabled(LogLevel::kDebug));
  }
  log::set_level(LogLevel::kInfo);  // the level is process-wide: as it was
}

}  // namespace
}  // namespace signalmesh::test
