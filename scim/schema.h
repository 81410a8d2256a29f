#pragma once
// The SCIM schemas idbridge serves (RFC 7643 §4, §8.7): User, the enterprise
// User extension and Group. One description drives validation of what clients
// send, PATCH, case-sensitivity in filters and what /Schemas and /ResourceTypes
// publish, so discovery says exactly what the endpoint does.
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

namespace idb::scim {

inline constexpr const char* kUserSchema = "urn:ietf:params:scim:schemas:core:2.0:User";
inline constexpr const char* kEnterpriseUserSchema = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
inline constexpr const char* kGroupSchema = "urn:ietf:params:scim:schemas:core:2.0:Group";

enum class Type { string, boolean, decimal, integer, date_time, reference, complex };
enum class Mutability { read_only, read_write, immutable, write_only };
enum class Returned { always, never, by_default, request };
enum class Uniqueness { none, server, global };

struct Attribute {
  std::string name;
  Type type = Type::string;
  bool multi_valued = false;
  bool required = false;
  bool case_exact = false;
  Mutability mutability = Mutability::read_write;
  Returned returned = Returned::by_default;
  Uniqueness uniqueness = Uniqueness::none;
  std::string description;
  std::vector<std::string> canonical_values;
  std::vector<std::string> reference_types;
  std::vector<Attribute> sub;  // complex: its sub-attributes
};

struct Schema {
  std::string id;  // URN
  std::string name;
  std::string description;
  std::vector<Attribute> attributes;
};

// A resource type: its core schema and the extensions it may carry.
struct ResourceType {
  std::string name;      // "User"
  std::string endpoint;  // "/Users"
  const Schema* core;
  std::vector<const Schema*> extensions;
};

const Schema& user_schema();
const Schema& enterprise_user_schema();
const Schema& group_schema();
const ResourceType& user_type();
const ResourceType& group_type();

// id, externalId and meta, which every resource has (RFC 7643 §3.1) and no
// schema lists.
const std::vector<Attribute>& common_attributes();
// A top-level attribute of `type`'s core schema or a common one, or null.
const Attribute* find_core_attribute(const ResourceType& type, std::string_view name);

// The attribute named `name` (case-insensitively), or null.
const Attribute* find_attribute(const std::vector<Attribute>& attrs, std::string_view name);
// The extension of `type` whose URN is `urn` (case-insensitively), or null.
const Schema* find_extension(const ResourceType& type, std::string_view urn);

// RFC 7643 §7 representation, `location` being the schema's URL.
nlohmann::json schema_json(const Schema& schema, const std::string& location);
nlohmann::json resource_type_json(const ResourceType& type, const std::string& location);

}  // namespace idb::scim
