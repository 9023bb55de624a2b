// Room records (app-integration.md §1): created by the API or by a pod's
// first read, listed by id, patched forward only, deleted with everything.
#include "store/store_conformance.hpp"

namespace signalmesh::store::test {
namespace {

std::vector<std::string> ids(const std::vector<RoomRecord>& rooms) {
  std::vector<std::string> out;
  for (const auto& r : rooms) out.push_back(r.room_id);
  return out;
}

RoomPatch status_patch(RoomStatus status) {
  RoomPatch p;
  p.status = status;
  return p;
}

TEST_P(StoreConformance, CreatedRoomStartsAtVersionOneWithoutPlayersOrHost) {
  RoomRecord room;
  room.room_id = "lobby";
  room.created = 1700000000000;
  room.updated = 1700000000000;
  room.metadata = R"({"map":"dust"})";
  room.max_members = 8;
  // Ignored by create_room:
  room.players = {{"intruder", 1}};
  room.host_uid = "intruder";
  room.version = 42;
  auto created = create_room(room);
  ASSERT_STORE_OK(created);
  EXPECT_EQ(created.value.version, 1u);
  EXPECT_TRUE(created.value.players.empty());
  EXPECT_EQ(created.value.host_uid, "");

  auto got = get_room("lobby");
  ASSERT_STORE_OK(got);
  EXPECT_EQ(got.value.room_id, "lobby");
  EXPECT_EQ(got.value.status, RoomStatus::kWaiting);
  EXPECT_EQ(got.value.round, 1u);
  EXPECT_EQ(got.value.host_uid, "");
  EXPECT_TRUE(got.value.players.empty());
  EXPECT_EQ(got.value.created, 1700000000000);
  EXPECT_EQ(got.value.updated, 1700000000000);
  EXPECT_EQ(got.value.version, 1u);
  EXPECT_EQ(got.value.metadata, R"({"map":"dust"})");
  EXPECT_EQ(got.value.max_members, 8u);
}

TEST_P(StoreConformance, CreatingAnExistingRoomIsAConflict) {
  ASSERT_STORE_OK(create_room("lobby"));
  EXPECT_STORE_STATUS(create_room("lobby"), Status::kConflict);
}

TEST_P(StoreConformance, MissingRoomsAreNotFound) {
  EXPECT_STORE_STATUS(get_room("nowhere"), Status::kNotFound);
  EXPECT_STORE_STATUS(patch_room("nowhere", status_patch(RoomStatus::kPlaying)), Status::kNotFound);
  EXPECT_STORE_STATUS(delete_room("nowhere"), Status::kNotFound);
}

TEST_P(StoreConformance, OpenRoomCreatesAMissingRoomOnlyWhenAsked) {
  EXPECT_STORE_STATUS(open_room("r1", false, 1234), Status::kNotFound);
  EXPECT_STORE_STATUS(get_room("r1"), Status::kNotFound);

  auto opened = open_room("r1", true, 1234);
  ASSERT_STORE_OK(opened);
  EXPECT_EQ(opened.value.room_id, "r1");
  EXPECT_EQ(opened.value.status, RoomStatus::kWaiting);
  EXPECT_EQ(opened.value.round, 1u);
  EXPECT_EQ(opened.value.created, 1234);
  EXPECT_EQ(opened.value.updated, 1234);
  EXPECT_EQ(opened.value.version, 1u);
  auto got = get_room("r1");
  ASSERT_STORE_OK(got);
  EXPECT_EQ(got.value.created, 1234);
}

TEST_P(StoreConformance, OpenRoomReturnsAnExistingRoomUnchanged) {
  ASSERT_STORE_OK(create_room("r1", 1000));
  ASSERT_STORE_OK(patch_room("r1", status_patch(RoomStatus::kPlaying), std::nullopt, 1500));
  ASSERT_STORE_OK(add_player("r1", "p1", 7));
  for (bool create : {true, false}) {
    auto opened = open_room("r1", create, 9999);
    ASSERT_STORE_OK(opened);
    EXPECT_EQ(opened.value.status, RoomStatus::kPlaying);
    EXPECT_EQ(opened.value.created, 1000);
    ASSERT_EQ(opened.value.players.size(), 1u);
    EXPECT_EQ(opened.value.players[0].uid, "p1");
    EXPECT_EQ(opened.value.players[0].join_order, 7u);
  }
}

TEST_P(StoreConformance, ListRoomsOfAnEmptyStoreIsEmpty) {
  for (auto status : {std::optional<RoomStatus>(), std::optional(RoomStatus::kPlaying)}) {
    auto page = list_rooms(status);
    ASSERT_STORE_OK(page);
    EXPECT_TRUE(page.value.items.empty());
    EXPECT_EQ(page.value.next, "");
  }
}

TEST_P(StoreConformance, ListRoomsIsByRoomIdAndPagesOverMoreRoomsThanTheLimit) {
  const std::vector<std::string> created = {"m", "c", "x", "a", "q", "b", "z", "k"};
  for (const auto& id : created) ASSERT_STORE_OK(create_room(id));
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    auto page = list_rooms(std::nullopt, cursor, 3);
    ASSERT_STORE_OK(page);
    EXPECT_LE(page.value.items.size(), 3u);
    for (const auto& id : ids(page.value.items)) seen.push_back(id);
    cursor = page.value.next;
    ASSERT_LT(++pages, 10) << "the cursor never ends";
  } while (!cursor.empty());
  EXPECT_EQ(pages, 3);
  EXPECT_EQ(seen, (std::vector<std::string>{"a", "b", "c", "k", "m", "q", "x", "z"}));
}

TEST_P(StoreConformance, ListRoomsFiltersByStatusAcrossPages) {
  for (int i = 0; i < 9; ++i) {
    const std::string id = "room-" + std::to_string(i);
    ASSERT_STORE_OK(create_room(id));
    if (i % 3 == 1) ASSERT_STORE_OK(patch_room(id, status_patch(RoomStatus::kPlaying)));
    if (i % 3 == 2) ASSERT_STORE_OK(patch_room(id, status_patch(RoomStatus::kFinished)));
  }
  std::vector<std::string> playing;
  std::string cursor;
  int pages = 0;
  do {
    auto page = list_rooms(RoomStatus::kPlaying, cursor, 2);
    ASSERT_STORE_OK(page);
    for (const auto& r : page.value.items) {
      EXPECT_EQ(r.status, RoomStatus::kPlaying) << r.room_id;
      playing.push_back(r.room_id);
    }
    cursor = page.value.next;
    ASSERT_LT(++pages, 10);
  } while (!cursor.empty());
  EXPECT_EQ(playing, (std::vector<std::string>{"room-1", "room-4", "room-7"}));
  auto waiting = list_rooms(RoomStatus::kWaiting);
  ASSERT_STORE_OK(waiting);
  EXPECT_EQ(ids(waiting.value.items), (std::vector<std::string>{"room-0", "room-3", "room-6"}));
  auto all = list_rooms(std::nullopt);
  ASSERT_STORE_OK(all);
  EXPECT_EQ(all.value.items.size(), 9u);
}

TEST_P(StoreConformance, ListedRoomsCarryTheirPlayersAndHost) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(create_room("r2"));
  ASSERT_STORE_OK(add_player("r1", "p2", 2));
  ASSERT_STORE_OK(add_player("r1", "p1", 1));
  ASSERT_STORE_OK(set_host("r1", "p1"));
  auto page = list_rooms(std::nullopt);
  ASSERT_STORE_OK(page);
  ASSERT_EQ(page.value.items.size(), 2u);
  const auto& r1 = page.value.items[0];
  EXPECT_EQ(r1.room_id, "r1");
  EXPECT_EQ(r1.host_uid, "p1");
  ASSERT_EQ(r1.players.size(), 2u);
  EXPECT_EQ(r1.players[0].uid, "p1");
  EXPECT_EQ(r1.players[1].uid, "p2");
  EXPECT_TRUE(page.value.items[1].players.empty());
}

TEST_P(StoreConformance, ABadRoomCursorIsInvalid) {
  ASSERT_STORE_OK(create_room("r1"));
  EXPECT_STORE_STATUS(list_rooms(std::nullopt, "garbage"), Status::kInvalid);
  EXPECT_STORE_STATUS(list_rooms(RoomStatus::kWaiting, "c1.*"), Status::kInvalid);
}

TEST_P(StoreConformance, PatchRoomMovesStatusForward) {
  ASSERT_STORE_OK(create_room("r1"));
  auto playing = patch_room("r1", status_patch(RoomStatus::kPlaying));
  ASSERT_STORE_OK(playing);
  EXPECT_EQ(playing.value.status, RoomStatus::kPlaying);
  EXPECT_EQ(playing.value.round, 1u);
  auto finished = patch_room("r1", status_patch(RoomStatus::kFinished));
  ASSERT_STORE_OK(finished);
  EXPECT_EQ(finished.value.status, RoomStatus::kFinished);
  EXPECT_EQ(get_room("r1").value.status, RoomStatus::kFinished);
}

TEST_P(StoreConformance, PatchRoomFromFinishedToWaitingStartsTheNextRound) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(patch_room("r1", status_patch(RoomStatus::kPlaying)));
  ASSERT_STORE_OK(patch_room("r1", status_patch(RoomStatus::kFinished)));
  auto next = patch_room("r1", status_patch(RoomStatus::kWaiting));
  ASSERT_STORE_OK(next);
  EXPECT_EQ(next.value.status, RoomStatus::kWaiting);
  EXPECT_EQ(next.value.round, 2u);
  auto got = get_room("r1");
  EXPECT_EQ(got.value.status, RoomStatus::kWaiting);
  EXPECT_EQ(got.value.round, 2u);
}

TEST_P(StoreConformance, PatchRoomRefusesABackwardStatus) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(patch_room("r1", status_patch(RoomStatus::kPlaying)));
  const auto version = get_room("r1").value.version;
  EXPECT_STORE_STATUS(patch_room("r1", status_patch(RoomStatus::kWaiting)), Status::kInvalid);
  ASSERT_STORE_OK(patch_room("r1", status_patch(RoomStatus::kFinished)));
  EXPECT_STORE_STATUS(patch_room("r1", status_patch(RoomStatus::kPlaying)), Status::kInvalid);
  auto got = get_room("r1");
  EXPECT_EQ(got.value.status, RoomStatus::kFinished);
  EXPECT_EQ(got.value.round, 1u);
  EXPECT_EQ(got.value.version, version + 1) << "a refused patch changed the version";
}

TEST_P(StoreConformance, PatchRoomRefusesEverythingWhenTheStatusIsBackward) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(patch_room("r1", status_patch(RoomStatus::kPlaying)));
  RoomPatch p = status_patch(RoomStatus::kWaiting);
  p.metadata = R"({"x":1})";
  EXPECT_STORE_STATUS(patch_room("r1", p), Status::kInvalid);
  EXPECT_EQ(get_room("r1").value.metadata, "");
}

TEST_P(StoreConformance, PatchRoomToTheCurrentStatusChangesNothing) {
  ASSERT_STORE_OK(create_room("r1", 1000));
  auto same = patch_room("r1", status_patch(RoomStatus::kWaiting), std::nullopt, 5000);
  ASSERT_STORE_OK(same);
  EXPECT_EQ(same.value.status, RoomStatus::kWaiting);
  EXPECT_EQ(same.value.round, 1u);
  EXPECT_EQ(same.value.version, 1u);
  auto got = get_room("r1");
  EXPECT_EQ(got.value.version, 1u);
  EXPECT_EQ(got.value.updated, 1000);
}

TEST_P(StoreConformance, PatchRoomSetsAndRemovesMetadataAndMaxMembers) {
  ASSERT_STORE_OK(create_room("r1"));
  RoomPatch set;
  set.metadata = R"({"mode":"ranked"})";
  set.max_members = std::optional<std::uint32_t>(4);
  auto patched = patch_room("r1", set);
  ASSERT_STORE_OK(patched);
  EXPECT_EQ(patched.value.metadata, R"({"mode":"ranked"})");
  EXPECT_EQ(patched.value.max_members, 4u);
  EXPECT_EQ(patched.value.status, RoomStatus::kWaiting);
  EXPECT_EQ(get_room("r1").value.max_members, 4u);

  RoomPatch remove;
  remove.metadata = "";
  remove.max_members = std::optional<std::uint32_t>();
  ASSERT_STORE_OK(patch_room("r1", remove));
  auto got = get_room("r1");
  EXPECT_EQ(got.value.metadata, "");
  EXPECT_EQ(got.value.max_members, std::nullopt);
}

TEST_P(StoreConformance, PatchRoomWithAStaleIfMatchIsAPreconditionFailure) {
  ASSERT_STORE_OK(create_room("r1"));
  RoomPatch p;
  p.metadata = R"({"a":1})";
  auto first = patch_room("r1", p, 1u);
  ASSERT_STORE_OK(first);
  EXPECT_EQ(first.value.version, 2u);
  p.metadata = R"({"a":2})";
  EXPECT_STORE_STATUS(patch_room("r1", p, 1u), Status::kPreconditionFailed);
  EXPECT_EQ(get_room("r1").value.metadata, R"({"a":1})");
  auto second = patch_room("r1", p, 2u);
  ASSERT_STORE_OK(second);
  EXPECT_EQ(second.value.version, 3u);
  EXPECT_EQ(second.value.metadata, R"({"a":2})");
}

TEST_P(StoreConformance, AMirrorWriteMakesAnIfMatchStale) {
  ASSERT_STORE_OK(create_room("r1"));
  const auto seen = get_room("r1").value.version;
  ASSERT_STORE_OK(add_player("r1", "p1", 1));
  RoomPatch p;
  p.metadata = R"({"a":1})";
  EXPECT_STORE_STATUS(patch_room("r1", p, seen), Status::kPreconditionFailed);
}

TEST_P(StoreConformance, VersionAndUpdatedChangeOnEveryChange) {
  ASSERT_STORE_OK(create_room("r1", 1000));
  std::uint64_t version = get_room("r1").value.version;
  std::int64_t now = 2000;
  auto expect_changed = [&](const char* what) {
    auto got = get_room("r1");
    ASSERT_STORE_OK(got);
    EXPECT_GT(got.value.version, version) << what << " did not raise the version";
    EXPECT_EQ(got.value.updated, now) << what << " did not set updated";
    version = got.value.version;
  };
  RoomPatch meta;
  meta.metadata = R"({"v":1})";
  ASSERT_STORE_OK(patch_room("r1", meta, std::nullopt, ++now));
  expect_changed("patch_room metadata");
  ASSERT_STORE_OK(patch_room("r1", status_patch(RoomStatus::kPlaying), std::nullopt, ++now));
  expect_changed("patch_room status");
  ASSERT_STORE_OK(add_player("r1", "p1", 1, ++now));
  expect_changed("add_player");
  ASSERT_STORE_OK(add_player("r1", "p2", 2, ++now));
  expect_changed("add_player of a second player");
  ASSERT_STORE_OK(set_host("r1", "p1", ++now));
  expect_changed("set_host");
  ASSERT_STORE_OK(remove_player("r1", "p1", ++now));
  expect_changed("remove_player");
  ASSERT_STORE_OK(advance_status("r1", RoomStatus::kFinished, 1, ++now));
  expect_changed("advance_status");
  ASSERT_STORE_OK(replace_players("r1", {{"p3", 3}}, "p3", ++now));
  expect_changed("replace_players");
  ASSERT_STORE_OK(advance_status("r1", RoomStatus::kWaiting, 2, ++now));
  expect_changed("advance_status to the next round");
}

TEST_P(StoreConformance, DeleteRoomRemovesItsPlayersAndHashes) {
  ASSERT_STORE_OK(create_room("r1"));
  ASSERT_STORE_OK(create_room("r2"));
  ASSERT_STORE_OK(add_player("r1", "p1", 1));
  ASSERT_STORE_OK(set_host("r1", "p1"));
  ASSERT_STORE_OK(put_hash("r1", 1, 10, "p1", "aaaa"));
  ASSERT_STORE_OK(add_player("r2", "p1", 1));
  ASSERT_STORE_OK(put_hash("r2", 1, 10, "p1", "bbbb"));

  ASSERT_STORE_OK(delete_room("r1"));
  EXPECT_STORE_STATUS(get_room("r1"), Status::kNotFound);
  EXPECT_STORE_STATUS(delete_room("r1"), Status::kNotFound);
  // A room made again under the same id starts empty: nothing came back.
  ASSERT_STORE_OK(create_room("r1"));
  auto again = get_room("r1");
  EXPECT_TRUE(again.value.players.empty());
  EXPECT_EQ(again.value.host_uid, "");
  EXPECT_EQ(again.value.version, 1u);
  auto hashes = list_hashes("r1", 1, 0, kMaxTestTick);
  ASSERT_STORE_OK(hashes);
  EXPECT_TRUE(hashes.value.items.empty());
  // The other room kept its own.
  EXPECT_EQ(player_uids("r2"), std::vector<std::string>{"p1"});
  EXPECT_EQ(list_hashes("r2", 1, 0, kMaxTestTick).value.items.size(), 1u);
}

}  // namespace
}  // namespace signalmesh::store::test
