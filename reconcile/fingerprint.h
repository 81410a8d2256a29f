#pragma once
// A digest of what a plan item was decided from: the desired account, what we
// last wrote (baseline) and the account as observed. `idbridge apply` re-plans each saved item and refuses
// it when the digest moved, so a reviewed plan is applied exactly or not at all.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mapping/mapping.h"
#include "reconcile/planner.h"

namespace idb::reconcile {

// Hex SHA-256; values compare as sets, so a target returning them in another
// order does not count as a change.
std::string fingerprint(const mapping::Desired& desired, const std::optional<mapping::Attributes>& baseline,
                        const std::optional<Account>& observed);

// Names a batch of changes a guard holds, from each item's (user id,
// fingerprint) in any order: the administrator approves this name, so an
// approval covers exactly the changes that were shown. Short enough to type;
// 48 bits tell a target's successive batches apart.
constexpr std::size_t kBatchIdLength = 12;
std::string batch_fingerprint(std::vector<std::pair<std::string, std::string>> items);

}  // namespace idb::reconcile
