#pragma once
// The Huawei Cloud Workspace desktop-user fields a mapping may write
// (EditUserReq / CreateUserReq, specs/003-huawei-workspace.md §3, §5) with their limits.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "connectors/cloud/fields.h"

namespace idb::connectors::huawei {

std::optional<cloud::Field> field(const std::string& attribute);

// Why `key` cannot be a Workspace user_name (1-20 characters, letters, digits,
// '_' and '-', not starting with a digit), or nothing.
std::optional<std::string> check_user_name(std::string_view key);

// Puts a field into a request body (booleans as JSON booleans); cleared: "" or false (INFERRED).
void put(nlohmann::json& body, const cloud::FieldValue& value);

// The attribute's value in a user_detail; nullopt when absent or "".
std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute);

}  // namespace idb::connectors::huawei
