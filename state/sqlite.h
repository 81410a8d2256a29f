#pragma once
// Internal to state/: thin RAII over the SQLite C API so every failure becomes
// a StoreError naming the statement that failed, and no statement or
// transaction outlives an exception.
#include <sqlite3.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

namespace idb::state::sql {

[[noreturn]] void fail(sqlite3* db, std::string_view what);

// Runs SQL that binds nothing and returns no rows (DDL, BEGIN/COMMIT). An
// error names `what`, or the SQL itself when that is short enough to read.
void exec(sqlite3* db, const std::string& sql, std::string_view what = {});

int64_t wall_clock_ms();

// Keeps the statements prepared on `db` for the next Statement of the same
// SQL: parsing SQL costs more instructions than running these small
// statements. Only for connections closed with close() below.
void cache_statements(sqlite3* db);
// Finalizes the statements cached for `db`, then closes it.
void close(sqlite3* db);

template <class T>
constexpr bool is_optional = false;
template <class T>
constexpr bool is_optional<std::optional<T>> = true;

class Statement {
 public:
  Statement(sqlite3* db, std::string_view sql);
  ~Statement();
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Binds the arguments to ?1, ?2, ... in order. Values are copied into
  // SQLite, so temporaries are safe.
  template <class... Args>
  Statement& bind(const Args&... args) {
    int index = 0;
    (bind_at(++index, args), ...);
    return *this;
  }

  // True while a row is available; throws on any error.
  bool step();
  // Steps a statement that returns no rows; the number of rows it changed.
  int64_t run();

  int64_t int64(int column);
  std::optional<int64_t> optional_int64(int column);
  std::string text(int column);  // NULL reads as ""
  std::optional<std::string> optional_text(int column);
  // The column's text in place, valid until the next step: for parsing
  // without a copy. NULL reads as "".
  std::string_view text_view(int column);
  bool is_null(int column);

 private:
  template <class T>
  void bind_at(int index, const T& value) {
    if constexpr (is_optional<T>) {
      if (value) {
        bind_at(index, *value);
      } else {
        bind_null(index);
      }
    } else if constexpr (std::is_integral_v<T>) {
      bind_int64(index, static_cast<int64_t>(value));
    } else {
      bind_text(index, std::string_view(value));
    }
  }
  void bind_null(int index);
  void bind_int64(int index, int64_t value);
  void bind_text(int index, std::string_view value);
  [[noreturn]] void fail(std::string_view action);

  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  std::string cache_key_;  // set when the statement goes back to the connection's cache, not finalized
};

// BEGIN IMMEDIATE: takes the write lock up front, so the checks made inside
// (uniqueness, generation) still hold when the writes land, and a busy
// database waits at BEGIN (busy timeout) instead of failing mid-way.
// Inside an open transaction it is a SAVEPOINT instead: one write of a group
// commit rolls back alone, and lands only when the enclosing one commits.
class Transaction {
 public:
  explicit Transaction(sqlite3* db);
  ~Transaction();  // rolls back unless committed
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  void commit();

 private:
  sqlite3* db_;
  bool nested_;
  bool done_ = false;
};

}  // namespace idb::state::sql
