#include "mapping/user_schema.h"

#include <vector>

namespace idb::mapping {
namespace {

std::string known(const std::vector<scim::Attribute>& attributes) {
  std::string out;
  for (const auto& a : attributes) out += (out.empty() ? "" : ", ") + a.name;
  return out;
}

// The schema's attribute `path` starts at (null when unknown) and where it was looked for;
// nullopt for a deployment's own extension.
struct Found {
  const scim::Attribute* attribute;
  const scim::Schema* extension;
};
std::optional<Found> top_attribute(const scim::AttributePath& path) {
  if (path.schema.empty()) return Found{scim::find_core_attribute(scim::user_type(), path.names[0]), nullptr};
  const scim::Schema* extension = scim::find_extension(scim::user_type(), path.schema);
  if (!extension) return std::nullopt;
  return Found{scim::find_attribute(extension->attributes, path.names[0]), extension};
}

}  // namespace

std::optional<std::string> canonicalize_user_path(scim::AttributePath& path) {
  const auto found = top_attribute(path);
  if (!found) return std::nullopt;
  const scim::Attribute* attribute = found->attribute;
  if (found->extension) path.schema = found->extension->id;
  if (!attribute) {
    return "unknown attribute '" + path.names[0] + "' in " +
           (path.schema.empty() ? "the SCIM User schema (an attribute of your own needs its extension URN)"
                                : "the enterprise User extension");
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

std::optional<PathShape> user_path_shape(const scim::AttributePath& path) {
  const auto found = top_attribute(path);
  if (!found || !found->attribute) return std::nullopt;
  const scim::Attribute* attribute = found->attribute;
  if (path.names.size() == 1) return PathShape{attribute->type, attribute->multi_valued};
  const scim::Attribute* sub = scim::find_attribute(attribute->sub, path.names[1]);
  if (!sub) return std::nullopt;
  return PathShape{sub->type, attribute->multi_valued || sub->multi_valued};
}

}  // namespace idb::mapping
