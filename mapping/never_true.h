#pragma once
// Conditions no user can meet: a `when:` or `scope:` that can never hold is a
// mistake the loader reports, not a rule that silently never applies.
#include <optional>
#include <string>
#include <vector>

#include "scim/filter.h"

namespace idb::mapping {

// Why no user can satisfy every one of `filters` at once (a rule's `when:`
// alone, or together with its target's `scope:`), or nullopt when one may.
// Certain when it answers: it looks for comparisons that contradict each
// other (`active eq true` and `active eq false`, `title pr` and
// `not (title pr)`, `x eq "a"` and `x ne "a"`) and for comparisons that cannot
// match a value of the attribute's type (`active eq "yes"`), and gives up on
// anything it cannot decide. Paths must be canonical (canonicalize_user_path).
std::optional<std::string> never_true(const std::vector<const scim::Filter*>& filters);

}  // namespace idb::mapping
