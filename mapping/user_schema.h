#pragma once
// Which attribute paths a canonical SCIM user can have, as scim/schema.h
// describes the User resource (RFC 7643 §4.1, the enterprise extension §4.3 and
// the common id/externalId/meta). Lets the loader reject `name.givnName` before
// any user arrives. Other extension URNs are the deployment's own and are
// accepted as written.
#include <optional>
#include <string>

#include "scim/filter.h"
#include "scim/schema.h"

namespace idb::mapping {

// An error message when `path` names an attribute the User schemas do not have.
// A known path is respelled as the schema spells it: stored users carry those
// spellings, so evaluating it finds each member by exact name.
std::optional<std::string> canonicalize_user_path(scim::AttributePath& path);

// What the schema says of the values a canonical `path` reaches; nullopt for
// a deployment's own extension (or a path the schema does not have).
struct PathShape {
  scim::Type type;
  bool multi_valued;  // the attribute, or the complex one above it, holds several
};
std::optional<PathShape> user_path_shape(const scim::AttributePath& path);

}  // namespace idb::mapping
