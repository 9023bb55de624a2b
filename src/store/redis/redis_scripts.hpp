// The Lua scripts of the Redis store: every multi-key or read-then-write
// operation is one EVALSHA, so it is atomic without WATCH/MULTI round trips
// and every mutation bumps the room's version and `updated` in the same step.
//
// Replies: an array whose first element is a status word ("ok",
// "not-found", "conflict", "precondition", "invalid"), then the data.
#pragma once

#include <string>
#include <vector>

namespace signalmesh::store::redis {

enum class Script {
  kUserCreate,
  kUserPatch,
  kUserDelete,
  kUserTouch,
  kUserList,
  kRoomCreate,
  kRoomOpen,
  kRoomGet,
  kRoomPatch,
  kRoomDelete,
  kAddPlayer,
  kRemovePlayer,
  kSetHost,
  kAdvanceStatus,
  kReplacePlayers,
  kRoomList,
  kPutHash,
  kListHashes,
  kCount,
};

// The source of every script, indexed by Script.
const std::vector<std::string>& script_sources();
// The scripts on one room's keys (redis_room_scripts.cpp); "" for the others.
std::string room_script_source(Script script);

}  // namespace signalmesh::store::redis
