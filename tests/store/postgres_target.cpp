// The PostgreSQL store in the conformance suite: ONE real server per test
// binary run (initdb and start cost about a second), and a fresh database
// per test, so that tests stay fast and cannot see each other's rows.
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <memory>

#include "store/store_conformance.hpp"
#include "support/postgres_server.hpp"

namespace signalmesh::store::test {

using ::signalmesh::test::PostgresServer;

// Also used by postgres_store_test.cpp (declared there).
PostgresServer& shared_postgres();
std::string fresh_postgres_database();

PostgresServer& shared_postgres() {
  // Started on first use (a run filtered to other stores starts nothing);
  // destroyed at exit, which stops it and removes its directory.
  static PostgresServer server;
  return server;
}

std::string fresh_postgres_database() {
  static std::atomic<int> next{0};
  auto& server = shared_postgres();
  // A test that failed with the server stopped must not fail the next one.
  if (!server.running()) server.start();
  const std::string name = "t" + std::to_string(::getpid()) + "_" + std::to_string(++next);
  server.create_database(name);
  return name;
}

namespace {

class PostgresEnv final : public TargetEnv {
 public:
  PostgresEnv() : database_(fresh_postgres_database()) {}
  ~PostgresEnv() override {
    auto& server = shared_postgres();
    if (!server.running()) server.start();
    // WITH (FORCE): a store of the test may still hold a connection.
    server.query("postgres", "DROP DATABASE IF EXISTS \"" + database_ + "\" WITH (FORCE)");
  }
  std::string url() override { return shared_postgres().url(database_); }
  bool can_restart() override { return true; }
  void restart_server() override {
    shared_postgres().stop();
    shared_postgres().start();
  }
  void stop_server() override { shared_postgres().stop(); }
  void start_server() override { shared_postgres().start(); }

 private:
  std::string database_;
};

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformance,
                         ::testing::Values(StoreTarget{
                             "server", [] { return std::make_unique<PostgresEnv>(); }}),
                         store_target_name);

}  // namespace
}  // namespace signalmesh::store::test
