#pragma once
// The SenseCore IAM `User` fields a mapping may write (specs/000-sensecore-iam.md §3)
// with their limits. Output-only fields, `password` and `ak` are not writable.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "connectors/cloud/fields.h"

namespace idb::connectors::sensecore {

std::optional<cloud::Field> field(const std::string& attribute);

// Why `key` cannot be a SenseCore username (1-64 characters), or nothing.
std::optional<std::string> check_username(const std::string& key);

// The attribute's value in a User; nullopt when absent or "".
std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute);

}  // namespace idb::connectors::sensecore
