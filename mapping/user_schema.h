#pragma once
// Which attribute paths a canonical SCIM user can have: RFC 7643 §4.1 (core
// User) and §4.3 (enterprise extension). Lets the loader reject `name.givnName`
// before any user arrives. Other extension URNs are the deployment's own and are
// accepted as written.
#include <optional>
#include <string>

#include "scim/filter.h"

namespace idb::mapping {

// An error message when `path` names an attribute the User schemas do not have.
std::optional<std::string> check_user_path(const scim::AttributePath& path);

}  // namespace idb::mapping
