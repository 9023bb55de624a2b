// The Redis store's scripts on one room (redis_scripts.hpp): one prelude of
// shared Lua helpers, then one body per operation.
#include "store/redis/redis_scripts.hpp"

namespace signalmesh::store::redis {
namespace {

// Scripts on one room. KEYS: the record, players, rounds, then the indexes
// sm:rooms, sm:rooms:status:waiting|playing|finished (not cluster-safe: see
// redis_keys.hpp). ARGV[1] the room id, ARGV[2] the retention in seconds
// (0: never expire); each script's own arguments start at ARGV[3]. The
// per-round hash keys are derived from the record key rather than declared:
// they share its hash tag, so they are in the same slot.
constexpr const char* kRoomPrelude = R"lua(
local rec, players, rounds, all_rooms = KEYS[1], KEYS[2], KEYS[3], KEYS[4]
local index = {waiting = KEYS[5], playing = KEYS[6], finished = KEYS[7]}
local rank = {waiting = 0, playing = 1, finished = 2}
local id, retention = ARGV[1], tonumber(ARGV[2])

local function as_table(flat)
  local t = {}
  for i = 1, #flat, 2 do t[flat[i]] = flat[i + 1] end
  return t
end

local function read_room()
  local fields = redis.call('HGETALL', rec)
  if #fields == 0 then return nil end
  return {'ok', fields, redis.call('ZRANGE', players, 0, -1, 'WITHSCORES')}
end

local function room_keys()
  local keys = {rec, players, rounds}
  for _, r in ipairs(redis.call('SMEMBERS', rounds)) do
    local base = rec .. ':hashes:' .. r
    keys[#keys + 1] = base
    keys[#keys + 1] = base .. ':v'
    keys[#keys + 1] = base .. ':ticks'
  end
  return keys
end

-- A key first written while the room is finished must end with the record.
local function follow_ttl(key)
  local ttl = redis.call('PTTL', rec)
  if ttl > 0 then redis.call('PEXPIRE', key, ttl) end
end

local function bump(now)
  redis.call('HINCRBY', rec, 'version', 1)
  redis.call('HSET', rec, 'updated', now)
end

-- Called only on a change of (status, round). Finishing (again) starts the
-- retention clock; leaving finished stops it.
local function set_status(old, new, round)
  redis.call('HSET', rec, 'status', new, 'round', round)
  if old ~= new then
    redis.call('ZREM', index[old], id)
    redis.call('ZADD', index[new], 0, id)
  end
  if new == 'finished' then
    if retention > 0 then
      for _, k in ipairs(room_keys()) do redis.call('EXPIRE', k, retention) end
    end
  elseif old == 'finished' then
    for _, k in ipairs(room_keys()) do redis.call('PERSIST', k) end
  end
end

local function create(status, round, created, updated, metadata, max)
  -- Leftovers of an earlier life of this id (keys that outlived an expired
  -- record by a moment, stale index entries) must not leak into the new one.
  for _, k in ipairs(room_keys()) do redis.call('DEL', k) end
  redis.call('HSET', rec, 'id', id, 'status', status, 'round', round, 'host', '',
             'created', created, 'updated', updated, 'version', 1)
  if metadata ~= '' then redis.call('HSET', rec, 'metadata', metadata) end
  if max ~= '' then redis.call('HSET', rec, 'max', max) end
  redis.call('ZADD', all_rooms, 0, id)
  for name, key in pairs(index) do
    if name ~= status then redis.call('ZREM', key, id) end
  end
  redis.call('ZADD', index[status], 0, id)
  if status == 'finished' and retention > 0 then redis.call('EXPIRE', rec, retention) end
end
)lua";

constexpr const char* kRoomCreate = R"lua(
if redis.call('EXISTS', rec) == 1 then return {'conflict'} end
create(ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7], ARGV[8])
return read_room()
)lua";

constexpr const char* kRoomOpen = R"lua(
local r = read_room()
if r then return r end
if ARGV[3] ~= '1' then return {'not-found'} end
create('waiting', 1, ARGV[4], ARGV[4], '', '')
return read_room()
)lua";

constexpr const char* kRoomGet = R"lua(
return read_room() or {'not-found'}
)lua";

// ARGV: if_match ('' none), now, status ('' none), metadata set?, metadata,
// max set?, max ('' clears). Everything is checked before anything is written.
constexpr const char* kRoomPatch = R"lua(
local fields = redis.call('HGETALL', rec)
if #fields == 0 then return {'not-found'} end
local cur = as_table(fields)
if ARGV[3] ~= '' and cur.version ~= ARGV[3] then return {'precondition', cur.version} end
local new, round = ARGV[5], tonumber(cur.round)
if new ~= '' and new ~= cur.status then
  if cur.status == 'finished' and new == 'waiting' then
    round = round + 1
  elseif rank[new] < rank[cur.status] then
    return {'invalid', 'status cannot go back from ' .. cur.status .. ' to ' .. new}
  end
end
local changed = false
if new ~= '' and new ~= cur.status then
  set_status(cur.status, new, round)
  changed = true
end
local function put(flag, field, value)
  if flag ~= '1' or (cur[field] or '') == value then return end
  if value == '' then redis.call('HDEL', rec, field) else redis.call('HSET', rec, field, value) end
  changed = true
end
put(ARGV[6], 'metadata', ARGV[7])
put(ARGV[8], 'max', ARGV[9])
if changed then bump(ARGV[4]) end
return read_room()
)lua";

constexpr const char* kRoomDelete = R"lua(
if redis.call('EXISTS', rec) == 0 then return {'not-found'} end
for _, k in ipairs(room_keys()) do redis.call('DEL', k) end
redis.call('ZREM', all_rooms, id)
for _, key in pairs(index) do redis.call('ZREM', key, id) end
return {'ok'}
)lua";

// ARGV: uid, join_order, now.
constexpr const char* kAddPlayer = R"lua(
if redis.call('EXISTS', rec) == 0 then return {'not-found'} end
local old = redis.call('ZSCORE', players, ARGV[3])
if old and tonumber(old) == tonumber(ARGV[4]) then return {'ok'} end
redis.call('ZADD', players, ARGV[4], ARGV[3])
follow_ttl(players)
bump(ARGV[5])
return {'ok'}
)lua";

// ARGV: uid, now. A host that leaves leaves no host behind; the pods name
// the next one with set_host.
constexpr const char* kRemovePlayer = R"lua(
if redis.call('EXISTS', rec) == 0 then return {'not-found'} end
if redis.call('ZREM', players, ARGV[3]) == 0 then return {'ok'} end
if redis.call('HGET', rec, 'host') == ARGV[3] then redis.call('HSET', rec, 'host', '') end
bump(ARGV[4])
return {'ok'}
)lua";

// ARGV: uid ('' no host), now.
constexpr const char* kSetHost = R"lua(
if redis.call('EXISTS', rec) == 0 then return {'not-found'} end
if redis.call('HGET', rec, 'host') == ARGV[3] then return {'ok'} end
redis.call('HSET', rec, 'host', ARGV[3])
bump(ARGV[4])
return {'ok'}
)lua";

// ARGV: status, round, now. Applied only when (round, status) is later.
constexpr const char* kAdvanceStatus = R"lua(
local fields = redis.call('HGETALL', rec)
if #fields == 0 then return {'not-found'} end
local cur = as_table(fields)
local old_round, new_round = tonumber(cur.round), tonumber(ARGV[4])
if new_round < old_round or (new_round == old_round and rank[ARGV[3]] <= rank[cur.status]) then
  return {'ok'}
end
set_status(cur.status, ARGV[3], new_round)
bump(ARGV[5])
return {'ok'}
)lua";

// ARGV: host, now, then uid, join_order pairs.
constexpr const char* kReplacePlayers = R"lua(
if redis.call('EXISTS', rec) == 0 then return {'not-found'} end
local old = redis.call('ZRANGE', players, 0, -1, 'WITHSCORES')
local same = #old == #ARGV - 4
if same then
  local want = {}
  for i = 5, #ARGV, 2 do want[ARGV[i]] = tonumber(ARGV[i + 1]) end
  for i = 1, #old, 2 do
    if want[old[i]] ~= tonumber(old[i + 1]) then same = false end
  end
end
local changed = false
if not same then
  redis.call('DEL', players)
  for i = 5, #ARGV, 2 do redis.call('ZADD', players, ARGV[i + 1], ARGV[i]) end
  follow_ttl(players)
  changed = true
end
if redis.call('HGET', rec, 'host') ~= ARGV[3] then
  redis.call('HSET', rec, 'host', ARGV[3])
  changed = true
end
if changed then bump(ARGV[4]) end
return {'ok'}
)lua";

}  // namespace

std::string room_script_source(Script script) {
  const char* body = nullptr;
  switch (script) {
    case Script::kRoomCreate:
      body = kRoomCreate;
      break;
    case Script::kRoomOpen:
      body = kRoomOpen;
      break;
    case Script::kRoomGet:
      body = kRoomGet;
      break;
    case Script::kRoomPatch:
      body = kRoomPatch;
      break;
    case Script::kRoomDelete:
      body = kRoomDelete;
      break;
    case Script::kAddPlayer:
      body = kAddPlayer;
      break;
    case Script::kRemovePlayer:
      body = kRemovePlayer;
      break;
    case Script::kSetHost:
      body = kSetHost;
      break;
    case Script::kAdvanceStatus:
      body = kAdvanceStatus;
      break;
    case Script::kReplacePlayers:
      body = kReplacePlayers;
      break;
    default:
      return std::string();
  }
  return std::string(kRoomPrelude) + body;
}

}  // namespace signalmesh::store::redis
