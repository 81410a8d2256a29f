#pragma once
// The EIAM user fields a mapping may write (UpdateUser/CreateUser parameters,
// specs/004-aliyun-eiam.md §3) with their limits. `CustomFields.<name>`
// attributes travel as CustomFields.N.{FieldName,FieldValue,Operation}.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "connectors/cloud/fields.h"

namespace idb::connectors::eiam {

std::optional<cloud::Field> field(const std::string& attribute);

bool is_custom(const std::string& attribute);
std::string custom_name(const std::string& attribute);

// The attribute's value in a GetUser/ListUsers `User`; nullopt when absent or "".
std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute);

}  // namespace idb::connectors::eiam
