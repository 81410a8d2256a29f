#pragma once
// Attribute paths and filters bound to the schemas they are evaluated
// against: whether a comparison or a sort is case-sensitive comes from the
// attribute's definition (RFC 7643 §2.2 caseExact), configured extensions
// included, rather than from its name alone.
#include <vector>

#include "scim/filter.h"
#include "scim/schema.h"

namespace idb::scim {

// Sets case_exact on `path` (its value filter included) and on every path in
// `filter`, where they name an attribute one of `types` defines.
void bind_schema(AttributePath& path, const std::vector<const ResourceType*>& types);
void bind_schema(Filter& filter, const std::vector<const ResourceType*>& types);

}  // namespace idb::scim
