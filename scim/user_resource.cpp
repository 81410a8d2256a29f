#include "scim/user_resource.h"

namespace idb::scim {

std::variant<nlohmann::json, Error> normalize_user(const nlohmann::json& body) { return normalize(user_type(), body); }

bool is_active(const nlohmann::json& user) {
  const auto active = user.find("active");
  return active == user.end() || !active->is_boolean() || active->get<bool>();  // RFC 7643 leaves it to the provider; an HR push without `active` means a working account
}

}  // namespace idb::scim
