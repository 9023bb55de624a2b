#include "store/postgres/pg_schema.hpp"

namespace signalmesh::store::postgres {

namespace {

struct Migration {
  int version;
  const char* sql;
};

// Identifiers compare byte by byte (COLLATE "C") so that listings page in
// the order the cursors assume, whatever the database's locale.
// join_order is numeric(20): it is a uint64. expires_at is in the server's
// clock (ms), set when a room finishes and cleared when it is reopened.
constexpr Migration kMigrations[] = {
    {1, R"sql(
  CREATE TABLE IF NOT EXISTS users (
    uid text COLLATE "C" PRIMARY KEY,
    handle text NOT NULL,
    email text,
    created bigint NOT NULL,
    last_seen bigint,
    metadata text
  );
  CREATE TABLE IF NOT EXISTS rooms (
    room_id text COLLATE "C" PRIMARY KEY,
    status smallint NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 2),
    round bigint NOT NULL DEFAULT 1,
    host_uid text COLLATE "C" NOT NULL DEFAULT '',
    created bigint NOT NULL,
    updated bigint NOT NULL,
    version bigint NOT NULL DEFAULT 1,
    metadata text,
    max_members bigint,
    expires_at bigint
  );
  CREATE INDEX IF NOT EXISTS rooms_by_status ON rooms (status, room_id);
  CREATE INDEX IF NOT EXISTS rooms_expiring ON rooms (expires_at) WHERE expires_at IS NOT NULL;
  CREATE TABLE IF NOT EXISTS room_players (
    room_id text COLLATE "C" NOT NULL REFERENCES rooms (room_id) ON DELETE CASCADE,
    uid text COLLATE "C" NOT NULL,
    join_order numeric(20, 0) NOT NULL,
    PRIMARY KEY (room_id, uid)
  );
  CREATE TABLE IF NOT EXISTS hashes (
    room_id text COLLATE "C" NOT NULL REFERENCES rooms (room_id) ON DELETE CASCADE,
    round bigint NOT NULL,
    tick bigint NOT NULL,
    peer_id text COLLATE "C" NOT NULL,
    hash text NOT NULL,
    timestamp bigint NOT NULL,
    PRIMARY KEY (room_id, round, tick, peer_id)
  );
)sql"},
};

// Any constant, the same in every pod: it names the migration lock.
constexpr const char* kLockKey = "7305198271144937211";

}  // namespace

std::string setup_script(long long budget_ms) {
  std::string s = "BEGIN;\n";
  // A migration may wait for another pod's: longer than a client statement.
  s += "SET LOCAL statement_timeout = " + std::to_string(budget_ms) + ";\n";
  s += "SELECT pg_advisory_xact_lock(" + std::string(kLockKey) + ");\n";
  s += "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY,"
       " applied bigint NOT NULL);\n";
  s += "DO $signalmesh$\nDECLARE v integer;\nBEGIN\n";
  s += "  SELECT coalesce(max(version), 0) INTO v FROM schema_version;\n";
  for (const Migration& m : kMigrations) {
    const std::string version = std::to_string(m.version);
    s += "  IF v < " + version + " THEN\n";
    s += m.sql;
    s += "  INSERT INTO schema_version (version, applied) VALUES (" + version +
         ", (extract(epoch FROM clock_timestamp()) * 1000)::bigint);\n";
    s += "  END IF;\n";
  }
  s += "END\n$signalmesh$;\n";
  s += "SELECT max(version) FROM schema_version;\n";
  s += "COMMIT;\n";
  return s;
}

std::string check_setup(const PgResult& result) {
  if (result.rows() != 1 || result.is_null(0, 0)) return "postgres: the schema has no version";
  // A newer version is a newer pod's migration: additive, so still usable.
  if (result.int64(0, 0) < kSchemaVersion) return "postgres: the schema was not migrated";
  return "";
}

}  // namespace signalmesh::store::postgres
