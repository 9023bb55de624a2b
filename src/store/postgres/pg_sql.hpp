// Every statement of the store. Each is ONE statement, so that it is atomic
// without a transaction round trip: the conditional rules (If-Match, forward
// status, monotonic advance, first hash wins) are decided by the database,
// and pods sharing it cannot race between a read and a write. A mutation
// bumps rooms.version and rooms.updated in the same statement, and only
// when it changes something.
//
// Parameters are text, cast where the type matters. Under READ COMMITTED
// an UPDATE re-checks its WHERE on the newest row version, which is what
// makes the monotonic rules hold under concurrency; patch_room locks the row
// first (FOR UPDATE) because its verdict is computed beside the UPDATE.
#pragma once

namespace signalmesh::store::postgres::sql {

// The server's clock in Unix ms: expiries are relative to when a room
// finished, like Redis' EXPIRE, whatever `now` the caller passed.
#define SM_NOW_MS "(extract(epoch FROM clock_timestamp()) * 1000)::bigint"

// --- users: columns uid, handle, email, created, last_seen, metadata
#define SM_USER_COLUMNS "uid, handle, email, created, last_seen, metadata"

inline constexpr const char* kCreateUser =
    "INSERT INTO users (" SM_USER_COLUMNS
    ") VALUES ($1, $2, $3, $4::bigint, $5::bigint, $6)"
    " ON CONFLICT (uid) DO NOTHING RETURNING " SM_USER_COLUMNS;

inline constexpr const char* kGetUser = "SELECT " SM_USER_COLUMNS " FROM users WHERE uid = $1";

// $1 after (NULL: from the start), $2 limit.
inline constexpr const char* kListUsers =
    "SELECT " SM_USER_COLUMNS
    " FROM users WHERE ($1::text IS NULL OR uid > $1::text) ORDER BY uid LIMIT $2::bigint";

// $2 handle (NULL keeps), $3 set email?, $4 email, $5 set metadata?, $6 metadata.
inline constexpr const char* kPatchUser =
    "UPDATE users SET handle = coalesce($2::text, handle),"
    " email = CASE WHEN $3::boolean THEN $4::text ELSE email END,"
    " metadata = CASE WHEN $5::boolean THEN $6::text ELSE metadata END"
    " WHERE uid = $1 RETURNING " SM_USER_COLUMNS;

inline constexpr const char* kDeleteUser = "DELETE FROM users WHERE uid = $1 RETURNING 1";

inline constexpr const char* kTouchUser =
    "UPDATE users SET last_seen = $2::bigint WHERE uid = $1 RETURNING 1";

// --- rooms. A room read is one row per player (or one row with NULL player
// columns): room_id, status, round, host_uid, created, updated, version,
// metadata, max_members, player uid, player join_order; oldest player first.
#define SM_ROOM_ROWS(source)                                                          \
  "SELECT r.room_id, r.status, r.round, r.host_uid, r.created, r.updated, r.version," \
  " r.metadata, r.max_members, p.uid, p.join_order FROM " source                      \
  " r LEFT JOIN room_players p ON p.room_id = r.room_id"                              \
  " ORDER BY r.room_id, p.join_order, p.uid"

// $1 id, $2 status, $3 round, $4 created, $5 updated, $6 metadata,
// $7 max_members, $8 retention ms (0: never expires).
inline constexpr const char* kCreateRoom =
    "WITH made AS (INSERT INTO rooms (room_id, status, round, host_uid, created, updated,"
    " version, metadata, max_members, expires_at)"
    " VALUES ($1, $2::smallint, $3::bigint, '', $4::bigint, $5::bigint, 1, $6, $7::bigint,"
    " CASE WHEN $2::smallint = 2 AND $8::bigint > 0 THEN " SM_NOW_MS
    " + $8::bigint END)"
    " ON CONFLICT (room_id) DO NOTHING RETURNING *) " SM_ROOM_ROWS("made");

inline constexpr const char* kGetRoom =
    "WITH found AS (SELECT * FROM rooms WHERE room_id = $1) " SM_ROOM_ROWS("found");

// $2 now. DO UPDATE (of nothing) rather than DO NOTHING: it returns the row
// another pod created a moment ago, which DO NOTHING would hide.
inline constexpr const char* kOpenRoom =
    "WITH opened AS (INSERT INTO rooms (room_id, created, updated)"
    " VALUES ($1, $2::bigint, $2::bigint)"
    " ON CONFLICT (room_id) DO UPDATE SET room_id = EXCLUDED.room_id RETURNING *) " SM_ROOM_ROWS(
        "opened");

// $1 status (NULL: any), $2 after (NULL: from the start), $3 limit.
inline constexpr const char* kListRooms =
    "WITH page AS (SELECT * FROM rooms WHERE ($1::smallint IS NULL OR status = $1::smallint)"
    " AND ($2::text IS NULL OR room_id > $2::text) ORDER BY room_id LIMIT "
    "$3::bigint) " SM_ROOM_ROWS("page");

// $2 status (NULL keeps), $3 set metadata?, $4 metadata, $5 set max?,
// $6 max_members, $7 If-Match (NULL: none), $8 now, $9 retention ms.
// Rows: verdict ('ok', 'precondition', 'invalid') then the room's rows (the
// new record, or the unchanged one); no row: no such room.
inline constexpr const char* kPatchRoom =
    "WITH cur AS (SELECT * FROM rooms WHERE room_id = $1 FOR UPDATE),"
    " want AS (SELECT cur.room_id, coalesce($2::smallint, cur.status) AS status,"
    "   CASE WHEN cur.status = 2 AND $2::smallint = 0 THEN cur.round + 1 ELSE cur.round END"
    "     AS round,"
    "   CASE WHEN $3::boolean THEN $4::text ELSE cur.metadata END AS metadata,"
    "   CASE WHEN $5::boolean THEN $6::bigint ELSE cur.max_members END AS max_members,"
    "   CASE WHEN $7::bigint IS NOT NULL AND cur.version <> $7::bigint THEN 'precondition'"
    "     WHEN $2::smallint IS NOT NULL AND $2::smallint < cur.status"
    "       AND NOT (cur.status = 2 AND $2::smallint = 0) THEN 'invalid'"
    "     ELSE 'ok' END AS verdict FROM cur),"
    " up AS (UPDATE rooms r SET status = w.status, round = w.round, metadata = w.metadata,"
    "   max_members = w.max_members, version = r.version + 1, updated = $8::bigint,"
    "   expires_at = CASE WHEN w.status <> 2 THEN NULL WHEN r.status = 2 THEN r.expires_at"
    "     WHEN $9::bigint > 0 THEN " SM_NOW_MS
    " + $9::bigint END"
    "   FROM want w WHERE r.room_id = w.room_id AND w.verdict = 'ok'"
    "   AND (w.status, w.round, w.metadata, w.max_members)"
    "     IS DISTINCT FROM (r.status, r.round, r.metadata, r.max_members) RETURNING r.*),"
    " result AS (SELECT * FROM up UNION ALL SELECT * FROM cur WHERE NOT EXISTS (SELECT 1 FROM up))"
    " SELECT w.verdict, x.room_id, x.status, x.round, x.host_uid, x.created, x.updated,"
    " x.version, x.metadata, x.max_members, p.uid, p.join_order"
    " FROM want w JOIN result x ON true LEFT JOIN room_players p ON p.room_id = x.room_id"
    " ORDER BY p.join_order, p.uid";

inline constexpr const char* kDeleteRoom = "DELETE FROM rooms WHERE room_id = $1 RETURNING 1";

// The mirror writes answer one row: found (1, or 0 for no such room).
// $2 uid, $3 join_order, $4 now.
inline constexpr const char* kAddPlayer =
    "WITH cur AS (SELECT 1 FROM rooms WHERE room_id = $1),"
    " ins AS (INSERT INTO room_players (room_id, uid, join_order)"
    "   SELECT $1, $2, $3::numeric FROM cur ON CONFLICT (room_id, uid)"
    "   DO UPDATE SET join_order = EXCLUDED.join_order"
    "   WHERE room_players.join_order <> EXCLUDED.join_order RETURNING 1),"
    " up AS (UPDATE rooms SET version = version + 1, updated = $4::bigint"
    "   WHERE room_id = $1 AND EXISTS (SELECT 1 FROM ins) RETURNING 1)"
    " SELECT count(*) FROM cur";

// $2 uid, $3 now. Removing the host leaves the room without one until the
// next set_host: the host is always a player or nobody.
inline constexpr const char* kRemovePlayer =
    "WITH cur AS (SELECT 1 FROM rooms WHERE room_id = $1),"
    " del AS (DELETE FROM room_players WHERE room_id = $1 AND uid = $2 RETURNING 1),"
    " up AS (UPDATE rooms SET version = version + 1, updated = $3::bigint,"
    "   host_uid = CASE WHEN host_uid = $2 THEN '' ELSE host_uid END"
    "   WHERE room_id = $1 AND EXISTS (SELECT 1 FROM del) RETURNING 1)"
    " SELECT count(*) FROM cur";

// $2 host, $3 now.
inline constexpr const char* kSetHost =
    "WITH cur AS (SELECT 1 FROM rooms WHERE room_id = $1),"
    " up AS (UPDATE rooms SET host_uid = $2, version = version + 1, updated = $3::bigint"
    "   WHERE room_id = $1 AND host_uid <> $2 RETURNING 1)"
    " SELECT count(*) FROM cur";

// $2 status, $3 round, $4 now, $5 retention ms.
inline constexpr const char* kAdvanceStatus =
    "WITH cur AS (SELECT 1 FROM rooms WHERE room_id = $1),"
    " up AS (UPDATE rooms SET status = $2::smallint, round = $3::bigint, updated = $4::bigint,"
    "   version = version + 1,"
    "   expires_at = CASE WHEN $2::smallint = 2 AND $5::bigint > 0 THEN " SM_NOW_MS
    " + $5::bigint END"
    "   WHERE room_id = $1"
    "   AND (round < $3::bigint OR (round = $3::bigint AND status < $2::smallint)) RETURNING 1)"
    " SELECT count(*) FROM cur";

// $2 uids (text[]), $3 join orders (numeric[]), $4 host, $5 now. The rows
// deleted and the rows upserted are disjoint, so one statement does both.
inline constexpr const char* kReplacePlayers =
    "WITH cur AS (SELECT 1 FROM rooms WHERE room_id = $1),"
    " want AS (SELECT * FROM unnest($2::text[], $3::numeric[]) AS w (uid, join_order)),"
    " del AS (DELETE FROM room_players p WHERE p.room_id = $1 AND p.uid <> ALL ($2::text[])"
    "   RETURNING 1),"
    " ins AS (INSERT INTO room_players (room_id, uid, join_order)"
    "   SELECT $1, w.uid, w.join_order FROM want w, cur ON CONFLICT (room_id, uid)"
    "   DO UPDATE SET join_order = EXCLUDED.join_order"
    "   WHERE room_players.join_order <> EXCLUDED.join_order RETURNING 1),"
    " up AS (UPDATE rooms SET host_uid = $4, version = version + 1, updated = $5::bigint"
    "   WHERE room_id = $1 AND (host_uid <> $4 OR EXISTS (SELECT 1 FROM del)"
    "   OR EXISTS (SELECT 1 FROM ins)) RETURNING 1)"
    " SELECT count(*) FROM cur";

// Finished rooms past their expiry, with their players and hashes.
inline constexpr const char* kSweep =
    "DELETE FROM rooms WHERE expires_at IS NOT NULL AND expires_at <= " SM_NOW_MS;

// --- hashes
// $2 round, $3 tick, $4 peer, $5 hash, $6 timestamp, $7 ticks kept (0: all).
// `below`: the newest tick that falls out of the kept window once this one
// is counted (-1: none); older ticks are trimmed, and a report at or below it
// is not stored. Rows: found, inserted, the stored hash, below. The stored
// hash is read in the statement's snapshot: NULL after a lost race with
// another pod's insert of the same key (the caller asks again).
inline constexpr const char* kPutHash =
    "WITH cur AS (SELECT 1 FROM rooms WHERE room_id = $1),"
    " cut AS (SELECT CASE WHEN $7::bigint = 0 THEN -1 ELSE coalesce((SELECT t.tick FROM"
    "   (SELECT DISTINCT tick FROM hashes WHERE room_id = $1 AND round = $2::bigint"
    "   AND tick <> $3::bigint UNION ALL SELECT $3::bigint) t"
    "   ORDER BY t.tick DESC OFFSET $7::bigint LIMIT 1), -1) END AS below),"
    " ins AS (INSERT INTO hashes (room_id, round, tick, peer_id, hash, timestamp)"
    "   SELECT $1, $2::bigint, $3::bigint, $4, $5, $6::bigint FROM cur, cut"
    "   WHERE $3::bigint > cut.below ON CONFLICT DO NOTHING RETURNING 1),"
    " del AS (DELETE FROM hashes h USING cut WHERE h.room_id = $1 AND h.round = $2::bigint"
    "   AND h.tick <= cut.below RETURNING 1)"
    " SELECT (SELECT count(*) FROM cur), (SELECT count(*) FROM ins),"
    " (SELECT hash FROM hashes WHERE room_id = $1 AND round = $2::bigint AND tick = $3::bigint"
    "   AND peer_id = $4), (SELECT below FROM cut)";

// $2 round, $3 from, $4 to, $5 after tick (NULL: from the start), $6 after
// peer, $7 limit. Rows: found, tick, peer_id, hash, timestamp; one row with
// NULL hash columns when the page is empty.
inline constexpr const char* kListHashes =
    "SELECT EXISTS (SELECT 1 FROM rooms WHERE room_id = $1), h.tick, h.peer_id, h.hash,"
    " h.timestamp FROM (SELECT 1) one LEFT JOIN LATERAL (SELECT tick, peer_id, hash, timestamp"
    " FROM hashes WHERE room_id = $1 AND round = $2::bigint"
    " AND tick BETWEEN $3::bigint AND $4::bigint"
    " AND ($5::bigint IS NULL OR (tick, peer_id) > ($5::bigint, $6::text))"
    " ORDER BY tick, peer_id LIMIT $7::bigint) h ON true ORDER BY h.tick, h.peer_id";

#undef SM_ROOM_ROWS
#undef SM_USER_COLUMNS
#undef SM_NOW_MS

}  // namespace signalmesh::store::postgres::sql
