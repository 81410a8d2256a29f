#pragma once
// The canonical SCIM User (RFC 7643 §4.1 + enterprise extension): validation
// and normalisation of what a client sends, and the server-owned parts (id,
// meta). Pure: ids and clocks come in as arguments.
#include <cstdint>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "scim/error.h"

namespace idb::scim {

inline constexpr const char* kUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr const char* kEnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

// Checks a client's User body (POST or PUT) and returns it normalised:
// string booleans ("True") become booleans, read-only attributes (id, meta,
// groups) and the write-only password are dropped, `schemas` lists what is used.
std::variant<nlohmann::json, Error> normalize_user(const nlohmann::json& body);

// Adds the server-owned attributes to a normalised user.
struct ServerFields {
  std::string id;
  int64_t version;
  std::string created;        // RFC 3339
  std::string last_modified;  // RFC 3339
  std::string location;       // absolute or base-relative URL of the resource
};
nlohmann::json with_server_fields(nlohmann::json user, const ServerFields& fields);

// W/"<version>": the ETag of meta.version.
std::string etag(int64_t version);

// Whether a user should hold an enabled account on the targets.
bool is_active(const nlohmann::json& user);

}  // namespace idb::scim
