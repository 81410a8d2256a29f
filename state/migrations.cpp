#include "state/migrations.h"

#include <algorithm>
#include <array>
#include <string>

#include "state/sqlite.h"
#include "state/store.h"

namespace idb::state {
namespace {

struct Migration {
  int version;
  const char* sql;
};

// Append only: a released migration never changes, a fix is a new version.
constexpr std::array kMigrations{
    Migration{1, R"sql(
CREATE TABLE users (
  id          TEXT PRIMARY KEY,
  user_name   TEXT NOT NULL,
  external_id TEXT,
  resource    TEXT NOT NULL,  -- the SCIM resource, JSON
  version     INTEGER NOT NULL,
  deleted     INTEGER NOT NULL DEFAULT 0,  -- tombstones stay so targets can disable the account
  created_ms  INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL
);
-- SCIM says userName is unique case-insensitively. NOCASE folds ASCII only, so
-- "ÉMILE" and "émile" may coexist; accepted until a real collation is needed.
CREATE UNIQUE INDEX users_user_name_live ON users(user_name COLLATE NOCASE) WHERE deleted = 0;
CREATE UNIQUE INDEX users_external_id_live ON users(external_id) WHERE deleted = 0 AND external_id IS NOT NULL;

-- Users are never hard-deleted today; the cascades keep a future purge of
-- tombstones from leaving orphans behind.
CREATE TABLE outbox (
  target      TEXT NOT NULL,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  generation  INTEGER NOT NULL,  -- bumped by each enqueue; guards complete/reschedule against newer changes
  attempts    INTEGER NOT NULL,
  next_try_ms INTEGER NOT NULL,
  last_error  TEXT,
  enqueued_ms INTEGER NOT NULL,  -- when the user first became pending: the sync lag
  PRIMARY KEY (target, user_id)
);
CREATE INDEX outbox_due ON outbox(target, next_try_ms);

CREATE TABLE baselines (
  target      TEXT NOT NULL,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  account_key TEXT NOT NULL,
  attributes  TEXT NOT NULL,  -- JSON object: attribute name -> array of UTF-8 strings
  written_ms  INTEGER NOT NULL,
  PRIMARY KEY (target, user_id)
);

CREATE TABLE dead_letters (
  target    TEXT NOT NULL,
  user_id   TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  attempts  INTEGER NOT NULL,
  error     TEXT NOT NULL,
  failed_ms INTEGER NOT NULL,
  PRIMARY KEY (target, user_id)
);
)sql"},
    // SCIM Groups. They do not reach the targets yet, so no outbox rows refer
    // to them; members stay in the resource JSON. externalId is the client's
    // identifier, which RFC 7643 §3.1 does not make unique (Microsoft's SCIM
    // test suite sends one value for every resource): indexed, not unique.
    Migration{2, R"sql(
DROP INDEX users_external_id_live;
CREATE INDEX users_external_id_live ON users(external_id) WHERE deleted = 0 AND external_id IS NOT NULL;

CREATE TABLE groups (
  id           TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  external_id  TEXT,
  resource     TEXT NOT NULL,  -- the SCIM resource, JSON
  version      INTEGER NOT NULL,
  created_ms   INTEGER NOT NULL,
  updated_ms   INTEGER NOT NULL
);
CREATE INDEX groups_external_id ON groups(external_id) WHERE external_id IS NOT NULL;
)sql"},
    // The review queue: decisions idbridge does not take alone (an attribute
    // owned by a person, a uniqueness conflict, an ambiguous correlation),
    // and the targets a guard holds until an administrator approves.
    Migration{3, R"sql(
CREATE TABLE review_items (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  target      TEXT NOT NULL,
  user_id     TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
  kind        TEXT NOT NULL,            -- attribute | uniqueness | ambiguous
  attribute   TEXT NOT NULL DEFAULT '', -- kind attribute: which one
  account_key TEXT NOT NULL,
  source      TEXT NOT NULL,            -- JSON array: what the source wants
  observed    TEXT NOT NULL,            -- JSON array: what the target holds (keys of the candidates for ambiguous)
  detail      TEXT NOT NULL,
  opened_ms   INTEGER NOT NULL,
  updated_ms  INTEGER NOT NULL,
  closed_ms   INTEGER,                  -- NULL while open
  resolution  TEXT NOT NULL DEFAULT ''  -- source | target | gone
);
CREATE UNIQUE INDEX review_items_open ON review_items(target, user_id, kind, attribute) WHERE closed_ms IS NULL;
CREATE INDEX review_items_accepted ON review_items(target, user_id) WHERE resolution = 'target';
-- Who holds an account: two users must never share one.
CREATE INDEX baselines_account_key ON baselines(target, account_key COLLATE NOCASE);

CREATE TABLE guard_holds (
  target      TEXT PRIMARY KEY,
  reason      TEXT NOT NULL,
  held_ms     INTEGER NOT NULL,
  approved_ms INTEGER                   -- set by `idbridge approve`: the next drain applies the batch
);
)sql"},
    // The SCIM poller: per source, the watermark to resume from and which of
    // our users it delivered. user_id has no foreign key: the link is written
    // just before the user (see Store::link_polled_user).
    Migration{4, R"sql(
CREATE TABLE poll_sources (
  source     TEXT PRIMARY KEY,
  watermark  TEXT,  -- the newest meta.lastModified applied, as the source wrote it
  updated_ms INTEGER NOT NULL
);
CREATE TABLE poll_users (
  source    TEXT NOT NULL,
  remote_id TEXT NOT NULL,  -- the source's id of the user
  user_id   TEXT NOT NULL,  -- ours
  PRIMARY KEY (source, remote_id)
);
)sql"},
    // Cloud accounts whose API assigns its own id and has no external-id
    // field: the id our account key last led to (Store::account_id).
    Migration{5, R"sql(
CREATE TABLE account_links (
  target     TEXT NOT NULL,
  key        TEXT NOT NULL,  -- the mapping's account key on that target
  account_id TEXT NOT NULL,  -- the target's own id of the account
  PRIMARY KEY (target, key)
);
)sql"},
    // When an account was disabled: a delete policy's grace period counts from it.
    Migration{6, R"sql(
ALTER TABLE baselines ADD COLUMN disabled_ms INTEGER;  -- unix ms; NULL while the account is active
)sql"},
    // What a guard held: the changes it judged, so that an approval covers
    // exactly those and whatever arrives later is judged again.
    Migration{7, R"sql(
ALTER TABLE guard_holds ADD COLUMN batch TEXT NOT NULL DEFAULT '';  -- digest of the held changes
CREATE TABLE guard_held_changes (
  target      TEXT NOT NULL,
  user_id     TEXT NOT NULL,
  kind        TEXT NOT NULL,  -- create | update | disable | delete
  fingerprint TEXT NOT NULL,  -- of what the judged plan rested on (desired, baseline, observed)
  PRIMARY KEY (target, user_id)
);
)sql"},
    // The audit log: every change applied, or tried, on a target. Rows are
    // only ever appended (the trigger refuses edits) and leave by age alone.
    // user_id has no foreign key: the log outlives the users it names.
    // outbox.cause: why a user is pending, which the log names as the source.
    Migration{8, R"sql(
ALTER TABLE outbox ADD COLUMN cause TEXT NOT NULL DEFAULT 'event';  -- event | full sync
CREATE TABLE audit_log (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  at_ms        INTEGER NOT NULL,
  target       TEXT NOT NULL,
  user_id      TEXT NOT NULL,
  user_name    TEXT NOT NULL,
  action       TEXT NOT NULL,            -- create | update | rename | disable | delete
  account_key  TEXT NOT NULL,
  previous_key TEXT NOT NULL DEFAULT '', -- rename: the key before
  changes      TEXT NOT NULL,            -- JSON array of {attribute, change, values}; no values for a secret
  outcome      TEXT NOT NULL,            -- applied | failed
  error        TEXT NOT NULL DEFAULT '', -- failed: the target's error code
  source       TEXT NOT NULL             -- event | full sync | apply FILE | approved batch B | group sync | ...
);
CREATE INDEX audit_log_at ON audit_log(at_ms);
CREATE INDEX audit_log_target ON audit_log(target, at_ms);
CREATE INDEX audit_log_user ON audit_log(user_id);
CREATE TRIGGER audit_log_append_only BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'the audit log is append-only');
END;
)sql"},
    // The account's version on the target as our last write left it (issue 7:
    // the baseline is what we wrote and the target's version then).
    Migration{9, R"sql(
ALTER TABLE baselines ADD COLUMN target_version TEXT NOT NULL DEFAULT '';  -- '' : unknown
)sql"},
    // Which of our keys an account is linked from (Store::account_keys): a
    // correlated account linked to one user is not offered to another.
    Migration{10, R"sql(
CREATE INDEX account_links_by_id ON account_links (target, account_id);
)sql"},
};

static_assert(std::ranges::adjacent_find(kMigrations, [](const Migration& a, const Migration& b) {
                return a.version >= b.version;
              }) == kMigrations.end(),
              "migration versions must strictly increase");

}  // namespace

int latest_schema_version() { return kMigrations.back().version; }

int schema_version(sqlite3* db) {
  sql::Statement query(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations");
  query.step();
  return static_cast<int>(query.int64(0));
}

void migrate(sqlite3* db) {
  sql::exec(db, "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL /* unix ms */)");
  const int found = schema_version(db);
  if (found > latest_schema_version()) {
    throw StoreError("state store: database schema version " + std::to_string(found) +
                     " is newer than this idbridge knows (" + std::to_string(latest_schema_version()) +
                     "); run the idbridge that wrote it, or restore a backup");
  }
  for (const Migration& migration : kMigrations) {
    if (migration.version <= found) continue;
    sql::Transaction tx(db);
    // Another process may have migrated between our read and our write lock.
    if (schema_version(db) >= migration.version) continue;
    sql::exec(db, migration.sql, "migration to schema version " + std::to_string(migration.version));
    sql::Statement(db, "INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)")
        .bind(migration.version, sql::wall_clock_ms())
        .run();
    tx.commit();
  }
}

}  // namespace idb::state
