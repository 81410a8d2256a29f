#pragma once
// Group membership on an LDAP target: every SCIM group becomes a group entry
// whose members are its members' accounts there (mapping/group_mapping.h).
// This is the shell around the pure group planner (reconcile/group_planner.h):
// it gathers what the entries should be from the store, reads them on the
// target, and sends the planned operations (one value added or removed per
// change). The DN each group's entry was last written at is kept in state as
// an account link "group:<SCIM group id>", so a renamed group's entry is
// renamed and a deleted group's entry deleted.
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "daemon/user_plan.h"
#include "mapping/group_mapping.h"
#include "reconcile/group_planner.h"
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
std::vector<reconcile::DesiredGroup> desired_groups(const mapping::GroupMapping& mapping,
                                                    const std::vector<state::Group>& groups,
                                                    const std::vector<state::Membership>& memberships,
                                                    const std::unordered_map<std::string, std::string>& member_values);

// User id -> what will name the user in a group once the account changes
// pending for it are applied (nullopt: it will have no account there, or a
// disabled one: a user who left the target's scope leaves its groups too).
using PendingMembers = std::unordered_map<std::string, std::optional<std::string>>;

// Notes, for a target with a group mapping, what names the user once `plan`
// is applied, when the plan changes the account at all.
void note_pending_member(const TargetBinding& target, const std::string& user_id, const UserPlan& plan,
                         PendingMembers& pending);

// Whether applying `plan` can change what names the user in the target's
// groups, from what `before` (its baseline) names: its account created,
// deleted, disabled or enabled, renamed (a DN member), or its member
// attribute changed (memberUid's uid). Always false without a group mapping.
bool moves_membership(const TargetBinding& target, const std::optional<state::Baseline>& before,
                      const UserPlan& plan);

// Every group entry's plan on `target` (members are the accounts idbridge has
// written, or will have once `pending` is applied, as the daemon syncs groups
// after the users): reads the target, writes nothing. Empty for a target
// without a group mapping.
std::vector<reconcile::GroupPlan> plan_groups(const TargetBinding& target, state::Store& store,
                                              const PendingMembers& pending = {});

// What plan_groups gives for the group entries whose members (directly)
// include one of `members`, and for those only: the groups are read from the
// store, but only their members' baselines (by id) and only their entries
// on the target (one read each, or the paged read when they are many of
// them). A nested group is named by its entry's DN, which no account moves,
// so the groups holding it need no new plan. With the SCIM groups as they
// were at the last full sync, and `members` every user whose account moved
// in a group's eyes since (moves_membership), this finds what a full plan finds.
std::vector<reconcile::GroupPlan> plan_groups_of_members(const TargetBinding& target, state::Store& store,
                                                         const std::unordered_set<std::string>& members);

// Sends the operations of `plans` in one pipelined batch and, for each plan
// whose operations all succeeded, keeps (or forgets) its link. One Status
// per plan: its first failure, if any. Each plan is an audit row naming `source`.
std::vector<connectors::Status> apply_group_plans(const TargetBinding& target, state::Store& store,
                                                  const std::vector<const reconcile::GroupPlan*>& plans,
                                                  const std::string& source);

// Brings every group entry of `target` in line; a target without a group mapping has nothing to do.
GroupSyncSummary sync_groups(const TargetBinding& target, state::Store& store);
// Brings in line the group entries plan_groups_of_members plans.
GroupSyncSummary sync_groups_of_members(const TargetBinding& target, state::Store& store,
                                        const std::unordered_set<std::string>& members);

}  // namespace idb::daemon
