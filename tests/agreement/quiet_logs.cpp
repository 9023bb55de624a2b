// The agreement logs pods joining, backends going up and down, pods lost:
// useful in a gateway, noise in a test run. Set AGREEMENT_TEST_LOG=debug (or
// info, warn) to see it while debugging a scenario.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "core/log.hpp"

namespace signalmesh::agreement_test {
namespace {

class QuietLogs final : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* env = std::getenv("AGREEMENT_TEST_LOG");
    const std::string level = env != nullptr ? env : "";
    log::set_level(level == "debug"  ? LogLevel::kDebug
                   : level == "info" ? LogLevel::kInfo
                   : level == "warn" ? LogLevel::kWarn
                                     : LogLevel::kError);
  }
};

[[maybe_unused]] ::testing::Environment* const quiet_logs =
    ::testing::AddGlobalTestEnvironment(new QuietLogs);

}  // namespace
}  // namespace signalmesh::agreement_test
