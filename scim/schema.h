#pragma once
// The SCIM schemas idbridge serves (RFC 7643 §4, §8.7): User, the enterprise
// User extension and Group. One description drives validation of what clients
// send, PATCH, case-sensitivity in filters and what /Schemas and /ResourceTypes
// publish, so discovery says exactly what the endpoint does.
#include <memory>
#include <optional>
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

// RFC 7643 §7 spellings ("dateTime", "readOnly"…) of the enums above, and back.
const char* type_name(Type t);
const char* mutability_name(Mutability m);
const char* returned_name(Returned r);
std::optional<Type> type_named(std::string_view name);
std::optional<Mutability> mutability_named(std::string_view name);
std::optional<Returned> returned_named(std::string_view name);

struct Attribute {
  std::string name{};
  Type type = Type::string;
  bool multi_valued = false;
  bool required = false;
  bool case_exact = false;
  Mutability mutability = Mutability::read_write;
  Returned returned = Returned::by_default;
  Uniqueness uniqueness = Uniqueness::none;
  std::string description{};
  std::vector<std::string> canonical_values{};
  bool canonical_only = false;  // values outside canonical_values are refused (configured extensions)
  std::vector<std::string> reference_types{};
  std::vector<Attribute> sub{};  // complex: its sub-attributes
};

struct Schema {
  std::string id;  // URN
  std::string name;
  std::string description;
  std::vector<Attribute> attributes;
};

struct SchemaExtension {
  const Schema* schema;
  bool required = false;  // every resource of the type must carry it
};

// A resource type: its core schema and the extensions it may carry.
struct ResourceType {
  std::string name;      // "User"
  std::string endpoint;  // "/Users"
  const Schema* core;
  std::vector<SchemaExtension> extensions;
};

const Schema& user_schema();
const Schema& enterprise_user_schema();
const Schema& group_schema();

// An extension schema declared in the config, for the resource type named
// `resource_type` ("User" or "Group").
struct CustomExtension {
  std::string resource_type;
  Schema schema;
  bool required = false;
};

// Every schema and resource type one endpoint serves: the built-in ones and
// the configured extensions. Addresses stay valid as long as the catalog.
class Catalog {
 public:
  // Throws std::invalid_argument when an extension names an unknown resource
  // type or reuses a URN (the config loader reports those with locations).
  explicit Catalog(std::vector<CustomExtension> extensions = {});
  Catalog(const Catalog&) = delete;
  Catalog& operator=(const Catalog&) = delete;

  // The built-in schemas only.
  static const Catalog& builtin();

  const ResourceType& users() const { return users_; }
  const ResourceType& groups() const { return groups_; }
  std::vector<const ResourceType*> types() const { return {&users_, &groups_}; }
  const std::vector<const Schema*>& schemas() const { return schemas_; }
  // The extension schema of any resource type with this URN (case-insensitively), or null.
  const Schema* find_extension(std::string_view urn) const;

 private:
  std::vector<std::unique_ptr<Schema>> custom_;
  ResourceType users_, groups_;
  std::vector<const Schema*> schemas_;
};

const ResourceType& user_type();   // Catalog::builtin().users()
const ResourceType& group_type();  // Catalog::builtin().groups()

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
