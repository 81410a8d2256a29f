#pragma once
// Internal to state/: the versioned schema.
struct sqlite3;

namespace idb::state {

// The schema version this build knows.
int latest_schema_version();
// The version recorded in the database (0 for a new file).
int schema_version(sqlite3* db);
// Applies every migration newer than the database, each in its own
// transaction. Throws StoreError if the database is newer than this build.
void migrate(sqlite3* db);

}  // namespace idb::state
