// The SQLite store in the conformance suite: a file in a fresh temporary
// directory per test (restartable: the file outlives its store) and a
// private in-memory database. Plus what only SQLite has: its URL forms and
// a file that cannot be opened.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <system_error>

#include "store/store_conformance.hpp"

namespace signalmesh::store::test {
namespace {

namespace fs = std::filesystem;

// A fresh directory under $TMPDIR, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "signalmesh-store-XXXXXX").string();
    if (!mkdtemp(pattern.data()))
      throw std::system_error(errno, std::generic_category(), "mkdtemp");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class SqliteFileEnv final : public TargetEnv {
 public:
  std::string url() override { return "sqlite:" + (dir_.path() / "store.db").string(); }
  // There is no server: the file is what must keep the data, and a new
  // store on it (restart_store) reads it back.
  bool can_restart() override { return true; }
  bool can_stop() override { return false; }

 private:
  TempDir dir_;
};

class SqliteMemoryEnv final : public TargetEnv {
 public:
  std::string url() override { return "sqlite::memory:"; }
  bool can_share() override { return false; }
};

INSTANTIATE_TEST_SUITE_P(
    Sqlite, StoreConformance,
    ::testing::Values(StoreTarget{"file", [] { return std::make_unique<SqliteFileEnv>(); }},
                      StoreTarget{"memory", [] { return std::make_unique<SqliteMemoryEnv>(); }}),
    store_target_name);

TEST(SqliteStoreUrl, WithoutAPathIsRefused) {
  for (const char* url : {"sqlite:", "sqlite://"}) {
    Settings s;
    s.url = url;
    EXPECT_THROW(make_store(s), std::invalid_argument) << url;
  }
}

TEST(SqliteStoreUrl, NamesItsStoreSqlite) {
  Settings s;
  s.url = "sqlite::memory:";
  EXPECT_EQ(make_store(s)->name(), "sqlite");
}

TEST(SqliteStore, AFileThatCannotBeOpenedAnswersUnavailableAndReportsDown) {
  TempDir dir;
  Settings s;
  s.url = "sqlite:" + (dir.path() / "missing-directory" / "store.db").string();
  asio::io_context loop;
  auto work = asio::make_work_guard(loop);
  std::vector<bool> states;
  auto store = make_store(s);
  store->start(loop, [&](bool up) { states.push_back(up); });
  std::optional<Result<RoomRecord>> got;
  store->get_room("r1", [&](Result<RoomRecord> r) { got = std::move(r); });
  const auto deadline = std::chrono::steady_clock::now() + kAnswerWait;
  while ((!got || states.empty()) && std::chrono::steady_clock::now() < deadline) {
    loop.run_one_for(Ms(20));
  }
  ASSERT_TRUE(got);
  EXPECT_EQ(got->status, Status::kUnavailable);
  EXPECT_NE(got->message.find("missing-directory"), std::string::npos) << got->message;
  ASSERT_FALSE(states.empty());
  EXPECT_FALSE(states.back());
  EXPECT_FALSE(store->is_up());
  store->stop();
}

}  // namespace
}  // namespace signalmesh::store::test
