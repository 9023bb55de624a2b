// The Redis store's key layout, in one place (the Lua scripts in
// redis_scripts.cpp build the same names from these constants).
//
// Every key of one record carries that record's hash tag ({u:UID} or
// {r:ID}), so all of a room's keys hash to one Redis Cluster slot and one
// EVAL can change them atomically:
//
//   sm:{u:UID}                      HASH  a user (uid handle email? created last_seen? metadata?)
//   sm:{r:ID}                       HASH  a room (id status round host created updated version
//                                         metadata? max?)
//   sm:{r:ID}:players               ZSET  uid scored by join_order (oldest first)
//   sm:{r:ID}:rounds                SET   the rounds that have hashes (for EXPIRE/PERSIST/DEL)
//   sm:{r:ID}:hashes:ROUND          ZSET  "TICK:PEER", score 0, TICK zero-padded to 16
//                                         digits so that lexical order is (tick, peer)
//   sm:{r:ID}:hashes:ROUND:v        HASH  "TICK:PEER" -> "TIMESTAMP:HASH"
//   sm:{r:ID}:hashes:ROUND:ticks    ZSET  the distinct padded ticks scored by tick (the cap)
//
// The listing indexes are ZSETs of ids, score 0, read with ZRANGEBYLEX:
//
//   sm:users, sm:rooms, sm:rooms:status:waiting|playing|finished
//
// They are the one piece that is not cluster-safe: each lives in its own
// slot, apart from the records, yet the scripts update them in the same EVAL
// as the record (declared in KEYS) and the listing scripts read records by
// ids found in them. On one Redis (what production runs today) that keeps
// index and records consistent; on a Redis Cluster those EVALs fail with
// CROSSSLOT, and the index upkeep must move to separate commands after each
// record script, the listing to per-record reads (listings already skip and
// lazily remove ids whose record is gone, as happens when a finished room's
// keys expire).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "signalmesh/store.hpp"

namespace signalmesh::store::redis {

inline constexpr std::string_view kUserPrefix = "sm:{u:";
inline constexpr std::string_view kRoomPrefix = "sm:{r:";
inline constexpr std::string_view kUsersIndex = "sm:users";
inline constexpr std::string_view kRoomsIndex = "sm:rooms";

std::string user_key(std::string_view uid);
std::string room_key(std::string_view room_id);
std::string players_key(std::string_view room_id);
std::string rounds_key(std::string_view room_id);
std::string hashes_key(std::string_view room_id, std::uint32_t round);
std::string hash_values_key(std::string_view room_id, std::uint32_t round);
std::string hash_ticks_key(std::string_view room_id, std::uint32_t round);
std::string status_index_key(RoomStatus status);

// An id as the protocol allows it (1-64 of A-Za-z0-9_-). Anything else could
// break a hash tag ('}') or the "TICK:PEER" members (':'), so it never
// reaches a key.
bool valid_id(std::string_view id);

// The largest tick the contract allows (2^53-1: exact in a Lua number and a
// ZSET score).
inline constexpr std::uint64_t kMaxTick = (std::uint64_t{1} << 53) - 1;
// 16 digits, zero-padded.
std::string padded_tick(std::uint64_t tick);
// "TICK:PEER" of a hash entry.
std::string hash_member(std::uint64_t tick, std::string_view peer_id);
// Splits a "TICK:PEER" member; false when it is not one.
bool parse_hash_member(std::string_view member, std::uint64_t& tick, std::string& peer_id);
// The key under a list_hashes cursor: "TICK:PEER" with TICK in plain decimal,
// the form every store writes, so that a cursor from one reads in another.
std::string cursor_key(std::uint64_t tick, std::string_view peer_id);
bool parse_cursor_key(std::string_view key, std::uint64_t& tick, std::string& peer_id);

}  // namespace signalmesh::store::redis
