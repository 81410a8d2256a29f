#pragma once
// Group membership on an LDAP target: every SCIM group becomes a group entry
// whose members are its members' accounts there (mapping/group_mapping.h).
// What the entries should hold is computed purely; syncing reads each entry
// and sends only the differences (one value added or removed per change),
// creating the entries that are missing. The DN each group's entry was last
// written at is kept in state, so a renamed group's entry is renamed (not left
// behind with its old members beside a new one) and a deleted group's entry
// is deleted: a stale group would go on granting what it granted.
#include <string>
#include <unordered_map>
#include <vector>

#include "daemon/user_plan.h"
#include "mapping/group_mapping.h"
#include "state/store.h"

namespace idb::daemon {

struct GroupSyncSummary {
  int changed = 0;  // entries created, modified, renamed or deleted
  int failed = 0;   // entries the target refused or could not be read
};

// The entries `mapping` wants. `member_values`: user id -> what names that
// user in a group (its account's DN, or e.g. its uid), for users that are
// live, active and have an account on the target; anyone else is no member.
// A group whose DN cannot be rendered is left out, as is an empty group
// where its object class needs a member (groupOfNames): an entry idbridge
// wrote for it is deleted like a deleted group's, since it cannot be emptied.
struct DesiredGroup {
  std::string group_id;
  mapping::Desired entry;
};
std::vector<DesiredGroup> desired_groups(const mapping::GroupMapping& mapping,
                                             const std::vector<state::Group>& groups,
                                             const std::vector<state::Membership>& memberships,
                                             const std::unordered_map<std::string, std::string>& member_values);

// Brings every group entry of `target` in line; a target without a group mapping has nothing to do.
GroupSyncSummary sync_groups(const TargetBinding& target, state::Store& store);

}  // namespace idb::daemon
