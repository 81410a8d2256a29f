#pragma once
// A SCIM resource checked against its schema: what a client sends (POST, PUT,
// or the result of a PATCH) normalised to the stored form, and the
// server-owned parts (id, meta). Pure: ids and clocks come in as arguments.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <variant>

#include <nlohmann/json.hpp>

#include "scim/error.h"
#include "scim/schema.h"

namespace idb::scim {

// Checks a client's body against `type` and returns it normalised: attribute
// names in their canonical case, string booleans ("True") as booleans, a bare
// string for a complex attribute with a `value` (Entra's manager) as
// {"value": …}, nulls removed, read-only and write-only attributes dropped
// (RFC 7644 §3.3, §3.5.1), unknown attributes of a known schema ignored,
// `schemas` listing what is used. An unknown extension URN is refused: its
// data could not be kept.
std::variant<nlohmann::json, Error> normalize(const ResourceType& type, const nlohmann::json& body);

// What a PUT that leaves out an immutable attribute means: the stored value
// stays. A PATCH that removes one changes it.
enum class Omitted { keep, refuse };

// RFC 7643 §2.2 immutable: a value, once set, never changes. `after` is the
// new version of `before` (both normalised, of `type`); an omitted immutable
// value is carried over into it or refused, as `omitted` says, and any other
// change is refused (400 mutability). Covers configured extensions, and the
// sub-attributes of single-valued complex attributes.
std::optional<Error> keep_immutable(const ResourceType& type, const nlohmann::json& before, nlohmann::json& after,
                                    Omitted omitted);

struct ServerFields {
  std::string id;
  int64_t version;
  std::string created;        // RFC 3339
  std::string last_modified;  // RFC 3339
  std::string location;       // absolute or base-relative URL of the resource
};
// Adds the server-owned attributes to a normalised resource of `type`.
nlohmann::json with_server_fields(nlohmann::json resource, const ServerFields& fields,
                                  const ResourceType& type = user_type());

// A new resource id: a random (version 4) UUID.
std::string new_id();

// meta.created / meta.lastModified: "2026-11-22T13:44:12.345Z".
std::string rfc3339(std::chrono::system_clock::time_point t);

// W/"<version>": the ETag of meta.version.
std::string etag(int64_t version);

}  // namespace idb::scim
