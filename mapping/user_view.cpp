#include "mapping/user_view.h"

namespace idb::mapping {
namespace {

const nlohmann::json kUnknown;  // marks a slot not looked up yet (null members count as absent anyway)

}  // namespace

size_t AttributeSlots::add(const std::string& name, size_t scope) {
  for (size_t i = 0; i < attributes_.size(); ++i) {
    if (attributes_[i].name == name && attributes_[i].scope == scope) return i;
  }
  attributes_.push_back({name, scope});
  return attributes_.size() - 1;
}

size_t AttributeSlots::add(const scim::AttributePath& path) {
  const size_t scope = path.schema.empty() ? kRoot : add(path.schema, kRoot);
  return add(path.names.front(), scope);
}

UserView::UserView(const AttributeSlots& slots, const nlohmann::json& user)
    : slots_(slots), user_(user), found_(slots.size(), &kUnknown) {}

const nlohmann::json* UserView::attribute(size_t slot) const {
  const nlohmann::json*& found = found_[slot];
  if (found == &kUnknown) {
    const auto& a = slots_.attributes_[slot];
    const nlohmann::json* scope = a.scope == AttributeSlots::kRoot ? &user_ : attribute(a.scope);
    found = scope ? scim::member(*scope, a.name) : nullptr;
  }
  return found;
}

const std::vector<const nlohmann::json*>& UserView::resolve(const Path& path) const {
  scim::resolve_below(path.path, attribute(path.slot), values_);
  return values_;
}

}  // namespace idb::mapping
