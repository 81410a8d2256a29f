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
  const bool target_changed = s.baseline && !same_values(*s.baseline, s.observed, additive);
  if (target_matches) return source_changed && target_changed ? Verdict::converged : Verdict::in_sync;
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
  if (!target_changed) return Verdict::apply_source;
  if (authority == Authority::source) return source_changed ? Verdict::apply_source : Verdict::revert_drift;
  return Verdict::keep_target;
}

// Looks names up in a map sorted as desired.attributes is, asked in that
// order: each lookup steps on from the last instead of searching the tree.
template <typename Map>
class Cursor {
 public:
  explicit Cursor(const Map* map) : map_(map) {
    if (map_) at_ = map_->begin();
  }
  const typename Map::mapped_type* find(const std::string& name) {
    if (!map_) return nullptr;
    // Names are nearly always spelled alike on all sides: a plain comparison
    // settles those without folding case letter by letter.
    if (at_ != map_->end() && at_->first == name) return &at_->second;
    const auto less = map_->key_comp();
    while (at_ != map_->end() && less(at_->first, name)) ++at_;
    return at_ != map_->end() && !less(name, at_->first) ? &at_->second : nullptr;
  }

 private:
  const Map* map_;
  typename Map::const_iterator at_;
};

}  // namespace

Decision decide(const mapping::Desired& desired, const mapping::Attributes* baseline,
                const std::optional<Account>& observed, const Policies& policies, const AcceptedDivergences& accepted,
                const PlanOptions& options) {
  Decision d;
  d.effective = desired;
  d.attributes.reserve(desired.attributes.size());
  Cursor<decltype(policies.per_attribute)> authorities(&policies.per_attribute);
  Cursor<mapping::Attributes> baselines(baseline);
  Cursor<mapping::Attributes> observations(observed ? &observed->attributes : nullptr);
  for (const auto& [name, want] : desired.attributes) {
    const Authority* own = authorities.find(name);
    const Authority authority = own ? *own : policies.fallback;
    const mapping::Values* observed_values = observations.find(name);
    const Sides sides{want, baselines.find(name), observed_values ? *observed_values : kNone};
    Verdict verdict;
    if (!observed) {
      verdict = want.empty() ? Verdict::in_sync
                : authority == Authority::manual ? Verdict::conflict
                                                 : Verdict::apply_source;
    } else {
      const auto acc = accepted.find(name);
      verdict = judge(sides, authority, options.additive.count(name) > 0,
                      acc == accepted.end() ? nullptr : &acc->second);
    }
    // desired.attributes is in name order, so every insertion lands at the end.
    const bool target_stays = verdict == Verdict::keep_target || verdict == Verdict::conflict;
    if (!target_stays) {
      d.next_baseline.emplace_hint(d.next_baseline.end(), name, want);
    } else {
      d.effective.attributes[name] = sides.observed;
      if (sides.baseline) d.next_baseline.emplace_hint(d.next_baseline.end(), name, *sides.baseline);
      d.conflict |= verdict == Verdict::conflict;
    }
    if (verdict == Verdict::in_sync) {
      d.attributes.push_back({name, authority, verdict, std::nullopt, {}, {}, want});
      continue;
    }
    d.attributes.push_back({name, authority, verdict,
                            sides.baseline ? std::optional<mapping::Values>(*sides.baseline) : std::nullopt,
                            sides.observed, want, target_stays ? sides.observed : want});
  }
  return d;
}

Decision decide(const mapping::Desired& desired, const std::optional<mapping::Attributes>& baseline,
                const std::optional<Account>& observed, const Policies& policies, const AcceptedDivergences& accepted,
                const PlanOptions& options) {
  return decide(desired, baseline ? &*baseline : nullptr, observed, policies, accepted, options);
}

}  // namespace idb::reconcile
