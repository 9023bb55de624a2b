#include "store/redis/redis_scripts.hpp"

#include "store/redis/redis_keys.hpp"

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
  const std::string room = kRoomPrelude;
  set(Script::kUserCreate, kUserCreate);
  set(Script::kUserPatch, kUserPatch);
  set(Script::kUserDelete, kUserDelete);
  set(Script::kUserTouch, kUserTouch);
  set(Script::kUserList, list_script(kUserPrefix, false));
  set(Script::kRoomCreate, room + kRoomCreate);
  set(Script::kRoomOpen, room + kRoomOpen);
  set(Script::kRoomGet, room + kRoomGet);
  set(Script::kRoomPatch, room + kRoomPatch);
  set(Script::kRoomDelete, room + kRoomDelete);
  set(Script::kAddPlayer, room + kAddPlayer);
  set(Script::kRemovePlayer, room + kRemovePlayer);
  set(Script::kSetHost, room + kSetHost);
  set(Script::kAdvanceStatus, room + kAdvanceStatus);
  set(Script::kReplacePlayers, room + kReplacePlayers);
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
