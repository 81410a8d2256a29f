#include "scim/filter_schema.h"

#include <functional>
#include <memory>

#include "scim/ascii.h"

namespace idb::scim {
namespace {

const Attribute* top_level(const ResourceType& type, const AttributePath& path) {
  const std::string& name = path.names.front();
  if (path.schema.empty()) return find_core_attribute(type, name);
  if (iequals(path.schema, type.core->id)) return find_attribute(type.core->attributes, name);
  const Schema* extension = find_extension(type, path.schema);
  return extension ? find_attribute(extension->attributes, name) : nullptr;
}

// What a comparison on `path` compares, `first` being the attribute its first
// name reaches: the sub-attribute named, or a complex value's `value`
// (RFC 7644 §3.4.2.2 compares `emails eq "x"` on emails.value).
const Attribute* compared(const Attribute& first, const AttributePath& path) {
  if (path.names.size() == 2) return find_attribute(first.sub, path.names[1]);
  if (first.type == Type::complex) return find_attribute(first.sub, "value");
  return &first;
}

using Lookup = std::function<const Attribute*(const AttributePath&)>;

void bind_filter(Filter& filter, const Lookup& first_of);

void bind_path(AttributePath& path, const Attribute* first) {
  if (!first) return;
  if (path.value_filter) {
    // A value filter's paths name sub-attributes of the elements it selects.
    auto inner = std::make_shared<Filter>(*path.value_filter);
    bind_filter(*inner, [first](const AttributePath& p) { return find_attribute(first->sub, p.names.front()); });
    path.value_filter = std::move(inner);
  }
  if (const Attribute* leaf = compared(*first, path)) path.case_exact = leaf->case_exact;
}

void bind_filter(Filter& filter, const Lookup& first_of) {
  for (Filter& operand : filter.operands) bind_filter(operand, first_of);
  if (filter.kind == Filter::Kind::compare || filter.kind == Filter::Kind::value_path) {
    bind_path(filter.comparison.path, first_of(filter.comparison.path));
  }
}

const Attribute* first_in(const std::vector<const ResourceType*>& types, const AttributePath& path) {
  for (const ResourceType* type : types) {
    if (const Attribute* found = top_level(*type, path)) return found;
  }
  return nullptr;
}

}  // namespace

void bind_schema(AttributePath& path, const std::vector<const ResourceType*>& types) {
  bind_path(path, first_in(types, path));
}

void bind_schema(Filter& filter, const std::vector<const ResourceType*>& types) {
  bind_filter(filter, [&types](const AttributePath& p) { return first_in(types, p); });
}

}  // namespace idb::scim
