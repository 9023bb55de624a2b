// The Redis store in the conformance suite: a fresh redis-server per test
// (started in ~0.1 s, so no test sees another's keys), with AOF on
// (appendfsync always) so that a restart keeps what was acknowledged, as a
// production Redis with AOF does. What only Redis has is in
// redis_store_test.cpp.
#include <gtest/gtest.h>

#include <memory>

#include "store/store_conformance.hpp"
#include "support/redis_server.hpp"

namespace signalmesh::store::test {
namespace {

using ::signalmesh::test::RedisServer;

class RedisEnv final : public TargetEnv {
 public:
  RedisEnv() : server_(RedisServer::Options{"", /*appendonly=*/true}) {}
  std::string url() override { return server_.url(); }
  bool can_restart() override { return true; }
  void restart_server() override { server_.restart(); }
  void stop_server() override { server_.stop(); }
  // restart() of a stopped server starts it on the same port, AOF and all.
  void start_server() override { server_.restart(); }

 private:
  RedisServer server_;
};

INSTANTIATE_TEST_SUITE_P(Redis, StoreConformance,
                         ::testing::Values(StoreTarget{
                             "aof", [] { return std::make_unique<RedisEnv>(); }}),
                         store_target_name);

}  // namespace
}  // namespace signalmesh::store::test
