#pragma once
// The guards as `plan` and the daemon apply them to a target, so that a plan
// says exactly what the daemon will hold: the same counts of the same
// changes against the same share of the target.
#include <optional>
#include <string>

#include "daemon/user_plan.h"
#include "reconcile/guards.h"
#include "state/store.h"

namespace idb::daemon {

// Counts the plan's disables, deletes and updates, for the guards.
void tally(reconcile::RunCounts& counts, const UserPlan& plan);

// Why the guards hold these changes of `target`, or nullopt when they may be
// applied. Shares count against the accounts idbridge manages there (one
// baseline each): known from the state alone, the same for a full plan and
// for a daemon round that reads only the accounts of its due users.
std::optional<std::string> guard_verdict(state::Store& store, const TargetBinding& target,
                                         reconcile::RunCounts counts);

// "4 update(s), 1 disable(s), 2 delete(s), 0 create(s)": what a held batch holds.
std::string held_counts(const state::GuardHold& hold);

}  // namespace idb::daemon
