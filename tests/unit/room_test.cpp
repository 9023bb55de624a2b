// The room registry and host rules as plain data, step by step.
#include "core/room.hpp"

#include <gtest/gtest.h>

#include <cstdint>

namespace signalmesh {
namespace {

// Participants are opaque to the registry; distinct fake addresses suffice.
cluster::Participant* fake_session(std::uintptr_t n) {
  return reinterpret_cast<cluster::Participant*>(n * 16);
}

std::vector<std::string> ids(const Room& room) {
  std::vector<std::string> out;
  for (const auto& m : room.members()) out.push_back(m.peer_id);
  return out;
}

TEST(Room, TheFirstMemberOfAnEmptyRoomIsItsHost) {
  Room room("r");
  EXPECT_EQ(room.host(), "");
  room.add({"zed", 1, {}, fake_session(1)});
  EXPECT_EQ(room.host(), "zed");
}

TEST(Room, MembersAreKeptOldestFirstWithTiesBrokenByPeerId) {
  Room room("r");
  room.add({"c", 5, {}, fake_session(1)});
  room.add({"b", 3, {}, nullptr});
  room.add({"z", 4, {}, fake_session(2)});
  room.add({"a", 4, {}, nullptr});
  EXPECT_EQ(ids(room), (std::vector<std::string>{"b", "a", "z", "c"}));
  EXPECT_EQ(room.host(), "b");
  EXPECT_EQ(room.local_count(), 2u);
}

TEST(Room, WhenTheHostLeavesTheEarliestJoinedRemainingMemberBecomesHost) {
  Room room("r");
  room.add({"first", 1, {}, fake_session(1)});
  room.add({"second", 2, {}, fake_session(2)});
  room.add({"third", 3, {}, fake_session(3)});
  ASSERT_TRUE(room.remove("first"));
  EXPECT_EQ(room.host(), "second");
}

TEST(Room, AnExplicitHandOffWinsOverJoinOrderUntilThatMemberLeaves) {
  Room room("r");
  room.add({"first", 1, {}, fake_session(1)});
  room.add({"second", 2, {}, fake_session(2)});
  room.add({"third", 3, {}, fake_session(3)});
  room.set_host("third");
  EXPECT_EQ(room.host(), "third");
  ASSERT_TRUE(room.remove("second"));
  EXPECT_EQ(room.host(), "third");
  ASSERT_TRUE(room.remove("third"));
  EXPECT_EQ(room.host(), "first");
}

TEST(Room, AReturningPeerDoesNotInheritAHostRoleItHadBeforeLeaving) {
  Room room("r");
  room.add({"first", 1, {}, fake_session(1)});
  room.add({"second", 2, {}, fake_session(2)});
  room.set_host("second");
  room.remove("second");
  room.add({"second", 3, {}, fake_session(3)});
  EXPECT_EQ(room.host(), "first");
}

TEST(Room, RebindingKeepsThePlaceInJoinOrderAndTheHostRole) {
  Room room("r");
  room.add({"first", 1, {}, fake_session(1)});
  room.add({"second", 2, {}, fake_session(2)});
  Member* m = room.find("first");
  ASSERT_NE(m, nullptr);
  room.rebind(*m, fake_session(9));
  EXPECT_EQ(ids(room), (std::vector<std::string>{"first", "second"}));
  EXPECT_EQ(room.host(), "first");
  EXPECT_EQ(room.find("first")->participant, fake_session(9));
  EXPECT_EQ(room.local_count(), 2u);
}

TEST(Room, RemovingAnUnknownPeerChangesNothing) {
  Room room("r");
  room.add({"a", 1, {}, fake_session(1)});
  EXPECT_FALSE(room.remove("b"));
  EXPECT_EQ(room.size(), 1u);
}

TEST(RoomRegistry, OpenCreatesOnceAndCloseIfEmptyForgetsOnlyEmptyRooms) {
  RoomRegistry rooms;
  Room& a = rooms.open("a");
  EXPECT_EQ(&rooms.open("a"), &a);
  EXPECT_EQ(rooms.room_count(), 1u);
  a.add({"p", rooms.next_join_order(1), {}, fake_session(1)});
  rooms.close_if_empty("a");
  EXPECT_NE(rooms.find("a"), nullptr);
  a.remove("p");
  rooms.close_if_empty("a");
  EXPECT_EQ(rooms.find("a"), nullptr);
  EXPECT_EQ(rooms.room_count(), 0u);
}

TEST(RoomRegistry, JoinOrderFollowsTheClockButIsStrictlyIncreasing) {
  RoomRegistry rooms;
  EXPECT_EQ(rooms.next_join_order(1000), 1000u);
  EXPECT_EQ(rooms.next_join_order(1000), 1001u);
  EXPECT_EQ(rooms.next_join_order(900), 1002u);
  EXPECT_EQ(rooms.next_join_order(5000), 5000u);
}

TEST(RoomRegistry, ForgetDropsARoomEvenWithRemoteMembers) {
  RoomRegistry rooms;
  rooms.open("a").add({"remote", 1, "pod2", nullptr});
  rooms.forget("a");
  EXPECT_EQ(rooms.find("a"), nullptr);
}

}  // namespace
}  // namespace signalmesh
