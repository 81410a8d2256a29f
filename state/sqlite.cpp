#include "state/sqlite.h"

#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "state/store.h"

namespace idb::state::sql {

void fail(sqlite3* db, std::string_view what) {
  throw StoreError("state store: " + std::string(what) + ": " + sqlite3_errmsg(db));
}

void exec(sqlite3* db, const std::string& sql, std::string_view what) {
  char* message = nullptr;
  if (sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &message) == SQLITE_OK) return;
  std::string text = message ? message : sqlite3_errmsg(db);
  sqlite3_free(message);
  throw StoreError("state store: " + (what.empty() ? sql : std::string(what)) + ": " + text);
}

int64_t wall_clock_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

namespace {

// Prepared statements not in use, by connection and SQL text. Each connection
// is used by one thread at a time, but several connections share the table.
struct Idle {
  std::unordered_map<std::string, std::vector<sqlite3_stmt*>> by_sql;
  size_t count = 0;
};
std::mutex idle_mu;
std::unordered_map<sqlite3*, Idle> idle_statements;

// Statements built from data would fill the cache without end; the fixed
// SQL of the store is far fewer.
constexpr size_t kMaxIdlePerConnection = 256;

}  // namespace

void cache_statements(sqlite3* db) {
  std::lock_guard lock(idle_mu);
  idle_statements.try_emplace(db);
}

void close(sqlite3* db) {
  if (!db) return;
  {
    std::lock_guard lock(idle_mu);
    if (auto found = idle_statements.find(db); found != idle_statements.end()) {
      for (auto& [sql, statements] : found->second.by_sql) {
        for (sqlite3_stmt* stmt : statements) sqlite3_finalize(stmt);
      }
      idle_statements.erase(found);
    }
  }
  sqlite3_close(db);
}

Statement::Statement(sqlite3* db, std::string_view sql) : db_(db) {
  {
    std::lock_guard lock(idle_mu);
    if (auto found = idle_statements.find(db); found != idle_statements.end()) {
      cache_key_ = sql;
      if (auto same = found->second.by_sql.find(cache_key_);
          same != found->second.by_sql.end() && !same->second.empty()) {
        stmt_ = same->second.back();
        same->second.pop_back();
        --found->second.count;
        return;
      }
    }
  }
  // PERSISTENT: kept for reuse, which SQLite then allocates for.
  const unsigned flags = cache_key_.empty() ? 0 : SQLITE_PREPARE_PERSISTENT;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &stmt_, nullptr) != SQLITE_OK) {
    sql::fail(db, "prepare " + std::string(sql));
  }
}

Statement::~Statement() {
  if (!cache_key_.empty() && stmt_) {
    // Reset ends a step left midway (an exception) and releases its read lock.
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
    std::lock_guard lock(idle_mu);
    if (auto found = idle_statements.find(db_); found != idle_statements.end() && found->second.count < kMaxIdlePerConnection) {
      found->second.by_sql[cache_key_].push_back(stmt_);
      ++found->second.count;
      return;
    }
  }
  sqlite3_finalize(stmt_);
}

void Statement::fail(std::string_view action) {
  sql::fail(db_, std::string(action) + " " + sqlite3_sql(stmt_));
}

void Statement::bind_null(int index) {
  if (sqlite3_bind_null(stmt_, index) != SQLITE_OK) fail("bind");
}

void Statement::bind_int64(int index, int64_t value) {
  if (sqlite3_bind_int64(stmt_, index, value) != SQLITE_OK) fail("bind");
}

void Statement::bind_text(int index, std::string_view value) {
  if (sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8) != SQLITE_OK) {
    fail("bind");
  }
}

bool Statement::step() {
  switch (sqlite3_step(stmt_)) {
    case SQLITE_ROW:
      return true;
    case SQLITE_DONE:
      return false;
    default:
      fail("run");
  }
}

int64_t Statement::run() {
  if (step()) fail("unexpected row from");
  return sqlite3_changes64(db_);
}

int64_t Statement::int64(int column) { return sqlite3_column_int64(stmt_, column); }

std::optional<int64_t> Statement::optional_int64(int column) {
  if (sqlite3_column_type(stmt_, column) == SQLITE_NULL) return std::nullopt;
  return int64(column);
}

std::string Statement::text(int column) { return optional_text(column).value_or(std::string()); }

std::optional<std::string> Statement::optional_text(int column) {
  if (is_null(column)) return std::nullopt;
  return std::string(text_view(column));
}

std::string_view Statement::text_view(int column) {
  // text before bytes: the documented order that yields the UTF-8 length.
  const auto* data = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  if (!data) return {};
  return {data, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))};
}

bool Statement::is_null(int column) { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }

Transaction::Transaction(sqlite3* db) : db_(db), nested_(sqlite3_get_autocommit(db) == 0) {
  exec(db, nested_ ? "SAVEPOINT idb_write" : "BEGIN IMMEDIATE");
}

Transaction::~Transaction() {
  // Some errors (disk full, I/O) make SQLite roll back by itself; ROLLBACK
  // would then fail. If ROLLBACK fails with the transaction still open, the
  // next BEGIN fails loudly ("cannot start a transaction within a
  // transaction"), so nothing is lost silently; a destructor cannot throw.
  if (!done_ && !sqlite3_get_autocommit(db_)) {
    sqlite3_exec(db_, nested_ ? "ROLLBACK TO idb_write; RELEASE idb_write" : "ROLLBACK", nullptr, nullptr, nullptr);
  }
}

void Transaction::commit() {
  exec(db_, nested_ ? "RELEASE idb_write" : "COMMIT");
  done_ = true;
}

}  // namespace idb::state::sql
