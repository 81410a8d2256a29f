// The review queue and guard holds of the Store (declared in store.h): the
// decisions idbridge leaves to an administrator.
#include <algorithm>
#include <set>

#include "state/sqlite.h"
#include "state/store.h"

namespace idb::state {
namespace {

using sql::Statement;
using sql::Transaction;

// A target's value that is not UTF-8 (an octetString) is kept with U+FFFD in
// place of its bad bytes: refusing it would stop the worker on one value.
std::string values_text(const mapping::Values& values) {
  return nlohmann::json(values).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

mapping::Values read_values(const std::string& text) {
  try {
    return nlohmann::json::parse(text).get<mapping::Values>();
  } catch (const nlohmann::json::exception& e) {
    throw StoreError("state store: corrupt review item values: " + std::string(e.what()));
  }
}

constexpr const char* kSelectItem =
    "SELECT id, target, user_id, kind, attribute, account_key, source, observed, detail, opened_ms, closed_ms,"
    " resolution FROM review_items ";

ReviewItem read_item(Statement& row) {
  return ReviewItem{
      .id = row.int64(0),
      .target = row.text(1),
      .user_id = row.text(2),
      .kind = row.text(3),
      .attribute = row.text(4),
      .key = row.text(5),
      .source = read_values(row.text(6)),
      .observed = read_values(row.text(7)),
      .detail = row.text(8),
      .opened_ms = row.int64(9),
      .closed_ms = row.optional_int64(10),
      .resolution = row.text(11),
  };
}

int64_t upsert_item(sqlite3* db, const ReviewItem& item, int64_t now_ms) {
  Statement(db,
            "INSERT INTO review_items (target, user_id, kind, attribute, account_key, source, observed, detail,"
            " opened_ms, updated_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)"
            " ON CONFLICT (target, user_id, kind, attribute) WHERE closed_ms IS NULL DO UPDATE SET"
            " account_key = excluded.account_key, source = excluded.source, observed = excluded.observed,"
            " detail = excluded.detail, updated_ms = excluded.updated_ms")
      .bind(item.target, item.user_id, item.kind, item.attribute, item.key, values_text(item.source),
            values_text(item.observed), item.detail, now_ms)
      .run();
  Statement id(db,
               "SELECT id FROM review_items WHERE target = ?1 AND user_id = ?2 AND kind = ?3 AND attribute = ?4"
               " AND closed_ms IS NULL");
  id.bind(item.target, item.user_id, item.kind, item.attribute).step();
  return id.int64(0);
}

}  // namespace

int64_t Store::open_review(const ReviewItem& item, int64_t now_ms) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  const int64_t id = upsert_item(db_, item, now_ms);
  tx.commit();
  return id;
}

void Store::settle_reviews(const std::string& target, const std::string& user_id,
                           const std::vector<ReviewItem>& items, int64_t now_ms) {
  std::lock_guard lock(mu_);
  constexpr const char* kOpen = "SELECT id FROM review_items WHERE target = ?1 AND user_id = ?2 AND closed_ms IS NULL";
  // The common case, a user with no question open or new, costs one read and no commit.
  if (items.empty() && !Statement(db_, kOpen).bind(target, user_id).step()) return;
  Transaction tx(db_);
  std::vector<int64_t> current;
  for (const auto& item : items) current.push_back(upsert_item(db_, item, now_ms));
  Statement open(db_, kOpen);
  open.bind(target, user_id);
  std::vector<int64_t> gone;
  while (open.step()) {
    if (std::find(current.begin(), current.end(), open.int64(0)) == current.end()) gone.push_back(open.int64(0));
  }
  for (const int64_t id : gone) {
    Statement(db_, "UPDATE review_items SET closed_ms = ?2, updated_ms = ?2, resolution = 'gone' WHERE id = ?1")
        .bind(id, now_ms)
        .run();
  }
  tx.commit();
}

std::optional<ReviewItem> Store::review(int64_t id) {
  std::lock_guard lock(mu_);
  Statement query(db_, std::string(kSelectItem) + "WHERE id = ?1");
  if (!query.bind(id).step()) return std::nullopt;
  return read_item(query);
}

std::vector<ReviewItem> Store::reviews(bool include_closed, const std::optional<std::string>& target) {
  std::lock_guard lock(mu_);
  Statement query(db_, std::string(kSelectItem) + "WHERE (?1 OR closed_ms IS NULL) AND (?2 IS NULL OR target = ?2)"
                                                  " ORDER BY id");
  query.bind(include_closed ? 1 : 0, target);
  std::vector<ReviewItem> items;
  while (query.step()) items.push_back(read_item(query));
  return items;
}

bool Store::close_review(int64_t id, const std::string& resolution, int64_t now_ms) {
  std::lock_guard lock(mu_);
  return Statement(db_,
                   "UPDATE review_items SET closed_ms = ?2, updated_ms = ?2, resolution = ?3"
                   " WHERE id = ?1 AND closed_ms IS NULL")
             .bind(id, now_ms, resolution)
             .run() > 0;
}

std::unordered_map<std::string, std::vector<ReviewItem>> Store::accepted(const std::string& target,
                                                                         const std::optional<std::string>& user_id) {
  std::lock_guard lock(mu_);
  // Newest first, so the first item seen per (user, attribute) is the one that counts.
  Statement query(db_, std::string(kSelectItem) +
                           "WHERE target = ?1 AND (?2 IS NULL OR user_id = ?2) AND resolution = 'target'"
                           " AND kind = 'attribute' ORDER BY id DESC");
  query.bind(target, user_id);
  std::unordered_map<std::string, std::vector<ReviewItem>> out;
  while (query.step()) {
    ReviewItem item = read_item(query);
    auto& list = out[item.user_id];
    const bool newer_seen = std::any_of(list.begin(), list.end(),
                                        [&](const ReviewItem& seen) { return seen.attribute == item.attribute; });
    if (!newer_seen) list.push_back(std::move(item));
  }
  return out;
}

bool Store::hold(const std::string& target, const std::string& reason, const std::string& batch,
                 const std::vector<HeldChange>& changes, int64_t now_ms) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  Statement current(db_, "SELECT batch FROM guard_holds WHERE target = ?1");
  if (current.bind(target).step() && current.text(0) == batch) {
    Statement(db_, "UPDATE guard_holds SET reason = ?2 WHERE target = ?1").bind(target, reason).run();
    tx.commit();
    return false;
  }
  // Another batch: what an administrator may have approved is not this one.
  Statement(db_,
            "INSERT INTO guard_holds (target, reason, held_ms, approved_ms, batch) VALUES (?1, ?2, ?3, NULL, ?4)"
            " ON CONFLICT (target) DO UPDATE SET reason = excluded.reason, held_ms = excluded.held_ms,"
            " approved_ms = NULL, batch = excluded.batch")
      .bind(target, reason, now_ms, batch)
      .run();
  Statement(db_, "DELETE FROM guard_held_changes WHERE target = ?1").bind(target).run();
  for (const auto& change : changes) {
    Statement(db_, "INSERT INTO guard_held_changes (target, user_id, kind, fingerprint) VALUES (?1, ?2, ?3, ?4)")
        .bind(target, change.user_id, change.kind, change.fingerprint)
        .run();
  }
  tx.commit();
  return true;
}

namespace {

constexpr const char* kSelectHold =
    "SELECT target, reason, held_ms, approved_ms, batch,"
    " (SELECT COUNT(*) FROM guard_held_changes c WHERE c.target = h.target AND c.kind = 'create'),"
    " (SELECT COUNT(*) FROM guard_held_changes c WHERE c.target = h.target AND c.kind = 'update'),"
    " (SELECT COUNT(*) FROM guard_held_changes c WHERE c.target = h.target AND c.kind = 'disable'),"
    " (SELECT COUNT(*) FROM guard_held_changes c WHERE c.target = h.target AND c.kind = 'delete')"
    " FROM guard_holds h ";

GuardHold read_hold(Statement& row) {
  return GuardHold{row.text(0), row.text(1), row.int64(2), row.optional_int64(3), row.text(4),
                   row.int64(5), row.int64(6), row.int64(7), row.int64(8)};
}

}  // namespace

std::optional<GuardHold> Store::hold_of(const std::string& target) {
  std::lock_guard lock(mu_);
  Statement query(db_, std::string(kSelectHold) + "WHERE target = ?1");
  if (!query.bind(target).step()) return std::nullopt;
  return read_hold(query);
}

std::vector<GuardHold> Store::holds() {
  std::lock_guard lock(mu_);
  Statement query(db_, std::string(kSelectHold) + "ORDER BY target");
  std::vector<GuardHold> out;
  while (query.step()) out.push_back(read_hold(query));
  return out;
}

std::vector<HeldChange> Store::held_changes(const std::string& target) {
  std::lock_guard lock(mu_);
  Statement query(db_, "SELECT user_id, kind, fingerprint FROM guard_held_changes WHERE target = ?1 ORDER BY user_id");
  query.bind(target);
  std::vector<HeldChange> out;
  while (query.step()) out.push_back({query.text(0), query.text(1), query.text(2)});
  return out;
}

std::optional<GuardHold> Store::approve(const std::string& target, const std::optional<std::string>& batch,
                                        int64_t now_ms) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  const int64_t changed =
      Statement(db_, "UPDATE guard_holds SET approved_ms = ?2 WHERE target = ?1 AND (?3 IS NULL OR batch = ?3)")
          .bind(target, now_ms, batch)
          .run();
  if (changed == 0) return std::nullopt;
  Statement query(db_, std::string(kSelectHold) + "WHERE target = ?1");
  query.bind(target).step();
  GuardHold hold = read_hold(query);
  tx.commit();
  return hold;
}

void Store::keep_held(const std::string& target, const std::vector<std::string>& user_ids) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  const std::set<std::string> keep(user_ids.begin(), user_ids.end());
  std::vector<std::string> drop;
  Statement held(db_, "SELECT user_id FROM guard_held_changes WHERE target = ?1");
  held.bind(target);
  while (held.step()) {
    if (!keep.count(held.text(0))) drop.push_back(held.text(0));
  }
  for (const auto& id : drop) {
    Statement(db_, "DELETE FROM guard_held_changes WHERE target = ?1 AND user_id = ?2").bind(target, id).run();
  }
  Statement left(db_, "SELECT 1 FROM guard_held_changes WHERE target = ?1 LIMIT 1");
  if (!left.bind(target).step()) Statement(db_, "DELETE FROM guard_holds WHERE target = ?1").bind(target).run();
  tx.commit();
}

void Store::release(const std::string& target) {
  std::lock_guard lock(mu_);
  Transaction tx(db_);
  Statement(db_, "DELETE FROM guard_held_changes WHERE target = ?1").bind(target).run();
  Statement(db_, "DELETE FROM guard_holds WHERE target = ?1").bind(target).run();
  tx.commit();
}

}  // namespace idb::state
