// The Redis store's scripts on users and hashes, and the listings; the room
// scripts are in redis_room_scripts.cpp.
#include "store/redis/redis_scripts.hpp"

#include "store/redis/redis_keys.hpp"

namespace signalmesh::store::redis {
namespace {

// KEYS: the record, rounds, entries, values, ticks. ARGV: member, timestamp,
// hash, tick, padded tick, round, cap (0: none). First report wins.
constexpr const char* kPutHash = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not-found'} end
local old = redis.call('HGET', KEYS[4], ARGV[1])
if old then
  local stored = string.sub(old, string.find(old, ':', 1, true) + 1)
  if stored == ARGV[3] then return {'ok'} end
  return {'conflict', stored}
end
redis.call('HSET', KEYS[4], ARGV[1], ARGV[2] .. ':' .. ARGV[3])
redis.call('ZADD', KEYS[3], 0, ARGV[1])
redis.call('ZADD', KEYS[5], ARGV[4], ARGV[5])
redis.call('SADD', KEYS[2], ARGV[6])
local ttl = redis.call('PTTL', KEYS[1])
if ttl > 0 then
  for i = 2, 5 do redis.call('PEXPIRE', KEYS[i], ttl) end
end
local cap = tonumber(ARGV[7])
local n = redis.call('ZCARD', KEYS[5])
if cap > 0 and n > cap then
  for _, t in ipairs(redis.call('ZRANGE', KEYS[5], 0, n - cap - 1)) do
    local gone = redis.call('ZRANGEBYLEX', KEYS[3], '[' .. t .. ':', '[' .. t .. ';')
    if #gone > 0 then
      redis.call('HDEL', KEYS[4], unpack(gone))
      redis.call('ZREM', KEYS[3], unpack(gone))
    end
  end
  redis.call('ZREMRANGEBYRANK', KEYS[5], 0, n - cap - 1)
end
return {'ok'}
)lua";

// KEYS: the record, entries, values. ARGV: lex start, lex end, count.
constexpr const char* kListHashes = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not-found'} end
local members = redis.call('ZRANGEBYLEX', KEYS[2], ARGV[1], ARGV[2], 'LIMIT', 0, ARGV[3])
if #members == 0 then return {'ok', {}, {}} end
return {'ok', members, redis.call('HMGET', KEYS[3], unpack(members))}
)lua";

// Users. KEYS: the record, sm:users (not cluster-safe: see redis_keys.hpp).
// ARGV: uid, handle, created, has email, email, metadata, has last_seen,
// last_seen.
constexpr const char* kUserCreate = R"lua(
if redis.call('EXISTS', KEYS[1]) == 1 then return {'conflict'} end
redis.call('HSET', KEYS[1], 'uid', ARGV[1], 'handle', ARGV[2], 'created', ARGV[3])
if ARGV[4] == '1' then redis.call('HSET', KEYS[1], 'email', ARGV[5]) end
if ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'metadata', ARGV[6]) end
if ARGV[7] == '1' then redis.call('HSET', KEYS[1], 'last_seen', ARGV[8]) end
redis.call('ZADD', KEYS[2], 0, ARGV[1])
return {'ok', redis.call('HGETALL', KEYS[1])}
)lua";

// ARGV: handle set?, handle, email (0 keep, 1 set, 2 remove), email,
// metadata set?, metadata ('' removes).
constexpr const char* kUserPatch = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not-found'} end
if ARGV[1] == '1' then redis.call('HSET', KEYS[1], 'handle', ARGV[2]) end
if ARGV[3] == '1' then redis.call('HSET', KEYS[1], 'email', ARGV[4]) end
if ARGV[3] == '2' then redis.call('HDEL', KEYS[1], 'email') end
if ARGV[5] == '1' and ARGV[6] == '' then redis.call('HDEL', KEYS[1], 'metadata') end
if ARGV[5] == '1' and ARGV[6] ~= '' then redis.call('HSET', KEYS[1], 'metadata', ARGV[6]) end
return {'ok', redis.call('HGETALL', KEYS[1])}
)lua";

constexpr const char* kUserDelete = R"lua(
redis.call('ZREM', KEYS[2], ARGV[1])
if redis.call('DEL', KEYS[1]) == 0 then return {'not-found'} end
return {'ok'}
)lua";

// KEYS: the record. ARGV: now.
constexpr const char* kUserTouch = R"lua(
if redis.call('EXISTS', KEYS[1]) == 0 then return {'not-found'} end
redis.call('HSET', KEYS[1], 'last_seen', ARGV[1])
return {'ok'}
)lua";

// Listings. KEYS: the index to walk, then every index an id is removed from
// when its record is gone. ARGV: lex start, count, status ('' any). Returns
// up to `count` {fields, players} in id order; ids whose record expired are
// removed from the indexes on the way (the lazy half of expiry), as is an
// entry of a status index that names the wrong status.
constexpr const char* kListBody = R"lua(
local out, start, want = {}, ARGV[1], tonumber(ARGV[2])
while #out < want do
  local ids = redis.call('ZRANGEBYLEX', KEYS[1], start, '+', 'LIMIT', 0, want - #out)
  if #ids == 0 then break end
  for _, id in ipairs(ids) do
    local fields = redis.call('HGETALL', record_key(id))
    if #fields == 0 then
      for i = 1, #KEYS do redis.call('ZREM', KEYS[i], id) end
    elseif ARGV[3] ~= '' and status_of(fields) ~= ARGV[3] then
      redis.call('ZREM', KEYS[1], id)
    else
      out[#out + 1] = {fields, extra(id)}
    end
    start = '(' .. id
  end
end
return {'ok', out}
)lua";

std::string list_script(std::string_view prefix, bool rooms) {
  std::string s =
      "local function record_key(id) return '" + std::string(prefix) + "' .. id .. '}' end\n";
  s += R"lua(
local function status_of(fields)
  for i = 1, #fields, 2 do if fields[i] == 'status' then return fields[i + 1] end end
  return ''
end
)lua";
  s += rooms ? "local function extra(id) return redis.call('ZRANGE', record_key(id) .. "
               "':players', 0, -1, 'WITHSCORES') end\n"
             : "local function extra(id) return {} end\n";
  return s + kListBody;
}

std::vector<std::string> build() {
  std::vector<std::string> s(static_cast<std::size_t>(Script::kCount));
  auto set = [&s](Script which, std::string text) {
    s[static_cast<std::size_t>(which)] = std::move(text);
  };
  set(Script::kUserCreate, kUserCreate);
  set(Script::kUserPatch, kUserPatch);
  set(Script::kUserDelete, kUserDelete);
  set(Script::kUserTouch, kUserTouch);
  set(Script::kUserList, list_script(kUserPrefix, false));
  for (Script room : {Script::kRoomCreate, Script::kRoomOpen, Script::kRoomGet, Script::kRoomPatch,
                      Script::kRoomDelete, Script::kAddPlayer, Script::kRemovePlayer,
                      Script::kSetHost, Script::kAdvanceStatus, Script::kReplacePlayers}) {
    set(room, room_script_source(room));
  }
  set(Script::kRoomList, list_script(kRoomPrefix, true));
  set(Script::kPutHash, kPutHash);
  set(Script::kListHashes, kListHashes);
  return s;
}

}  // namespace

const std::vector<std::string>& script_sources() {
  static const std::vector<std::string> sources = build();
  return sources;
}

}  // namespace signalmesh::store::redis
