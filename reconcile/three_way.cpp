#include "reconcile/three_way.h"

#include "reconcile/name_cursor.h"
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

const mapping::Values kNone;

// One attribute's three sides, by reference: deciding copies nothing, so an
// attribute in sync (most of every plan) costs no allocation.
struct Sides {
  const mapping::Values& desired;
  const mapping::Values* baseline;  // null when we never wrote it
  const mapping::Values& observed;
};

// The verdict for one attribute of an existing account.
Verdict judge(const Sides& s, Authority authority, bool additive, const Accepted* accepted) {
  const bool target_matches = same_values(s.desired, s.observed, additive);
  const bool source_changed = !s.baseline || !same_values(s.desired, *s.baseline);
  // Asked only where it decides: an attribute in sync (nearly all) is settled by the first two.
  const auto target_changed = [&] { return s.baseline && !same_values(*s.baseline, s.observed, additive); };
  if (target_matches) return source_changed && target_changed() ? Verdict::converged : Verdict::in_sync;
  // A person decides every divergence of a manual attribute; idbridge never writes one.
  if (authority == Authority::manual) {
    const bool was_accepted =
        accepted && same_values(s.desired, accepted->desired) && same_values(s.observed, accepted->observed);
    return was_accepted ? Verdict::keep_target : Verdict::conflict;
  }
  if (authority == Authority::create_only) return Verdict::keep_target;
  if (!s.baseline && !s.observed.empty()) {
    // A value we never wrote (an account found by correlation, or an
    // attribute newly mapped): only the source's own attributes overwrite it.
    return authority == Authority::source ? Verdict::apply_source : Verdict::keep_target;
  }
  if (!target_changed()) return Verdict::apply_source;
  if (authority == Authority::source) return source_changed ? Verdict::apply_source : Verdict::revert_drift;
  return Verdict::keep_target;
}

}  // namespace

bool target_stays(Verdict verdict) { return verdict == Verdict::keep_target || verdict == Verdict::conflict; }

bool edited_on_target(const AttributeDecision& decision) {
  return decision.baseline && !same_values(*decision.baseline, decision.observed);
}

Decision decide(const mapping::Desired& desired, const mapping::Attributes* baseline,
                const std::optional<Account>& observed, const Policies& policies, const AcceptedDivergences& accepted,
                const PlanOptions& options) {
  Decision d;
  NameCursor<decltype(policies.per_attribute)> authorities(&policies.per_attribute);
  NameCursor<mapping::Attributes> baselines(baseline);
  NameCursor<mapping::Attributes> observations(observed ? &observed->attributes : nullptr);
  NameCursor<decltype(options.additive)> additives(&options.additive);
  for (const auto& [name, want] : desired.attributes) {
    const auto* own = authorities.find(name);
    const Authority authority = own ? own->second : policies.fallback;
    const auto* observed_values = observations.find(name);
    const auto* baseline_values = baselines.find(name);
    const bool additive = additives.find(name) != nullptr;
    const Sides sides{want, baseline_values ? &baseline_values->second : nullptr,
                      observed_values ? observed_values->second : kNone};
    Verdict verdict;
    if (!observed) {
      verdict = want.empty() ? Verdict::in_sync
                : authority == Authority::manual ? Verdict::conflict
                                                 : Verdict::apply_source;
    } else {
      const auto acc = accepted.find(name);
      verdict = judge(sides, authority, additive, acc == accepted.end() ? nullptr : &acc->second);
    }
    d.conflict |= verdict == Verdict::conflict;
    if (verdict == Verdict::in_sync) continue;
    d.attributes.push_back({name, authority, verdict,
                            sides.baseline ? std::optional<mapping::Values>(*sides.baseline) : std::nullopt,
                            sides.observed, want, target_stays(verdict) ? sides.observed : want});
  }
  return d;
}

Decision decide(const mapping::Desired& desired, const std::optional<mapping::Attributes>& baseline,
                const std::optional<Account>& observed, const Policies& policies, const AcceptedDivergences& accepted,
                const PlanOptions& options) {
  return decide(desired, baseline ? &*baseline : nullptr, observed, policies, accepted, options);
}

DecisionWalk::DecisionWalk(const Decision& decision)
    : at_(decision.attributes.data()), end_(decision.attributes.data() + decision.attributes.size()) {}

const AttributeDecision* DecisionWalk::of(const std::string& name) {
  // Listed under desired's own spelling, in its order: a plain comparison finds it.
  if (at_ == end_ || at_->attribute != name) return nullptr;
  return at_++;
}

mapping::Attributes next_baseline(const mapping::Desired& desired, const Decision& decision) {
  mapping::Attributes out;
  DecisionWalk decided(decision);
  for (const auto& [name, want] : desired.attributes) {
    // desired.attributes is in name order, so every insertion lands at the end.
    const AttributeDecision* a = decided.of(name);
    if (!a || !target_stays(a->verdict)) {
      out.emplace_hint(out.end(), name, want);
    } else if (a->baseline) {
      out.emplace_hint(out.end(), name, *a->baseline);
    }
  }
  return out;
}

}  // namespace idb::reconcile
