#include "state/store.h"

#include <algorithm>
#include <exception>
#include <functional>
#include <iterator>
#include <limits>
#include <set>

#include "state/attributes_json.h"
#include "state/json_document.h"
#include "state/migrations.h"
#include "state/sqlite.h"

// Statements are prepared once per connection and SQL text, and reused
// (sql::cache_statements): parsing the SQL cost more instructions than a SCIM
// write's JSON work. A statement is reset when it goes back, so none is left
// mid-step by an exception.

namespace idb::state {
namespace {

using sql::Statement;
using sql::Transaction;

// Strict: invalid UTF-8 throws instead of being stored mangled. Baseline
// values are therefore UTF-8 text; binary attributes would need an encoding.
std::string to_json_text(const nlohmann::json& value, std::string_view what) {
  try {
    return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
  } catch (const nlohmann::json::exception& e) {
    throw StoreError("state store: cannot store " + std::string(what) + ": " + e.what());
  }
}

nlohmann::json json_from_text(std::string_view text, std::string_view what) {
  // The fast reader declines what is not plain JSON: nlohmann reads it, or says what is wrong.
  if (auto read = parse_json_document(text)) return std::move(*read);
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    throw StoreError("state store: corrupt " + std::string(what) + ": " + e.what());
  }
}

mapping::Attributes attributes_from_text(std::string_view text, std::string_view what) {
  std::string error;
  auto attributes = parse_attributes_json(text, error);
  if (!attributes) throw StoreError("state store: corrupt " + std::string(what) + ": " + error);
  return std::move(*attributes);
}

// Qualified, so a join with another table that has an id reads the same columns.
#define IDB_USER_COLUMNS \
  "users.id, users.user_name, users.external_id, users.resource, users.version, users.deleted, users.updated_ms"
constexpr const char* kSelectUser = "SELECT " IDB_USER_COLUMNS " FROM users ";
constexpr int kUserColumnCount = 7;

User read_user(Statement& row) {
  return User{
      .id = row.text(0),
      .user_name = row.text(1),
      .external_id = row.optional_text(2),
      .resource = json_from_text(row.text_view(3), "user resource"),
      .version = row.int64(4),
      .deleted = row.int64(5) != 0,
      .updated_ms = row.int64(6),
  };
}

// A baseline from columns account_key, attributes, disabled_ms, target_version starting at `first`.
Baseline read_baseline(Statement& query, int first) {
  return Baseline{.key = query.text(first),
                  .attributes = attributes_from_text(query.text_view(first + 1), "baseline attributes"),
                  .disabled_ms = query.optional_int64(first + 2),
                  .version = query.text(first + 3)};
}

std::vector<User> read_users(Statement& query) {
  std::vector<User> users;
  while (query.step()) users.push_back(read_user(query));
  return users;
}

std::optional<User> read_one_user(Statement& query) {
  if (!query.step()) return std::nullopt;
  return read_user(query);
}

// Checked inside the write transaction, so the answer still holds at INSERT
// and names precisely which uniqueness failed (a constraint error would not).
// `id` is excluded so a user does not collide with itself on replace.
// externalId is the client's identifier and need not be unique (RFC 7643 §3.1).
WriteStatus check_unique(sqlite3* db, const User& user) {
  Statement name(db, "SELECT 1 FROM users WHERE deleted = 0 AND user_name = ?1 COLLATE NOCASE AND id <> ?2");
  if (name.bind(user.user_name, user.id).step()) return WriteStatus::user_name_taken;
  return WriteStatus::ok;
}

// Enqueues one user, or every user (live or tombstoned) when `user_id` is
// absent: generation 1 for a new entry, or generation + 1 with a fresh retry
// state. enqueued_ms is kept, since the oldest change still pending is what
// sync lag measures. A new change deserves a new try, so the matching dead
// letters go. An absent id binds NULL to an "IS NULL" test that selects all (one
// "id = ?3 OR ?3 IS NULL" form would scan every user on every SCIM write).
//
// `cause` joins the causes already pending rather than replacing them: the
// column is a JSON object, each cause -> the last generation it came with,
// in the order the causes first came (see cause_text). A row written before
// causes were kept this way holds one plain word, taken as of its generation.
void enqueue(sqlite3* db, const std::vector<std::string>& targets, int64_t now_ms,
             const std::optional<std::string>& user_id, const std::string& cause) {
  // The WHERE is also what lets SQLite parse an upsert after INSERT ... SELECT.
  const std::string upsert =
      std::string("INSERT INTO outbox (target, user_id, generation, attempts, next_try_ms, enqueued_ms, cause)"
                  " SELECT ?1, id, 1, 0, ?2, ?2, json_object(?4, 1) FROM users WHERE ") +
      (user_id ? "id = ?3" : "?3 IS NULL") +
      " ON CONFLICT (target, user_id) DO UPDATE SET generation = generation + 1, attempts = 0,"
      " next_try_ms = excluded.next_try_ms, last_error = NULL,"
      " cause = json_set(CASE WHEN json_valid(cause) THEN cause ELSE json_object(cause, generation) END,"
      " '$.\"' || ?4 || '\"', generation + 1)";
  const std::string forget =
      std::string("DELETE FROM dead_letters WHERE target = ?1 AND ") + (user_id ? "user_id = ?2" : "?2 IS NULL");
  for (const std::string& target : targets) {
    Statement(db, upsert).bind(target, now_ms, user_id, cause).run();
    Statement(db, forget).bind(target, user_id).run();
  }
}

// The causes an outbox row holds, as the audit log names them: "event",
// "event, full sync" (see enqueue).
std::string cause_text(std::string_view column) {
  if (!column.starts_with('{')) return std::string(column);
  const auto causes = nlohmann::ordered_json::parse(column);
  std::string out;
  for (const auto& [cause, generation] : causes.items()) out += (out.empty() ? "" : ", ") + cause;
  return out;
}

}  // namespace

bool OutboxEntry::queued_with_everyone() const {
  return cause.find(kCauseFullSync) != std::string::npos || cause.find(kCauseConfigReload) != std::string::npos;
}

namespace {

enum class Write { insert, replace };

WriteStatus write_user(sqlite3* db, const User& user, const std::vector<std::string>& targets, int64_t now_ms,
                       Write write) {
  const std::string resource = to_json_text(user.resource, "user resource");
  Transaction tx(db);
  // not_found before any collision: replacing a user that is not there is the first thing wrong.
  if (write == Write::replace &&
      !Statement(db, "SELECT 1 FROM users WHERE id = ?1 AND deleted = 0").bind(user.id).step()) {
    return WriteStatus::not_found;
  }
  if (auto status = check_unique(db, user); status != WriteStatus::ok) return status;
  Statement(db, write == Write::insert
                    ? "INSERT INTO users (id, user_name, external_id, resource, version, deleted, created_ms, updated_ms)"
                      " VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6)"
                    // A group write may have made a new version since the caller read
                    // the user: versions only grow, so no two representations share one.
                    : "UPDATE users SET user_name = ?2, external_id = ?3, resource = ?4, version = MAX(?5, version + 1),"
                      " updated_ms = ?6 WHERE id = ?1")
      .bind(user.id, user.user_name, user.external_id, resource, user.version, now_ms)
      .run();
  enqueue(db, targets, now_ms, user.id, "event");
  tx.commit();
  return WriteStatus::ok;
}

constexpr const char* kSelectGroup = "SELECT id, display_name, external_id, resource, version FROM groups ";

Group read_group(Statement& row) {
  return Group{
      .id = row.text(0),
      .display_name = row.text(1),
      .external_id = row.optional_text(2),
      .resource = json_from_text(row.text_view(3), "group resource"),
      .version = row.int64(4),
  };
}

// The live users `group_id` holds, directly or through the groups it holds.
std::set<std::string> users_under(sqlite3* db, const std::string& group_id) {
  Statement query(db,
                  "WITH RECURSIVE held(id) AS ("
                  " SELECT json_extract(m.value, '$.value') FROM groups g, json_each(g.resource, '$.members') m"
                  " WHERE g.id = ?1"
                  " UNION SELECT json_extract(m.value, '$.value') FROM held JOIN groups g ON g.id = held.id,"
                  " json_each(g.resource, '$.members') m)"
                  " SELECT users.id FROM held JOIN users ON users.id = held.id WHERE users.deleted = 0");
  query.bind(group_id);
  std::set<std::string> out;
  while (query.step()) out.insert(query.text(0));
  return out;
}

// Runs `write` on group `group_id` and makes a new version of every user whose
// User.groups it changes, enqueued for `targets`: those it adds or removes,
// and all it holds when the group's name (their groups[].display) changes or
// the group goes.
WriteStatus write_group_of_users(sqlite3* db, const std::string& group_id, const std::vector<std::string>& targets,
                                 int64_t now_ms, bool renamed, const std::function<WriteStatus()>& write) {
  Transaction tx(db);
  const std::set<std::string> before = users_under(db, group_id);
  if (const WriteStatus status = write(); status != WriteStatus::ok) return status;
  const std::set<std::string> after = users_under(db, group_id);
  std::set<std::string> changed;
  if (renamed) {
    std::set_union(before.begin(), before.end(), after.begin(), after.end(), std::inserter(changed, changed.end()));
  } else {
    std::set_symmetric_difference(before.begin(), before.end(), after.begin(), after.end(),
                                  std::inserter(changed, changed.end()));
  }
  for (const std::string& id : changed) {
    Statement(db, "UPDATE users SET version = version + 1, updated_ms = ?2 WHERE id = ?1").bind(id, now_ms).run();
    enqueue(db, targets, now_ms, id, "event");
  }
  tx.commit();
  return WriteStatus::ok;
}

WriteStatus write_group(sqlite3* db, const Group& group, const std::vector<std::string>& targets, int64_t now_ms,
                        Write write) {
  const std::string resource = to_json_text(group.resource, "group resource");
  std::optional<std::string> old_name;
  if (write == Write::replace) {
    Statement query(db, "SELECT display_name FROM groups WHERE id = ?1");
    if (!query.bind(group.id).step()) return WriteStatus::not_found;
    old_name = query.text(0);
  }
  return write_group_of_users(db, group.id, targets, now_ms, old_name && *old_name != group.display_name, [&] {
    Statement(db, write == Write::insert
                      ? "INSERT INTO groups (id, display_name, external_id, resource, version, created_ms, updated_ms)"
                        " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)"
                      : "UPDATE groups SET display_name = ?2, external_id = ?3, resource = ?4, version = ?5,"
                        " updated_ms = ?6 WHERE id = ?1")
        .bind(group.id, group.display_name, group.external_id, resource, group.version, now_ms)
        .run();
    return WriteStatus::ok;
  });
}

OutboxEntry read_entry(Statement& row) {
  return OutboxEntry{
      .target = row.text(0),
      .user_id = row.text(1),
      .generation = row.int64(2),
      .attempts = static_cast<int>(row.int64(3)),
      .next_try_ms = row.int64(4),
      .last_error = row.text(5),
      .cause = cause_text(row.text_view(6)),
  };
}

// NOMUTEX: each connection is used by one thread at a time (the writer under
// mu_, a reader while one caller holds it), so SQLite's own mutex would only
// be taken a second time.
sqlite3* open_connection(const std::string& file, int flags) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(file.c_str(), &db, flags | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    throw StoreError("state store: cannot open " + file + ": " + message);
  }
  // Other processes (an `idbridge plan` next to the daemon) may hold the lock briefly.
  sqlite3_busy_timeout(db, 5000);
  sql::cache_statements(db);
  return db;
}

}  // namespace

class Store::Reader {
 public:
  Reader(Store& store, sqlite3* db) : store_(store), db_(db) {}
  ~Reader() {
    std::lock_guard lock(store_.readers_mu_);
    store_.idle_readers_.push_back(db_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  operator sqlite3*() const { return db_; }

 private:
  Store& store_;
  sqlite3* db_;
};

// WAL gives each read the last committed state without waiting for the
// writer: a SCIM request reads while the previous group commit is in its
// fsync, and the next group forms meanwhile. One connection per concurrent
// reader, kept for the next.
Store::Reader Store::reader() {
  {
    std::lock_guard lock(readers_mu_);
    if (!idle_readers_.empty()) {
      sqlite3* db = idle_readers_.back();
      idle_readers_.pop_back();
      return Reader(*this, db);
    }
  }
  return Reader(*this, open_connection(file_, SQLITE_OPEN_READONLY));
}

std::unique_ptr<Store> Store::open(const std::filesystem::path& dir) {
  std::error_code error;
  if (std::filesystem::create_directories(dir, error)) {
    // Only a directory we create: an existing one (systemd StateDirectory=)
    // keeps the mode its owner chose.
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, error);
  }
  if (error) throw StoreError("state store: cannot create " + dir.string() + ": " + error.message());

  const std::string file = (dir / "idbridge.db").string();
  // Closes the connection if anything below throws.
  std::unique_ptr<Store> store(new Store(open_connection(file, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE), file));
  sqlite3* db = store->db_;

  if (Statement journal(db, "PRAGMA journal_mode = WAL"); !journal.step() || journal.text(0) != "wal") {
    throw StoreError("state store: " + file + " cannot use WAL journal mode (network file system?)");
  }
  // FULL: a commit is on disk when it returns, so SCIM may acknowledge it.
  sql::exec(db, "PRAGMA synchronous = FULL");
  sql::exec(db, "PRAGMA foreign_keys = ON");
  migrate(db);
  return store;
}

Store::Store(sqlite3* db, std::string file) : db_(db), file_(std::move(file)) {}

Store::~Store() {
  for (sqlite3* reader : idle_readers_) sql::close(reader);
  sql::close(db_);
}

int Store::schema_version() {
  std::lock_guard lock(mu_);
  return state::schema_version(db_);
}

struct Store::PendingWrite {
  const std::function<WriteStatus()>& write;
  WriteStatus status = WriteStatus::ok;
  std::exception_ptr error;
  bool done = false;
};

WriteStatus Store::grouped(const std::function<WriteStatus()>& write) {
  PendingWrite mine{write, WriteStatus::ok, nullptr, false};
  std::unique_lock queue(queue_mu_);
  queue_.push_back(&mine);
  while (!mine.done) {
    if (committing_) {
      queue_cv_.wait(queue);
      continue;
    }
    // This caller commits for everyone waiting, itself included.
    committing_ = true;
    std::vector<PendingWrite*> batch;
    batch.swap(queue_);
    queue.unlock();
    commit_batch(batch);
    queue.lock();
    for (PendingWrite* p : batch) p->done = true;
    committing_ = false;
    queue_cv_.notify_all();
  }
  if (mine.error) std::rethrow_exception(mine.error);
  return mine.status;
}

void Store::commit_batch(const std::vector<PendingWrite*>& batch) {
  std::lock_guard lock(mu_);
  try {
    Transaction tx(db_);
    for (PendingWrite* p : batch) {
      // An I/O error can make SQLite end the whole transaction: what follows
      // must not run outside it, acknowledged by nothing.
      if (sqlite3_get_autocommit(db_)) throw StoreError("state store: the group transaction ended early");
      try {
        p->status = p->write();
      } catch (const StoreError&) {
        p->error = std::current_exception();
      }
    }
    tx.commit();
  } catch (...) {
    // Nothing of the batch is durable: every writer learns it.
    for (PendingWrite* p : batch) {
      if (!p->error) p->error = std::current_exception();
    }
  }
}

WriteStatus Store::insert_user(const User& user, const std::vector<std::string>& targets, int64_t now_ms) {
  return grouped([&] { return write_user(db_, user, targets, now_ms, Write::insert); });
}

WriteStatus Store::replace_user(const User& user, const std::vector<std::string>& targets, int64_t now_ms) {
  return grouped([&] { return write_user(db_, user, targets, now_ms, Write::replace); });
}

WriteStatus Store::delete_user(const std::string& id, const std::vector<std::string>& targets, int64_t now_ms) {
  return grouped([&] {
    Transaction tx(db_);
    const int64_t changed =
        Statement(db_,
                  "UPDATE users SET deleted = 1, version = version + 1, updated_ms = ?2 WHERE id = ?1 AND deleted = 0")
            .bind(id, now_ms)
            .run();
    if (changed == 0) return WriteStatus::not_found;
    enqueue(db_, targets, now_ms, id, "event");
    tx.commit();
    return WriteStatus::ok;
  });
}

std::optional<User> Store::get_user(const std::string& id, bool include_deleted) {
  const Reader db = reader();
  Statement query(db, std::string(kSelectUser) + "WHERE id = ?1 AND (deleted = 0 OR ?2)");
  return read_one_user(query.bind(id, include_deleted));
}

std::optional<User> Store::find_by_user_name(const std::string& user_name) {
  const Reader db = reader();
  Statement query(db, std::string(kSelectUser) + "WHERE user_name = ?1 COLLATE NOCASE AND deleted = 0");
  return read_one_user(query.bind(user_name));
}

std::vector<User> Store::find_by_external_id(const std::string& external_id) {
  const Reader db = reader();
  Statement query(db, std::string(kSelectUser) + "WHERE external_id = ?1 AND deleted = 0 ORDER BY created_ms, rowid");
  return read_users(query.bind(external_id));
}

std::vector<User> Store::list_users(bool include_deleted) {
  std::vector<User> users;
  for_each_user(include_deleted, [&](User&& user) { users.push_back(std::move(user)); });
  return users;
}

void Store::for_each_user(bool include_deleted, const std::function<void(User&&)>& visit) {
  const Reader db = reader();
  Statement query(db, std::string(kSelectUser) + "WHERE (deleted = 0 OR ?1) ORDER BY created_ms, rowid");
  query.bind(include_deleted);
  while (query.step()) visit(read_user(query));
}

std::vector<UserRange> Store::user_ranges(int parts) {
  const Reader db = reader();
  Statement query(db, "SELECT MIN(rowid), MAX(rowid) FROM users");
  query.step();
  const auto low = query.optional_int64(0), high = query.optional_int64(1);
  std::vector<UserRange> out;
  if (parts <= 1 || !low) return std::vector<UserRange>(static_cast<size_t>(std::max(parts, 1)));
  // Users are never hard-deleted, so rowids are dense: equal spans hold about equal numbers of users.
  const int64_t span = (*high - *low) / parts + 1;
  for (int i = 0; i < parts; ++i) {
    out.push_back({i == 0 ? UserRange{}.first : *low + i * span,
                   i == parts - 1 ? UserRange{}.last : *low + (i + 1) * span - 1});
  }
  return out;
}

namespace {

// Users, each with its baseline on the target bound as ?1 (NULLs without one).
constexpr const char* kSelectUserWithBaseline =
    "SELECT " IDB_USER_COLUMNS ", b.account_key, b.attributes, b.disabled_ms, b.target_version FROM users"
    " LEFT JOIN baselines b ON b.target = ?1 AND b.user_id = users.id ";

void visit_users_with_baselines(Statement& query,
                                const std::function<void(User&&, std::optional<Baseline>&&)>& visit) {
  while (query.step()) {
    std::optional<Baseline> baseline;
    if (!query.is_null(kUserColumnCount)) baseline = read_baseline(query, kUserColumnCount);
    visit(read_user(query), std::move(baseline));
  }
}

}  // namespace

void Store::for_each_user_with_baseline(const std::string& target, bool include_deleted, const UserRange& range,
                                        const std::function<void(User&&, std::optional<Baseline>&&)>& visit) {
  const Reader db = reader();
  // rowid order is the table's own: no sort of every row, and one baseline
  // lookup by primary key per user.
  Statement query(db, std::string(kSelectUserWithBaseline) +
                          "WHERE (users.deleted = 0 OR ?2) AND users.rowid BETWEEN ?3 AND ?4 ORDER BY users.rowid");
  visit_users_with_baselines(query.bind(target, include_deleted, range.first, range.last), visit);
}

void Store::for_each_user_with_baseline(const std::string& target, const std::vector<std::string>& ids,
                                        const std::function<void(User&&, std::optional<Baseline>&&)>& visit) {
  if (ids.empty()) return;
  const Reader db = reader();
  // The ids as one JSON array: any number of them in one statement, each
  // found by primary key (no limit on bound variables to split around).
  Statement query(db, std::string(kSelectUserWithBaseline) +
                          "WHERE users.id IN (SELECT value FROM json_each(?2)) AND users.deleted = 0");
  visit_users_with_baselines(query.bind(target, nlohmann::json(ids).dump()), visit);
}

int64_t Store::count_users() {
  const Reader db = reader();
  Statement query(db, "SELECT COUNT(*) FROM users WHERE deleted = 0");
  query.step();
  return query.int64(0);
}

WriteStatus Store::insert_group(const Group& group, const std::vector<std::string>& targets, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return write_group(db_, group, targets, now_ms, Write::insert);
}

WriteStatus Store::replace_group(const Group& group, const std::vector<std::string>& targets, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return write_group(db_, group, targets, now_ms, Write::replace);
}

WriteStatus Store::delete_group(const std::string& id, const std::vector<std::string>& targets, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return write_group_of_users(db_, id, targets, now_ms, /*renamed=*/true, [&] {
    return Statement(db_, "DELETE FROM groups WHERE id = ?1").bind(id).run() == 0 ? WriteStatus::not_found
                                                                                   : WriteStatus::ok;
  });
}

std::optional<Group> Store::get_group(const std::string& id) {
  const Reader db = reader();
  Statement query(db, std::string(kSelectGroup) + "WHERE id = ?1");
  if (!query.bind(id).step()) return std::nullopt;
  return read_group(query);
}

std::vector<Group> Store::list_groups() {
  const Reader db = reader();
  Statement query(db, std::string(kSelectGroup) + "ORDER BY created_ms, rowid");
  std::vector<Group> groups;
  while (query.step()) groups.push_back(read_group(query));
  return groups;
}

namespace {

// Members stay in the group's JSON (migration 2); json_each reads them there.
constexpr const char* kSelectMembership =
    "SELECT json_extract(m.value, '$.value'), g.id, g.display_name FROM groups g, json_each(g.resource, '$.members') m ";

std::vector<Membership> read_memberships(Statement& query) {
  std::vector<Membership> out;
  while (query.step()) out.push_back({query.text(0), query.text(1), query.text(2)});
  return out;
}

}  // namespace

std::vector<Membership> Store::groups_with_member(const std::string& member_id) {
  const Reader db = reader();
  // Only the groups whose text holds the id as a JSON string, as the resource
  // was written (to_json_text), have their members taken apart: json_each and
  // json_extract of every member of every group cost ~87M instructions a call
  // with 20k memberships, and a user's plan asks once per group it is in.
  Statement query(db, std::string(kSelectMembership) +
                          "WHERE instr(g.resource, ?2) > 0 AND json_extract(m.value, '$.value') = ?1"
                          " ORDER BY g.created_ms, g.rowid");
  query.bind(member_id, nlohmann::json(member_id).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  return read_memberships(query);
}

std::vector<Group> Store::groups_by_id(const std::vector<std::string>& ids) {
  if (ids.empty()) return {};
  const Reader db = reader();
  Statement query(db, std::string(kSelectGroup) + "WHERE id IN (SELECT value FROM json_each(?1)) ORDER BY created_ms, rowid");
  query.bind(nlohmann::json(ids).dump());
  std::vector<Group> groups;
  while (query.step()) groups.push_back(read_group(query));
  return groups;
}

std::vector<std::pair<std::string, int64_t>> Store::group_versions() {
  const Reader db = reader();
  Statement query(db, "SELECT id, version FROM groups ORDER BY created_ms, rowid");
  std::vector<std::pair<std::string, int64_t>> out;
  while (query.step()) out.emplace_back(query.text(0), query.int64(1));
  return out;
}

std::vector<Membership> Store::memberships() { return memberships_of(list_groups()); }

// From the groups as our reader parsed them, once each: Store::memberships
// with json_each and json_extract parsed each group's resource and then each
// member's object again (18k instructions a membership).
std::vector<Membership> memberships_of(const std::vector<Group>& groups) {
  std::vector<Membership> out;
  for (const auto& group : groups) {
    const auto members = group.resource.find("members");
    if (members == group.resource.end() || !members->is_array()) continue;
    for (const auto& member : *members) {
      const auto value = member.is_object() ? member.find("value") : member.end();
      if (value != member.end() && value->is_string()) {
        out.push_back({value->get<std::string>(), group.id, group.display_name});
      }
    }
  }
  return out;
}

void Store::enqueue_all(const std::vector<std::string>& targets, int64_t now_ms, const std::string& cause) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  enqueue(db_, targets, now_ms, std::nullopt, cause);
  tx.commit();
}

std::vector<OutboxEntry> Store::due(const std::string& target, int64_t now_ms, size_t limit) {
  std::lock_guard lock(mu_);
  Statement query(db_,
                  "SELECT target, user_id, generation, attempts, next_try_ms, last_error, cause FROM outbox"
                  " WHERE target = ?1 AND next_try_ms <= ?2 ORDER BY next_try_ms, enqueued_ms, user_id LIMIT ?3");
  query.bind(target, now_ms, static_cast<int64_t>(std::min<size_t>(limit, std::numeric_limits<int64_t>::max())));
  std::vector<OutboxEntry> entries;
  while (query.step()) entries.push_back(read_entry(query));
  return entries;
}

std::optional<int64_t> Store::next_due_ms(const std::string& target) {
  std::lock_guard lock(mu_);
  Statement query(db_, "SELECT MIN(next_try_ms) FROM outbox WHERE target = ?1");
  query.bind(target).step();
  return query.optional_int64(0);
}

int64_t Store::outbox_size(const std::string& target) {
  std::lock_guard lock(mu_);
  Statement query(db_, "SELECT COUNT(*) FROM outbox WHERE target = ?1");
  query.bind(target).step();
  return query.int64(0);
}

int64_t Store::scheduled(const std::string& target, int64_t now_ms) {
  std::lock_guard lock(mu_);
  Statement query(db_, "SELECT COUNT(*) FROM outbox WHERE target = ?1 AND attempts = 0 AND next_try_ms > ?2");
  query.bind(target, now_ms).step();
  return query.int64(0);
}

namespace {

void upsert_baseline(sqlite3* db, const std::string& target, const std::string& user_id, const Baseline& baseline) {
  std::string attributes;
  try {
    attributes = attributes_json_text(baseline.attributes);
  } catch (const nlohmann::json::exception& e) {
    throw StoreError("state store: cannot store baseline attributes: " + std::string(e.what()));
  }
  Statement(db,
            "INSERT INTO baselines (target, user_id, account_key, attributes, written_ms, disabled_ms, target_version)"
            " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
            " ON CONFLICT (target, user_id) DO UPDATE SET account_key = excluded.account_key,"
            " attributes = excluded.attributes, written_ms = excluded.written_ms, disabled_ms = excluded.disabled_ms,"
            " target_version = excluded.target_version")
      .bind(target, user_id, baseline.key, attributes, sql::wall_clock_ms(), baseline.disabled_ms, baseline.version)
      .run();
}

void delete_baseline(sqlite3* db, const std::string& target, const std::string& user_id) {
  Statement(db, "DELETE FROM baselines WHERE target = ?1 AND user_id = ?2").bind(target, user_id).run();
}

}  // namespace

void Store::record_baseline(const std::string& target, const std::string& user_id, const Baseline& baseline) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  upsert_baseline(db_, target, user_id, baseline);
  tx.commit();
}

void Store::forget_baseline(const std::string& target, const std::string& user_id) {
  std::lock_guard lock(mu_);
  delete_baseline(db_, target, user_id);
}

void Store::record_applied(const std::string& target, const std::string& user_id,
                           const std::optional<Baseline>& baseline, const AuditRecord& audit) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  if (baseline) {
    upsert_baseline(db_, target, user_id, *baseline);
  } else {
    delete_baseline(db_, target, user_id);
  }
  insert_audit(audit);
  tx.commit();
}

void Store::complete(const OutboxEntry& entry, const std::optional<Baseline>& baseline) {
  complete_all({Applied{entry, baseline}});
}

void Store::complete_all(const std::vector<Applied>& applied) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  for (const auto& [entry, baseline, account_deleted, due_again_ms, audit] : applied) {
    if (audit) insert_audit(*audit);
    if (baseline) upsert_baseline(db_, entry.target, entry.user_id, *baseline);
    if (account_deleted) delete_baseline(db_, entry.target, entry.user_id);
    if (due_again_ms) {
      // A newer generation is due now anyway and keeps its own time.
      Statement(db_, "UPDATE outbox SET next_try_ms = ?4, attempts = 0, last_error = NULL"
                     " WHERE target = ?1 AND user_id = ?2 AND generation = ?3")
          .bind(entry.target, entry.user_id, entry.generation, *due_again_ms)
          .run();
      continue;
    }
    // Not deleted: a newer change arrived while this one was applied (one row
    // per target and user). It stays due as enqueued, with a fresh count of
    // attempts, and with only the causes that came after the generation
    // applied: the rest are done.
    if (Statement(db_, "DELETE FROM outbox WHERE target = ?1 AND user_id = ?2 AND generation = ?3")
            .bind(entry.target, entry.user_id, entry.generation)
            .run() == 0) {
      Statement(db_, "UPDATE outbox SET attempts = 0, cause = CASE WHEN json_valid(cause) THEN"
                     " (SELECT json_group_object(key, value) FROM json_each(outbox.cause) WHERE value > ?3)"
                     " ELSE cause END WHERE target = ?1 AND user_id = ?2")
          .bind(entry.target, entry.user_id, entry.generation)
          .run();
    }
  }
  tx.commit();
}

void Store::reschedule(const OutboxEntry& entry, int64_t next_try_ms, const std::string& error) {
  std::lock_guard lock(mu_);
  // A newer generation is left as enqueued: due now, attempts 0.
  Statement(db_,
            "UPDATE outbox SET attempts = attempts + 1, next_try_ms = ?4, last_error = ?5"
            " WHERE target = ?1 AND user_id = ?2 AND generation = ?3")
      .bind(entry.target, entry.user_id, entry.generation, next_try_ms, error)
      .run();
}

void Store::dead_letter(const OutboxEntry& entry, const std::string& error, int64_t now_ms) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  // The failing attempt counts, hence attempts + 1.
  Statement(db_,
            "INSERT INTO dead_letters (target, user_id, attempts, error, failed_ms)"
            " SELECT target, user_id, attempts + 1, ?4, ?5 FROM outbox"
            " WHERE target = ?1 AND user_id = ?2 AND generation = ?3"
            " ON CONFLICT (target, user_id) DO UPDATE SET attempts = excluded.attempts, error = excluded.error,"
            " failed_ms = excluded.failed_ms")
      .bind(entry.target, entry.user_id, entry.generation, error, now_ms)
      .run();
  Statement(db_, "DELETE FROM outbox WHERE target = ?1 AND user_id = ?2 AND generation = ?3")
      .bind(entry.target, entry.user_id, entry.generation)
      .run();
  tx.commit();
}

std::vector<DeadLetter> Store::dead_letters(const std::string& target) {
  std::lock_guard lock(mu_);
  Statement query(db_,
                  "SELECT target, user_id, attempts, error, failed_ms FROM dead_letters WHERE target = ?1"
                  " ORDER BY failed_ms, user_id");
  query.bind(target);
  std::vector<DeadLetter> letters;
  while (query.step()) {
    letters.push_back(DeadLetter{
        .target = query.text(0),
        .user_id = query.text(1),
        .attempts = static_cast<int>(query.int64(2)),
        .error = query.text(3),
        .failed_at_ms = query.int64(4),
    });
  }
  return letters;
}

void Store::enqueue_user(const std::string& user_id, const std::vector<std::string>& targets, int64_t now_ms,
                         const std::string& cause) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  enqueue(db_, targets, now_ms, user_id, cause);
  tx.commit();
}

std::optional<std::string> Store::user_at_key(const std::string& target, const std::string& key) {
  std::lock_guard lock(mu_);
  Statement query(db_, "SELECT user_id FROM baselines WHERE target = ?1 AND account_key = ?2 COLLATE NOCASE");
  if (!query.bind(target, key).step()) return std::nullopt;
  return query.text(0);
}

std::optional<std::string> Store::poll_watermark(const std::string& source) {
  std::lock_guard lock(mu_);
  Statement query(db_, "SELECT watermark FROM poll_sources WHERE source = ?1");
  if (!query.bind(source).step()) return std::nullopt;
  return query.optional_text(0);
}

void Store::set_poll_watermark(const std::string& source, const std::string& watermark, int64_t now_ms) {
  std::lock_guard lock(mu_);
  Statement(db_,
            "INSERT INTO poll_sources (source, watermark, updated_ms) VALUES (?1, ?2, ?3)"
            " ON CONFLICT (source) DO UPDATE SET watermark = excluded.watermark, updated_ms = excluded.updated_ms")
      .bind(source, watermark, now_ms)
      .run();
}

std::unordered_map<std::string, std::string> Store::polled_users(const std::string& source) {
  std::lock_guard lock(mu_);
  Statement query(db_, "SELECT remote_id, user_id FROM poll_users WHERE source = ?1");
  query.bind(source);
  std::unordered_map<std::string, std::string> out;
  while (query.step()) out.emplace(query.text(0), query.text(1));
  return out;
}

void Store::link_polled_user(const std::string& source, const std::string& remote_id, const std::string& user_id) {
  std::lock_guard lock(mu_);
  Statement(db_,
            "INSERT INTO poll_users (source, remote_id, user_id) VALUES (?1, ?2, ?3)"
            " ON CONFLICT (source, remote_id) DO UPDATE SET user_id = excluded.user_id")
      .bind(source, remote_id, user_id)
      .run();
}

void Store::unlink_polled_user(const std::string& source, const std::string& remote_id) {
  std::lock_guard lock(mu_);
  Statement(db_, "DELETE FROM poll_users WHERE source = ?1 AND remote_id = ?2").bind(source, remote_id).run();
}

std::optional<std::string> Store::account_id(const std::string& target, const std::string& key) {
  std::lock_guard lock(mu_);
  Statement query(db_, "SELECT account_id FROM account_links WHERE target = ?1 AND key = ?2");
  if (!query.bind(target, key).step()) return std::nullopt;
  return query.text(0);
}

std::vector<std::string> Store::account_keys(const std::string& target, const std::string& account_id) {
  std::lock_guard lock(mu_);
  Statement query(db_, "SELECT key FROM account_links WHERE target = ?1 AND account_id = ?2 ORDER BY key");
  query.bind(target, account_id);
  std::vector<std::string> keys;
  while (query.step()) keys.push_back(query.text(0));
  return keys;
}

namespace {

void put_link(sqlite3* db, const std::string& target, const std::string& key, const std::string& account_id) {
  Statement(db,
            "INSERT INTO account_links (target, key, account_id) VALUES (?1, ?2, ?3)"
            " ON CONFLICT (target, key) DO UPDATE SET account_id = excluded.account_id")
      .bind(target, key, account_id)
      .run();
}

void drop_link(sqlite3* db, const std::string& target, const std::string& key) {
  Statement(db, "DELETE FROM account_links WHERE target = ?1 AND key = ?2").bind(target, key).run();
}

}  // namespace

void Store::link_account(const std::string& target, const std::string& key, const std::string& account_id) {
  std::lock_guard lock(mu_);
  put_link(db_, target, key, account_id);
}

void Store::unlink_account(const std::string& target, const std::string& key) {
  std::lock_guard lock(mu_);
  drop_link(db_, target, key);
}

void Store::record_links(const std::string& target, const std::vector<LinkUpdate>& links,
                         const std::vector<AuditRecord>& audit) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  for (const auto& [key, account_id] : links) {
    if (account_id) {
      put_link(db_, target, key, *account_id);
    } else {
      drop_link(db_, target, key);
    }
  }
  for (const auto& row : audit) insert_audit(row);
  tx.commit();
}

std::map<std::string, std::string> Store::account_links(const std::string& target, const std::string& prefix) {
  std::lock_guard lock(mu_);
  // substr rather than LIKE: a prefix may hold LIKE's wildcards.
  Statement query(db_,
                  "SELECT key, account_id FROM account_links WHERE target = ?1 AND substr(key, 1, length(?2)) = ?2");
  query.bind(target, prefix);
  std::map<std::string, std::string> out;
  while (query.step()) out.emplace(query.text(0), query.text(1));
  return out;
}

std::optional<Baseline> Store::baseline(const std::string& target, const std::string& user_id) {
  std::lock_guard lock(mu_);
  Statement query(db_,
                  "SELECT account_key, attributes, disabled_ms, target_version FROM baselines WHERE target = ?1 AND user_id = ?2");
  if (!query.bind(target, user_id).step()) return std::nullopt;
  return read_baseline(query, 0);
}

int64_t Store::count_baselines(const std::string& target) {
  const Reader db = reader();
  Statement query(db, "SELECT COUNT(*) FROM baselines WHERE target = ?1");
  query.bind(target).step();
  return query.int64(0);
}

}  // namespace idb::state
