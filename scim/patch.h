#pragma once
// SCIM PATCH (RFC 7644 §3.5.2) as a pure function: a resource and a PatchOp
// request in, the patched resource or the error out. Nothing is half-applied:
// the input is untouched on error.
//
// Accepts the dialects real clients send: Entra ID's capitalised ops
// ("Replace"), string booleans (made booleans by normalize() afterwards),
// no-path operations whose keys are paths ("name.givenName",
// "urn:…:enterprise:2.0:User:department"), a bare string for a complex
// attribute with a `value` (the enterprise manager), and `remove` of
// multi-valued elements listed in `value` (members).
#include <variant>

#include <nlohmann/json.hpp>

#include "scim/error.h"
#include "scim/schema.h"

namespace idb::scim {

inline constexpr const char* kPatchOpSchema = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

// The result still needs normalize(type, …): PATCH checks paths, targets and
// mutability; value types are checked once, for every write, there.
std::variant<nlohmann::json, Error> apply_patch(const ResourceType& type, const nlohmann::json& resource,
                                                const nlohmann::json& request);

}  // namespace idb::scim
