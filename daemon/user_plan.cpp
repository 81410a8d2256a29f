#include "daemon/user_plan.h"

#include <algorithm>

#include "reconcile/fingerprint.h"
#include "scim/user_resource.h"

namespace idb::daemon {

const char* to_string(UserPlan::Kind kind) {
  switch (kind) {
    case UserPlan::Kind::create: return "create";
    case UserPlan::Kind::update: return "update";
    case UserPlan::Kind::disable: return "disable";
    case UserPlan::Kind::remove: return "delete";
    case UserPlan::Kind::noop: return "no-op";
    case UserPlan::Kind::skip: return "skip";
  }
  return "?";
}

connectors::Result<UserPlan> plan_user(const TargetBinding& target, const state::User& user,
                                       const std::optional<state::Baseline>& baseline, int64_t now_ms,
                                       const AccountReader& reader,
                                       const reconcile::AcceptedDivergences& accepted) {
  UserPlan plan;
  auto mapped = target.mapping->apply(user.resource);
  if (auto* why = std::get_if<std::string>(&mapped)) {
    return connectors::Failure{connectors::FailureKind::permanent, "mapping", *why};
  }
  plan.disabled = user.deleted || !scim::is_active(user.resource);
  if (auto* out = std::get_if<mapping::OutOfScope>(&mapped)) {
    // Outside the target's scope: not ours to manage there, but an account we
    // wrote is access the user should no longer have. It keeps what we last
    // wrote (the mapping is not meant for this user any more) and is disabled
    // like an inactive user's; back in scope, it is enabled like one.
    if (!baseline || target.leaving_scope == reconcile::LeavingScope::keep) {
      plan.kind = UserPlan::Kind::skip;
      return plan;
    }
    plan.out_of_scope = std::move(out->scope);
    plan.disabled = true;
    mapped = mapping::Desired{baseline->key, baseline->attributes};
  }
  plan.desired = reconcile::apply_lifecycle(std::get<mapping::Desired>(std::move(mapped)), plan.disabled, target.disable);

  std::vector<std::string> wanted;
  for (const auto& [name, values] : plan.desired.attributes) wanted.push_back(name);
  const AccountReader read = reader ? reader : [&target](const std::string& key, const std::vector<std::string>& attrs) {
    return target.connector->read(key, attrs);
  };
  auto found = read(plan.desired.key, wanted);
  if (!found) return found.failure();
  // The key template's output changed since we last wrote: the account is
  // still where we put it, and is renamed rather than created again.
  if (!found.value() && baseline && baseline->key != plan.desired.key) {
    found = read(baseline->key, wanted);
    if (!found) return found.failure();
  }
  // Never linked and nothing at our key: an account made before idbridge may
  // be this user's; the mapping's correlation keys, in order, find it.
  if (!found.value() && !baseline && !plan.disabled) {
    for (const auto& attribute : target.mapping->correlation_keys()) {
      const auto values = plan.desired.attributes.find(attribute);
      if (values == plan.desired.attributes.end() || values->second.empty() ||
          !target.connector->can_find_by(attribute)) {
        continue;
      }
      auto matches = target.connector->find_by(attribute, values->second.front(), wanted);
      if (!matches) return matches.failure();
      if (matches.value().empty()) continue;
      plan.correlated_by = attribute + "=" + values->second.front();
      if (matches.value().size() == 1) {
        found = std::optional<connectors::Observed>(std::move(matches.value().front()));
        break;
      }
      for (const auto& m : matches.value()) plan.candidates.push_back(m.key);
      std::sort(plan.candidates.begin(), plan.candidates.end());
      plan.kind = UserPlan::Kind::skip;
      return plan;
    }
  }
  if (baseline) plan.written_version = baseline->version;
  if (found.value()) {
    plan.observed_version = std::move(found.value()->version);
    plan.observed = reconcile::Account{found.value()->key, std::move(found.value()->attributes)};
  }

  const mapping::Attributes* last_written = baseline ? &baseline->attributes : nullptr;
  // Only operations are ever applied later (a saved plan, a held change) and
  // checked against it; hashing every no-op of a full plan cost a quarter of it.
  // (So only then is the baseline copied into the optional fingerprint takes.)
  const auto rests_on = [&] {
    return reconcile::fingerprint(plan.desired, baseline ? std::optional(baseline->attributes) : std::nullopt,
                                  plan.observed);
  };
  if (!plan.observed && plan.disabled) {
    plan.kind = UserPlan::Kind::skip;  // never create an account only to disable it
    return plan;
  }
  if (plan.disabled) {
    plan.disabled_since_ms = baseline && baseline->disabled_ms ? *baseline->disabled_ms : now_ms;
    // Only an account we linked is ever deleted: one merely found at our key
    // may be someone's own, and is disabled at most.
    if (baseline) {
      plan.delete_due_ms = reconcile::delete_due_ms(target.deletion, user.deleted, plan.disabled, baseline->disabled_ms,
                                                    now_ms);
    }
    if (plan.delete_due_ms && *plan.delete_due_ms <= now_ms) {
      plan.kind = UserPlan::Kind::remove;
      plan.operations.push_back({reconcile::Operation::Kind::remove, plan.observed->key, {}, {}, {}});
      plan.fingerprint = rests_on();
      return plan;
    }
  }
  plan.decision = reconcile::decide(plan.desired, last_written, plan.observed, target.policies, accepted);
  plan.operations = reconcile::plan(plan.desired, plan.decision, plan.observed);
  if (!plan.observed) {
    plan.kind = UserPlan::Kind::create;
  } else if (plan.operations.empty()) {
    plan.kind = UserPlan::Kind::noop;
  } else {
    plan.kind = plan.disabled ? UserPlan::Kind::disable : UserPlan::Kind::update;
  }
  if (!plan.operations.empty()) plan.fingerprint = rests_on();
  return plan;
}

std::optional<state::Baseline> UserPlan::next_baseline(std::string version) const {
  if (kind == Kind::remove) return std::nullopt;
  return state::Baseline{desired.key, reconcile::next_baseline(desired, decision), disabled_since_ms,
                         std::move(version)};
}

namespace {

reconcile::AcceptedDivergences accepted_divergences(const std::vector<state::ReviewItem>& items) {
  reconcile::AcceptedDivergences out;
  for (const auto& item : items) out[item.attribute] = reconcile::Accepted{item.source, item.observed};
  return out;
}

}  // namespace

reconcile::AcceptedDivergences accepted_for(state::Store& store, const std::string& target, const std::string& user_id) {
  const auto items = store.accepted(target, user_id);
  return items.empty() ? reconcile::AcceptedDivergences{} : accepted_divergences(items.begin()->second);
}

std::unordered_map<std::string, reconcile::AcceptedDivergences> accepted_on(state::Store& store,
                                                                            const std::string& target) {
  std::unordered_map<std::string, reconcile::AcceptedDivergences> out;
  for (const auto& [user_id, items] : store.accepted(target)) out.emplace(user_id, accepted_divergences(items));
  return out;
}

}  // namespace idb::daemon
