// The audit log of the Store (declared in store.h): what idbridge changed on
// its targets, kept append-only.
#include "state/attributes_json.h"
#include "state/sqlite.h"
#include "state/store.h"

namespace idb::state {
namespace {

using sql::Statement;

// As nlohmann's compact dump of [{"attribute", "change", "values"}, ...]
// writes it, without a json tree: a sync writes one per change it applies.
std::string changes_text(const std::vector<AuditChange>& changes) {
  std::string out = "[";
  for (const auto& c : changes) {
    if (out.size() > 1) out += ',';
    out += "{\"attribute\":";
    append_json_string(out, c.attribute, BadUtf8::replace);
    out += ",\"change\":";
    append_json_string(out, c.change, BadUtf8::replace);
    if (c.values) {
      out += ",\"values\":";
      // Values are what the target holds, bytes not always UTF-8: replaced, never refused.
      append_json_strings(out, *c.values, BadUtf8::replace);
    }
    out += '}';
  }
  out += ']';
  return out;
}

std::vector<AuditChange> read_changes(const std::string& text) {
  try {
    std::vector<AuditChange> changes;
    for (const auto& one : nlohmann::json::parse(text)) {
      AuditChange c{one.at("attribute").get<std::string>(), one.at("change").get<std::string>(), std::nullopt};
      if (one.contains("values")) c.values = one["values"].get<mapping::Values>();
      changes.push_back(std::move(c));
    }
    return changes;
  } catch (const nlohmann::json::exception& e) {
    throw StoreError("state store: corrupt audit row changes: " + std::string(e.what()));
  }
}

}  // namespace

void Store::insert_audit(const AuditRecord& r) {
  Statement(db_,
            "INSERT INTO audit_log (at_ms, target, user_id, user_name, action, account_key, previous_key, changes,"
            " outcome, error, source) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)")
      .bind(r.at_ms, r.target, r.user_id, r.user_name, r.action, r.account_key, r.previous_key,
            changes_text(r.changes), r.outcome, r.error, r.source)
      .run();
}

void Store::append_audit(const AuditRecord& record) {
  std::lock_guard lock(mu_);
  insert_audit(record);
}

std::vector<AuditRecord> Store::audit(const AuditQuery& q) {
  std::lock_guard lock(mu_);
  // An absent filter binds NULL, which selects all.
  Statement query(db_,
                  "SELECT id, at_ms, target, user_id, user_name, action, account_key, previous_key, changes, outcome,"
                  " error, source FROM audit_log"
                  " WHERE (?1 IS NULL OR target = ?1)"
                  " AND (?2 IS NULL OR user_id = ?2 OR user_name = ?2 COLLATE NOCASE)"
                  " AND (?3 IS NULL OR at_ms >= ?3) ORDER BY id");
  query.bind(q.target, q.user, q.since_ms);
  std::vector<AuditRecord> rows;
  while (query.step()) {
    rows.push_back(AuditRecord{
        .id = query.int64(0),
        .at_ms = query.int64(1),
        .target = query.text(2),
        .user_id = query.text(3),
        .user_name = query.text(4),
        .action = query.text(5),
        .account_key = query.text(6),
        .previous_key = query.text(7),
        .changes = read_changes(query.text(8)),
        .outcome = query.text(9),
        .error = query.text(10),
        .source = query.text(11),
    });
  }
  return rows;
}

int64_t Store::prune_audit(int64_t before_ms) {
  std::lock_guard lock(mu_);
  return Statement(db_, "DELETE FROM audit_log WHERE at_ms < ?1").bind(before_ms).run();
}

}  // namespace idb::state
