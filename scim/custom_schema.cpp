#include "scim/custom_schema.h"

namespace idb::scim {
namespace {

Attribute attribute(const config::ScimAttribute& a) {
  Attribute out{.name = a.name,
                .type = type_named(a.type).value_or(Type::string),
                .multi_valued = a.multi_valued,
                .required = a.required,
                .case_exact = a.case_exact,
                .mutability = mutability_named(a.mutability).value_or(Mutability::read_write),
                .returned = returned_named(a.returned).value_or(Returned::by_default),
                .description = a.description,
                .canonical_values = a.canonical_values,
                .canonical_only = !a.canonical_values.empty()};
  for (const auto& sub : a.sub_attributes) out.sub.push_back(attribute(sub));
  return out;
}

}  // namespace

std::vector<CustomExtension> custom_extensions(const std::vector<config::ScimExtension>& declared) {
  std::vector<CustomExtension> out;
  for (const auto& e : declared) {
    Schema schema{.id = e.urn, .name = e.name, .description = e.description, .attributes = {}};
    for (const auto& a : e.attributes) schema.attributes.push_back(attribute(a));
    out.push_back({e.resource_type, std::move(schema), e.required});
  }
  return out;
}

}  // namespace idb::scim
