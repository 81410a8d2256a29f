#include "reconcile/three_way.h"

#include "reconcile/values.h"

namespace idb::reconcile {

const char* to_string(Verdict verdict) {
  switch (verdict) {
    case Verdict::in_sync: return "in_sync";
    case Verdict::apply_source: return "apply_source";
    case Verdict::revert_drift: return "revert_drift";
    case Verdict::keep_target: return "keep_target";
    case Verdict::converged: return "converged";
    case Verdict::conflict: return "conflict";
  }
  return "?";
}

Authority Policies::of(const std::string& attribute) const {
  const auto it = per_attribute.find(attribute);
  return it == per_attribute.end() ? fallback : it->second;
}

Policies policies_for(const mapping::TargetMapping& mapping) {
  Policies policies;
  for (const auto& attribute : mapping.managed_attributes()) {
    policies.per_attribute[attribute] = mapping.authority(attribute);
  }
  return policies;
}

namespace {

// The verdict for one attribute of an existing account.
Verdict judge(const AttributeDecision& a, bool additive, const Accepted* accepted) {
  const bool target_matches = same_values(a.desired, a.observed, additive);
  const bool source_changed = !a.baseline || !same_values(a.desired, *a.baseline);
  const bool target_changed = a.baseline && !same_values(*a.baseline, a.observed, additive);
  if (target_matches) return source_changed && target_changed ? Verdict::converged : Verdict::in_sync;
  // A person decides every divergence of a manual attribute; idbridge never writes one.
  if (a.authority == Authority::manual) {
    const bool was_accepted =
        accepted && same_values(a.desired, accepted->desired) && same_values(a.observed, accepted->observed);
    return was_accepted ? Verdict::keep_target : Verdict::conflict;
  }
  if (a.authority == Authority::create_only) return Verdict::keep_target;
  if (!a.baseline && !a.observed.empty()) {
    // A value we never wrote (an account found by correlation, or an
    // attribute newly mapped): only the source's own attributes overwrite it.
    return a.authority == Authority::source ? Verdict::apply_source : Verdict::keep_target;
  }
  if (!target_changed) return Verdict::apply_source;
  if (a.authority == Authority::source) return source_changed ? Verdict::apply_source : Verdict::revert_drift;
  return Verdict::keep_target;
}

}  // namespace

Decision decide(const mapping::Desired& desired, const std::optional<mapping::Attributes>& baseline,
                const std::optional<Account>& observed, const Policies& policies, const AcceptedDivergences& accepted,
                const PlanOptions& options) {
  Decision d;
  d.effective = desired;
  for (const auto& [name, want] : desired.attributes) {
    AttributeDecision a{name, policies.of(name), Verdict::in_sync, std::nullopt, {}, want, want};
    if (baseline) {
      if (const auto it = baseline->find(name); it != baseline->end()) a.baseline = it->second;
    }
    if (!observed) {
      a.verdict = want.empty() ? Verdict::in_sync
                  : a.authority == Authority::manual ? Verdict::conflict
                                                     : Verdict::apply_source;
    } else {
      if (const auto it = observed->attributes.find(name); it != observed->attributes.end()) a.observed = it->second;
      const auto acc = accepted.find(name);
      a.verdict = judge(a, options.additive.count(name) > 0, acc == accepted.end() ? nullptr : &acc->second);
    }
    if (a.verdict == Verdict::keep_target || a.verdict == Verdict::conflict) {
      a.result = a.observed;
      d.effective.attributes[name] = a.observed;
      if (a.baseline) d.next_baseline[name] = *a.baseline;
      d.conflict |= a.verdict == Verdict::conflict;
    } else {
      d.next_baseline[name] = a.result;
    }
    d.attributes.push_back(std::move(a));
  }
  return d;
}

}  // namespace idb::reconcile
