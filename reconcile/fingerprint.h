#pragma once
// A digest of what a plan item was decided from: the desired account, what we
// last wrote (baseline) and the account as observed. `idbridge apply` re-plans each saved item and refuses
// it when the digest moved, so a reviewed plan is applied exactly or not at all.
#include <optional>
#include <string>

#include "mapping/mapping.h"
#include "reconcile/planner.h"

namespace idb::reconcile {

// Hex SHA-256; values compare as sets, so a target returning them in another
// order does not count as a change.
std::string fingerprint(const mapping::Desired& desired, const std::optional<mapping::Attributes>& baseline,
                        const std::optional<Account>& observed);

}  // namespace idb::reconcile
