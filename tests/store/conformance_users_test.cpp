// Users (app-integration.md §1): created by the API only, touched by joins.
#include "store/store_conformance.hpp"

namespace signalmesh::store::test {
namespace {

User alice() {
  User u;
  u.uid = "alice";
  u.handle = "Alice ✓";
  u.email = "alice@example.com";
  u.created = 1700000000000;
  u.metadata = R"({"level":3})";
  return u;
}

TEST(StoreFactory, RefusesUnknownUrls) {
  Settings settings;
  settings.url = "mysql://x";
  EXPECT_THROW(make_store(settings), std::invalid_argument);
}

TEST_P(StoreConformance, StartReportsTheStoreUp) {
  ASSERT_TRUE(run_until([&] { return !store_.states->empty(); }));
  EXPECT_TRUE(store_.states->back());
  EXPECT_TRUE(store_->is_up());
  EXPECT_FALSE(store_->name().empty());
}

TEST_P(StoreConformance, CreatedUserReadsBackWithEveryField) {
  auto created = create_user(alice());
  ASSERT_STORE_OK(created);
  EXPECT_EQ(created.value.uid, "alice");
  auto got = get_user("alice");
  ASSERT_STORE_OK(got);
  EXPECT_EQ(got.value.uid, "alice");
  EXPECT_EQ(got.value.handle, "Alice ✓");
  EXPECT_EQ(got.value.email, "alice@example.com");
  EXPECT_EQ(got.value.created, 1700000000000);
  EXPECT_EQ(got.value.last_seen, std::nullopt);
  EXPECT_EQ(got.value.metadata, R"({"level":3})");
}

TEST_P(StoreConformance, UserWithoutEmailOrMetadataReadsBackWithout) {
  User u;
  u.uid = "bob";
  u.handle = "Bob";
  u.created = 5;
  ASSERT_STORE_OK(create_user(u));
  auto got = get_user("bob");
  ASSERT_STORE_OK(got);
  EXPECT_EQ(got.value.email, std::nullopt);
  EXPECT_EQ(got.value.metadata, "");
}

TEST_P(StoreConformance, CreatingAnExistingUserIsAConflictAndKeepsTheFirst) {
  ASSERT_STORE_OK(create_user(alice()));
  User again = alice();
  again.handle = "Impostor";
  EXPECT_STORE_STATUS(create_user(again), Status::kConflict);
  EXPECT_EQ(get_user("alice").value.handle, "Alice ✓");
}

TEST_P(StoreConformance, MissingUsersAreNotFound) {
  EXPECT_STORE_STATUS(get_user("nobody"), Status::kNotFound);
  UserPatch patch;
  patch.handle = "x";
  EXPECT_STORE_STATUS(patch_user("nobody", patch), Status::kNotFound);
  EXPECT_STORE_STATUS(delete_user("nobody"), Status::kNotFound);
}

TEST_P(StoreConformance, PatchUserChangesOnlyTheGivenFields) {
  ASSERT_STORE_OK(create_user(alice()));
  UserPatch patch;
  patch.handle = "Alicia";
  auto patched = patch_user("alice", patch);
  ASSERT_STORE_OK(patched);
  EXPECT_EQ(patched.value.handle, "Alicia");
  EXPECT_EQ(patched.value.email, "alice@example.com");
  EXPECT_EQ(patched.value.metadata, R"({"level":3})");
  auto got = get_user("alice");
  EXPECT_EQ(got.value.handle, "Alicia");
  EXPECT_EQ(got.value.email, "alice@example.com");
  EXPECT_EQ(got.value.created, 1700000000000);
}

TEST_P(StoreConformance, PatchUserSetsAndRemovesEmailAndMetadata) {
  ASSERT_STORE_OK(create_user(alice()));
  UserPatch set;
  set.email = std::optional<std::string>("a@b.c");
  set.metadata = R"({"x":1})";
  ASSERT_STORE_OK(patch_user("alice", set));
  EXPECT_EQ(get_user("alice").value.email, "a@b.c");
  EXPECT_EQ(get_user("alice").value.metadata, R"({"x":1})");

  UserPatch remove;
  remove.email = std::optional<std::string>();
  remove.metadata = "";
  auto patched = patch_user("alice", remove);
  ASSERT_STORE_OK(patched);
  EXPECT_EQ(patched.value.email, std::nullopt);
  EXPECT_EQ(patched.value.metadata, "");
  auto got = get_user("alice");
  EXPECT_EQ(got.value.email, std::nullopt);
  EXPECT_EQ(got.value.metadata, "");
  EXPECT_EQ(got.value.handle, "Alice ✓");
}

TEST_P(StoreConformance, DeletedUserIsGoneAndCanBeCreatedAgain) {
  ASSERT_STORE_OK(create_user(alice()));
  ASSERT_STORE_OK(delete_user("alice"));
  EXPECT_STORE_STATUS(get_user("alice"), Status::kNotFound);
  EXPECT_STORE_STATUS(delete_user("alice"), Status::kNotFound);
  EXPECT_STORE_OK(create_user(alice()));
}

TEST_P(StoreConformance, TouchUserSetsLastSeenOfExistingUsersOnly) {
  ASSERT_STORE_OK(create_user(alice()));
  ASSERT_STORE_OK(touch_user("alice", 1700000123456));
  EXPECT_EQ(get_user("alice").value.last_seen, 1700000123456);
  ASSERT_STORE_OK(touch_user("alice", 1700000999999));
  EXPECT_EQ(get_user("alice").value.last_seen, 1700000999999);
  // Joins never create users.
  EXPECT_STORE_STATUS(touch_user("ghost", 1), Status::kNotFound);
  EXPECT_STORE_STATUS(get_user("ghost"), Status::kNotFound);
}

TEST_P(StoreConformance, ListUsersOfAnEmptyStoreIsEmpty) {
  auto page = list_users();
  ASSERT_STORE_OK(page);
  EXPECT_TRUE(page.value.items.empty());
  EXPECT_EQ(page.value.next, "");
}

TEST_P(StoreConformance, ListUsersIsByUidAndPagesWithTheCursor) {
  // Created out of order; listed by uid.
  for (const char* uid : {"u5", "u1", "u4", "u7", "u2", "u6", "u3"}) {
    User u;
    u.uid = uid;
    u.handle = std::string("handle of ") + uid;
    u.created = 1;
    ASSERT_STORE_OK(create_user(u));
  }
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = list_users(cursor, 3);
    ASSERT_STORE_OK(page);
    EXPECT_LE(page.value.items.size(), 3u);
    for (const auto& u : page.value.items) {
      seen.push_back(u.uid);
      EXPECT_EQ(u.handle, "handle of " + u.uid);
    }
    cursor = page.value.next;
    ASSERT_LT(++pages, 10) << "the cursor never ends";
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"u1", "u2", "u3", "u4", "u5", "u6", "u7"}));
}

TEST_P(StoreConformance, ListUsersWithExactlyALimitHasNoNextPageOrAnEmptyOne) {
  for (const char* uid : {"a", "b"}) {
    User u;
    u.uid = uid;
    u.handle = uid;
    ASSERT_STORE_OK(create_user(u));
  }
  auto page = list_users("", 2);
  ASSERT_STORE_OK(page);
  EXPECT_EQ(page.value.items.size(), 2u);
  // A store may not know it was the last page; then the next one is empty.
  if (!page.value.next.empty()) {
    auto rest = list_users(page.value.next, 2);
    ASSERT_STORE_OK(rest);
    EXPECT_TRUE(rest.value.items.empty());
    EXPECT_EQ(rest.value.next, "");
  }
}

TEST_P(StoreConformance, ABadUserCursorIsInvalid) {
  EXPECT_STORE_STATUS(list_users("not-a-cursor"), Status::kInvalid);
  EXPECT_STORE_STATUS(list_users("c1.!!"), Status::kInvalid);
}

}  // namespace
}  // namespace signalmesh::store::test
