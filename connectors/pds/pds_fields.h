#pragma once
// The PDS user fields a mapping may write (UpdateUser/CreateUser, specs/002-aliyun-pds.md §3)
// with their limits. `user_data.<key>` attributes travel in the `user_data` map.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "connectors/cloud/fields.h"

namespace idb::connectors::pds {

std::optional<cloud::Field> field(const std::string& attribute);

// Why `key` cannot be a PDS user_id (at most 64 characters, no '#'), or nothing.
std::optional<std::string> check_user_id(std::string_view key);

bool is_user_data(const std::string& attribute);
std::string user_data_key(const std::string& attribute);
// Why a user_data map breaks its limit (1024 characters in all), or nothing.
std::optional<std::string> check_user_data(const nlohmann::json& user_data);

// The attribute's value in a User; nullopt when absent, null or "".
std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute);

}  // namespace idb::connectors::pds
