#pragma once
// The Authing user fields a mapping may write (UpdateUserReqDto, specs/001-authing.md §3),
// with their limits, and how our attribute values travel in its JSON.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/cloud/fields.h"

namespace idb::connectors::authing {

// The field for a mapping attribute. Custom fields are written
// `customData.<name>` and travel in the `customData` object; which exist is up
// to the user pool, so any name is accepted here and the server judges it.
std::optional<cloud::Field> field(const std::string& attribute);

// Puts one field into a request body: booleans as JSON booleans, custom
// fields into `customData`; a cleared field becomes "" (false for booleans) —
// how Authing clears a field is not documented (INFERRED).
void put(nlohmann::ordered_json& body, const cloud::FieldValue& value);

// The attribute's value in a UserDto; nullopt when absent, null or "".
std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute);

}  // namespace idb::connectors::authing
