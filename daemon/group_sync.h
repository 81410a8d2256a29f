#pragma once
// Group membership on an LDAP target: every SCIM group becomes a group entry
// whose members are its members' accounts there (mapping/group_mapping.h).
// What the entries should hold is computed purely; syncing reads each entry
// and sends only the differences (one value added or removed per change),
// creating the entries that are missing.
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/user_plan.h"
#include "mapping/group_mapping.h"
#include "state/store.h"

namespace idb::daemon {

struct GroupSyncSummary {
  int changed = 0;  // entries created or modified
  int failed = 0;   // entries the target refused or could not be read
};

// The entries `mapping` wants. `member_values`: user id -> what names that
// user in a group (its account's DN, or e.g. its uid), for users that are
// live, active and have an account on the target; anyone else is no member.
// A group whose DN cannot be rendered is left out, as is an empty group
// where its object class needs a member (groupOfNames): it stays as it is.
std::vector<mapping::Desired> desired_groups(const mapping::GroupMapping& mapping,
                                             const std::vector<state::Group>& groups,
                                             const std::vector<state::Membership>& memberships,
                                             const std::unordered_map<std::string, std::string>& member_values);

// Brings every group entry of `target` in line; a target without a group mapping has nothing to do.
GroupSyncSummary sync_groups(const TargetBinding& target, state::Store& store);

}  // namespace idb::daemon
