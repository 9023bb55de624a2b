// The schema: created and migrated by every connection before it is used,
// so a fresh database and one an older pod left behind both end up at
// kSchemaVersion. Migrations are keyed by version, only ever appended, and
// additive, so that pods of the previous release keep working on a database
// a newer pod has migrated.
#pragma once

#include <string>

#include "store/postgres/pg_result.hpp"

namespace signalmesh::store::postgres {

// The newest schema this build knows.
inline constexpr int kSchemaVersion = 1;

// One script, one round trip: under an advisory lock (pods starting together
// migrate one after the other), creates schema_version and applies every
// migration newer than the stored version, each recording itself; ends with
// the version as its only row.
// `budget`: how long it may wait for that lock and run, server side.
std::string setup_script(long long budget_ms);

// "" when the setup script's result is a schema this build can use.
std::string check_setup(const PgResult& result);

}  // namespace signalmesh::store::postgres
