#pragma once
// The canonical SCIM User (RFC 7643 §4.1 + enterprise extension).
#include <variant>

#include <nlohmann/json.hpp>

#include "scim/resource.h"

namespace idb::scim {

// normalize() for the User resource type.
std::variant<nlohmann::json, Error> normalize_user(const nlohmann::json& body);

// Whether a user should hold an enabled account on the targets.
bool is_active(const nlohmann::json& user);

}  // namespace idb::scim
