// What a program embedding the Gateway gets from Config alone, and from a
// backend's own settings (the README's embedding example).
#include <gtest/gtest.h>

#include <chrono>
#include <thread>

#include "core/log.hpp"
#include "redis/redis_backend.hpp"
#include "support/pods.hpp"
#include "support/raw_client.hpp"
#include "support/redis_server.hpp"

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

TEST(Embedding, ABackendIsBuiltFromItsOwnSettingsNotFromConfig) {
  RedisServer redis;
  Config config = test_config();
  config.backend = "redis";
  backends::redis::RedisSettings settings;
  settings.url = redis.url();
  InProcessPod pod(config, backends::redis::make(config, settings));
  int status = 0;
  for (int i = 0; i < 100 && status != 200; ++i) {
    status = http_get(pod.url(), "/readyz").status;
    if (status != 200) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  EXPECT_EQ(status, 200) << "the pod never reached its Redis";
  const auto metrics = http_get(pod.url(), "/metrics");
  EXPECT_NE(metrics.body.find("\nsignalmesh_redis_connect_attempts_total 1\n"), std::string::npos)
      << metrics.body;
}

}  // namespace
}  // namespace signalmesh::test
