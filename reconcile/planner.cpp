#include "reconcile/planner.h"

#include "reconcile/name_cursor.h"
#include "reconcile/three_way.h"
#include "reconcile/values.h"

namespace idb::reconcile {
namespace {

using mapping::Values;

// The changes that turn `observed` into `desired` for one attribute. After a
// rename the RDN value has already moved, so only idempotent replaces are safe.
void diff(const std::string& name, const Values& desired, const Values& observed, bool additive, bool replace_only,
          std::vector<AttributeChange>& out) {
  const Values missing = minus(desired, observed);
  const Values extra = additive ? Values{} : minus(observed, desired);
  if (missing.empty() && extra.empty()) return;
  if (desired.empty()) {
    out.push_back({name, ChangeKind::remove, {}});
  } else if (additive) {
    out.push_back({name, ChangeKind::add, missing});
  } else if (replace_only || observed.empty() || (desired.size() == 1 && observed.size() == 1)) {
    out.push_back({name, ChangeKind::replace, desired});
  } else {
    // Removes first: with a case-insensitive attribute, adding "Ann@x" while
    // "ann@x" is still there fails as a duplicate value.
    if (!extra.empty()) out.push_back({name, ChangeKind::remove, extra});
    if (!missing.empty()) out.push_back({name, ChangeKind::add, missing});
  }
}

// The operations making the target hold desired's value of each attribute
// `writes(name)` selects (asked every name of desired, in order); the others
// stay as the target holds them.
template <typename Writes>
std::vector<Operation> plan_writing(const mapping::Desired& desired, const std::optional<Account>& observed,
                                    const PlanOptions& options, Writes writes) {
  std::vector<Operation> ops;
  if (!observed) {
    Operation create{Operation::Kind::create, desired.key, {}, {}, {}};
    for (const auto& [name, values] : desired.attributes) {
      if (writes(name) && !values.empty()) create.attributes.emplace_hint(create.attributes.end(), name, values);
    }
    ops.push_back(std::move(create));
    return ops;
  }
  const bool renamed = observed->key != desired.key;
  if (renamed) ops.push_back({Operation::Kind::rename, observed->key, desired.key, {}, {}});

  static const Values kNone;
  std::vector<AttributeChange> changes;
  NameCursor<mapping::Attributes> observations(&observed->attributes);
  NameCursor<decltype(options.additive)> additives(&options.additive);
  for (const auto& [name, values] : desired.attributes) {
    // Every name is looked up, written or not: a cursor only steps forward.
    const auto* found = observations.find(name);
    const bool additive = additives.find(name) != nullptr;
    if (!writes(name)) continue;
    diff(name, values, found ? found->second : kNone, additive, renamed, changes);
  }
  if (!changes.empty()) ops.push_back({Operation::Kind::modify, desired.key, {}, {}, std::move(changes)});
  return ops;
}

}  // namespace

mapping::Desired apply_lifecycle(mapping::Desired desired, bool disabled, const DisableMark& mark) {
  if (disabled) {
    if (!mark.attribute.empty()) desired.attributes[mark.attribute] = {mark.value};
    if (mark.relocate) desired.key = mark.relocate(desired.key);
  } else if (!mark.attribute.empty() && !desired.attributes.count(mark.attribute)) {
    desired.attributes[mark.attribute] = {};
  }
  return desired;
}

std::vector<Operation> plan(const mapping::Desired& desired, const std::optional<Account>& observed,
                            const PlanOptions& options) {
  return plan_writing(desired, observed, options, [](const std::string&) { return true; });
}

std::vector<Operation> plan(const mapping::Desired& desired, const Decision& decision,
                            const std::optional<Account>& observed, const PlanOptions& options) {
  // Only these change anything: an attribute in sync or converged already
  // holds desired's value, and a kept or conflicting one stays as it is.
  DecisionWalk decided(decision);
  return plan_writing(desired, observed, options, [&](const std::string& name) {
    const AttributeDecision* a = decided.of(name);
    return a && (a->verdict == Verdict::apply_source || a->verdict == Verdict::revert_drift);
  });
}

}  // namespace idb::reconcile
