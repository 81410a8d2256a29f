#pragma once
// The planner: pure functions from what the source wants (desired) and what the
// target holds (observed) to the operations that make them agree. No I/O.
//
// The walking skeleton plans two-way (desired vs observed); the baseline
// (what we last wrote) joins in for three-way conflict detection next.
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mapping/attributes.h"
#include "mapping/mapping.h"
#include "reconcile/operation.h"

namespace idb::reconcile {

// An account as the target holds it now.
struct Account {
  std::string key;
  mapping::Attributes attributes;
};

// How a disabled user's account is marked on the target: an attribute set to
// a value (none when `attribute` is empty), and/or a new key for the account
// (LDAP: the same RDN below a "disabled" OU).
struct DisableMark {
  std::string attribute;
  std::string value;
  std::function<std::string(const std::string& key)> relocate{};
};

// Overlays the lifecycle on a mapped account: a disabled user gets the mark
// (and is relocated); an active one has it removed, unless the mapping itself
// manages that attribute, and keeps its mapped key.
mapping::Desired apply_lifecycle(mapping::Desired desired, bool disabled, const DisableMark& mark);

struct PlanOptions {
  // Attributes whose extra values on the target are left alone (objectClass:
  // the target may add auxiliary classes of its own).
  std::set<std::string, mapping::CaseInsensitiveLess> additive{"objectClass"};
};

// `observed` is the account wherever it is now (at desired.key, or at the key
// we last wrote when the key template's output changed). Empty result: no-op.
std::vector<Operation> plan(const mapping::Desired& desired, const std::optional<Account>& observed,
                            const PlanOptions& options = {});

}  // namespace idb::reconcile
