#pragma once
// Plans one user on one target: map the user, find the account (following a
// renamed key), decide per attribute, and derive the operations. Reads the
// target but writes nothing, so the daemon's worker and the dry-run `plan`
// share exactly the same decisions.
#include <functional>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "connectors/connector.h"
#include "mapping/mapping.h"
#include "reconcile/guards.h"
#include "reconcile/lifecycle.h"
#include "reconcile/three_way.h"
#include "state/store.h"

namespace idb::daemon {

struct TargetBinding {
  connectors::Connector* connector;
  const mapping::TargetMapping* mapping;
  reconcile::DisableMark disable;
  reconcile::Policies policies;
  reconcile::GuardLimits guards;
  reconcile::DeletePolicy deletion{};
  reconcile::LeavingScope leaving_scope = reconcile::LeavingScope::disable;
};

struct UserPlan {
  // skip: the user is outside the target's scope and not linked there (or the
  // target keeps accounts leaving it), or disabled without an account there.
  // remove: the account is deleted (the delete policy's grace period has passed).
  enum class Kind { create, update, disable, remove, noop, skip };
  Kind kind = Kind::noop;
  bool disabled = false;                      // the user is deleted or inactive at the source, or left the scope
  // The target's scope filter, when the user has left it and the account
  // idbridge wrote is disabled for that (empty otherwise): what the report says why.
  std::string out_of_scope;
  mapping::Desired desired;                   // after the lifecycle overlay
  std::optional<reconcile::Account> observed;  // the account as found (nullopt: none)
  reconcile::Decision decision;
  std::vector<reconcile::Operation> operations;
  // Of desired, baseline and observed (what the decision rests on), when
  // there are operations: what a saved plan or a held change is checked against.
  std::string fingerprint;
  // Correlation of a user never linked on this target, by the mapping's
  // `correlate:` keys in order: the key that found the one account linked
  // ("employeeNumber=1234"), or, when several matched, all their keys (kind
  // skip: a person picks one in the review queue).
  std::string correlated_by;
  std::vector<std::string> candidates;
  // A disabled account: since when (what the baseline keeps), and when the
  // delete policy deletes it (nullopt: never).
  std::optional<int64_t> disabled_since_ms;
  std::optional<int64_t> delete_due_ms;
  // The account's version as our last write left it (the baseline's) and as
  // read: the same, nobody wrote it since (issue 7). Empty: unknown. Only
  // reports read them, so a kept change does not carry them.
  std::string written_version;
  std::string observed_version;

  // What to remember as last written once applied, with the account's
  // `version` the write left (what the target said; empty: unknown); nullopt after a delete.
  std::optional<state::Baseline> next_baseline(std::string version) const;
};
const char* to_string(UserPlan::Kind kind);

// How an account is looked up: by default one read on the target; a full
// plan serves them from one paged read of the whole target instead.
using AccountReader = std::function<connectors::Result<std::optional<connectors::Observed>>(
    const std::string& key, const std::vector<std::string>& attributes)>;

// A Failure when the mapping cannot build the account (permanent) or the
// target cannot be read. `now_ms` decides whether a pending delete is due.
// `accepted`: the divergences of manual attributes an administrator accepted for this user.
connectors::Result<UserPlan> plan_user(const TargetBinding& target, const state::User& user,
                                       const std::optional<state::Baseline>& baseline, int64_t now_ms,
                                       const AccountReader& reader = nullptr,
                                       const reconcile::AcceptedDivergences& accepted = {});

// The divergences an administrator accepted ("take target" in the review
// queue) for one user on one target, as the planner takes them.
reconcile::AcceptedDivergences accepted_for(state::Store& store, const std::string& target, const std::string& user_id);

// Every accepted divergence of one target, by user id (for a full plan).
std::unordered_map<std::string, reconcile::AcceptedDivergences> accepted_on(state::Store& store,
                                                                            const std::string& target);

}  // namespace idb::daemon
