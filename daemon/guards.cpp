#include "daemon/guards.h"

#include <algorithm>

namespace idb::daemon {

void tally(reconcile::RunCounts& counts, const UserPlan& plan) {
  counts.disables += plan.kind == UserPlan::Kind::disable || plan.kind == UserPlan::Kind::remove ? 1 : 0;
  counts.deletes += plan.kind == UserPlan::Kind::remove ? 1 : 0;
  counts.modifies += plan.kind == UserPlan::Kind::update ? 1 : 0;
}

std::optional<std::string> guard_verdict(state::Store& store, const TargetBinding& target,
                                         reconcile::RunCounts counts) {
  // Shares count from percent_floor changes on: only then is the target's share counted (a query per round).
  if (std::max(counts.disables, counts.modifies) >= target.guards.percent_floor) {
    counts.accounts = store.count_baselines(target.connector->name());
  }
  return reconcile::held_by_guard(counts, target.guards);
}

std::string held_counts(const state::GuardHold& hold) {
  return std::to_string(hold.updates) + " update(s), " + std::to_string(hold.disables) + " disable(s), " +
         std::to_string(hold.deletes) + " delete(s), " + std::to_string(hold.creates) + " create(s)";
}

}  // namespace idb::daemon
