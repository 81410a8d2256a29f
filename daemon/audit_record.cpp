#include "daemon/audit_record.h"

namespace idb::daemon {
namespace {

const char* change_name(reconcile::ChangeKind kind) {
  switch (kind) {
    case reconcile::ChangeKind::add: return "add";
    case reconcile::ChangeKind::remove: return "remove";
    case reconcile::ChangeKind::replace: return "replace";
  }
  return "?";
}

// What `op` writes, added to `r`: its attributes (a secret's without its
// values), or where it moves the account.
void add_operation(state::AuditRecord& r, const reconcile::Operation& op, const mapping::SecretAttributes& secrets) {
  const auto change_of = [&](const std::string& attribute, std::string change, const mapping::Values& values) {
    return state::AuditChange{attribute, std::move(change), secrets(attribute) ? std::nullopt : std::optional(values)};
  };
  switch (op.kind) {
    case reconcile::Operation::Kind::create:
      for (const auto& [attribute, values] : op.attributes) r.changes.push_back(change_of(attribute, "set", values));
      break;
    case reconcile::Operation::Kind::modify:
      for (const auto& c : op.changes) r.changes.push_back(change_of(c.attribute, change_name(c.kind), c.values));
      break;
    case reconcile::Operation::Kind::rename:
      r.previous_key = op.key;
      r.account_key = op.new_key;
      break;
    case reconcile::Operation::Kind::remove: break;
  }
}

void set_outcome(state::AuditRecord& r, const connectors::Failure* failure) {
  r.outcome = failure ? "failed" : "applied";
  if (failure) r.error = failure->code;
}

}  // namespace

state::AuditRecord audit_record(const std::string& target, const mapping::SecretAttributes& secrets,
                                const state::User& user, const UserPlan& plan, const std::string& source,
                                int64_t now_ms, const connectors::Failure* failure) {
  state::AuditRecord r{.at_ms = now_ms, .target = target, .user_id = user.id, .user_name = user.user_name,
                       .action = to_string(plan.kind), .source = source};
  // A deleted account has no desired key worth naming: the one it had.
  r.account_key = plan.kind == UserPlan::Kind::remove && plan.observed ? plan.observed->key : plan.desired.key;
  for (const auto& op : plan.operations) {
    add_operation(r, op, secrets);
    // A disable that moves the entry stays a disable; a move alone is a rename.
    if (op.kind == reconcile::Operation::Kind::rename && plan.kind == UserPlan::Kind::update) r.action = "rename";
  }
  set_outcome(r, failure);
  return r;
}

state::AuditRecord audit_record(const std::string& target, const mapping::SecretAttributes& secrets,
                                const state::User& user, const reconcile::Operation& op, const std::string& source,
                                int64_t now_ms, const connectors::Failure* failure) {
  state::AuditRecord r{.at_ms = now_ms, .target = target, .user_id = user.id, .user_name = user.user_name,
                       .action = "update", .account_key = op.key, .source = source};
  add_operation(r, op, secrets);
  set_outcome(r, failure);
  return r;
}

state::AuditRecord group_audit_record(const std::string& target, const mapping::SecretAttributes& secrets,
                                      const reconcile::GroupPlan& plan, const std::string& source, int64_t now_ms,
                                      const connectors::Failure* failure) {
  state::AuditRecord r{.at_ms = now_ms, .target = target, .user_id = plan.group_id, .user_name = plan.name,
                       .action = std::string("group ") + reconcile::to_string(plan.kind), .account_key = plan.key,
                       .source = source};
  for (const auto& op : plan.operations) add_operation(r, op, secrets);
  set_outcome(r, failure);
  return r;
}

}  // namespace idb::daemon
