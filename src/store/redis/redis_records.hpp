// Records of the Redis store out of script replies: the HASH fields of
// redis_keys.hpp into User / RoomRecord / HashRecord, and the status word
// every script answers with into a Status.
#pragma once

#include <string>

#include "signalmesh/store.hpp"
#include "store/redis/redis_client.hpp"

namespace signalmesh::store::redis {

// The status of a script's reply ({word, data...}); a Redis error or a reply
// of another shape is kUnavailable. `message` says why when not kOk.
Status script_status(const Reply& reply, std::string& message);

// From HGETALL's flat field/value array; false when it is not a record.
bool decode_user(const Reply& fields, User& user);
// `players`: ZRANGE WITHSCORES' flat uid/score array.
bool decode_room(const Reply& fields, const Reply& players, RoomRecord& room);
// From a "TICK:PEER" member and its "TIMESTAMP:HASH" value.
bool decode_hash(const std::string& room_id, std::uint32_t round, const Reply& member,
                 const Reply& value, HashRecord& hash);

}  // namespace signalmesh::store::redis
