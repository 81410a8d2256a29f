#include "mapping/user_schema.h"

#include <vector>

#include "scim/schema.h"

namespace idb::mapping {
namespace {

std::string known(const std::vector<scim::Attribute>& attributes) {
  std::string out;
  for (const auto& a : attributes) out += (out.empty() ? "" : ", ") + a.name;
  return out;
}

}  // namespace

std::optional<std::string> canonicalize_user_path(scim::AttributePath& path) {
  const scim::Attribute* attribute = nullptr;
  std::string where = "the SCIM User schema";
  if (path.schema.empty()) {
    attribute = scim::find_core_attribute(scim::user_type(), path.names[0]);
  } else {
    const scim::Schema* extension = scim::find_extension(scim::user_type(), path.schema);
    if (!extension) return std::nullopt;
    path.schema = extension->id;
    attribute = scim::find_attribute(extension->attributes, path.names[0]);
    where = "the enterprise User extension";
  }
  if (!attribute) {
    return "unknown attribute '" + path.names[0] + "' in " + where +
           (path.schema.empty() ? " (an attribute of your own needs its extension URN)" : "");
  }
  path.names[0] = attribute->name;
  if (path.names.size() == 1) return std::nullopt;
  if (const scim::Attribute* sub = scim::find_attribute(attribute->sub, path.names[1])) {
    path.names[1] = sub->name;
    return std::nullopt;
  }
  if (attribute->sub.empty()) return "'" + attribute->name + "' has no sub-attributes";
  return "'" + attribute->name + "' has no sub-attribute '" + path.names[1] + "' (known: " + known(attribute->sub) + ")";
}

}  // namespace idb::mapping
