#pragma once
// What the audit log records of one change to a target: pure, from the plan
// that was applied (or failed to apply).
#include <cstdint>
#include <string>

#include "connectors/connector.h"
#include "daemon/user_plan.h"
#include "reconcile/group_planner.h"
#include "state/store.h"

namespace idb::daemon {

// The row for `plan` applied to `target` for `user` at `now_ms`, because of
// `source`; `failure` when the target refused it (outcome failed, its code).
// The values of `secrets` (its mapping's, TargetMapping::secrets) are not recorded.
state::AuditRecord audit_record(const std::string& target, const mapping::SecretAttributes& secrets,
                                const state::User& user, const UserPlan& plan,
                                const std::string& source, int64_t now_ms,
                                const connectors::Failure* failure = nullptr);

// The row for one operation written outside a plan: `conflicts resolve
// --take source` writing a manual attribute's source value (action update).
state::AuditRecord audit_record(const std::string& target, const mapping::SecretAttributes& secrets,
                                const state::User& user, const reconcile::Operation& op,
                                const std::string& source, int64_t now_ms,
                                const connectors::Failure* failure = nullptr);

// The row for a group entry's plan applied (daemon/group_sync.h): the SCIM
// group stands where a user would (id, displayName), the action is "group "
// and the plan's kind (group create, group update, group rename, group delete).
// `secrets`: the group mapping's (GroupMapping::secrets).
state::AuditRecord group_audit_record(const std::string& target, const mapping::SecretAttributes& secrets,
                                      const reconcile::GroupPlan& plan, const std::string& source, int64_t now_ms,
                                      const connectors::Failure* failure = nullptr);

}  // namespace idb::daemon
