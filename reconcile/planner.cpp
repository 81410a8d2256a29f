#include "reconcile/planner.h"

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
  std::vector<Operation> ops;
  if (!observed) {
    Operation create{Operation::Kind::create, desired.key, {}, {}, {}};
    for (const auto& [name, values] : desired.attributes) {
      if (!values.empty()) create.attributes[name] = values;
    }
    ops.push_back(std::move(create));
    return ops;
  }
  const bool renamed = observed->key != desired.key;
  if (renamed) ops.push_back({Operation::Kind::rename, observed->key, desired.key, {}, {}});

  static const Values kNone;
  std::vector<AttributeChange> changes;
  for (const auto& [name, values] : desired.attributes) {
    const auto found = observed->attributes.find(name);
    diff(name, values, found == observed->attributes.end() ? kNone : found->second, options.additive.count(name) > 0,
         renamed, changes);
  }
  if (!changes.empty()) ops.push_back({Operation::Kind::modify, desired.key, {}, {}, std::move(changes)});
  return ops;
}

}  // namespace idb::reconcile
