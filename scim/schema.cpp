#include "scim/schema.h"

#include <stdexcept>

#include "scim/ascii.h"

namespace idb::scim {
namespace {

Attribute str(const char* name, const char* description, bool case_exact = false) {
  Attribute a{.name = name, .case_exact = case_exact, .description = description};
  return a;
}

Attribute boolean(const char* name, const char* description) {
  return Attribute{.name = name, .type = Type::boolean, .description = description};
}

Attribute complex(const char* name, const char* description, std::vector<Attribute> sub, bool multi = false) {
  return Attribute{.name = name, .type = Type::complex, .multi_valued = multi, .description = description,
                   .sub = std::move(sub)};
}

// The value/display/type/primary shape RFC 7643 §2.4 gives multi-valued attributes.
Attribute multi(const char* name, const char* description, std::vector<std::string> types) {
  Attribute type = str("type", "A label indicating the attribute's function.");
  type.canonical_values = std::move(types);
  return complex(name, description,
                 {str("value", "The attribute's significant value."),
                  str("display", "A human-readable name, primarily used for display purposes."), type,
                  boolean("primary", "Whether this is the primary value of the attribute.")},
                 true);
}

Attribute read_only(Attribute a) {
  a.mutability = Mutability::read_only;
  for (auto& s : a.sub) s.mutability = Mutability::read_only;
  return a;
}

Attribute reference(const char* name, const char* description, std::vector<std::string> types) {
  Attribute a = str(name, description, true);
  a.type = Type::reference;
  a.reference_types = std::move(types);
  return a;
}

Schema make_user() {
  Attribute user_name = str("userName", "Unique identifier for the User, case-insensitively.");
  user_name.required = true;
  user_name.uniqueness = Uniqueness::server;
  Attribute password = str("password", "Write-only; idbridge does not synchronise passwords and never keeps one.");
  password.mutability = Mutability::write_only;
  password.returned = Returned::never;
  Attribute groups =
      read_only(complex("groups", "Groups the user belongs to, as maintained through the Group resource.",
                        {str("value", "The id of the Group.", true), reference("$ref", "The URI of the Group.", {"Group"}),
                         str("display", "The displayName of the Group."), str("type", "direct or indirect.")},
                        true));
  return Schema{
      .id = kUserSchema,
      .name = "User",
      .description = "User Account",
      .attributes = {
          user_name,
          complex("name", "The components of the user's real name.",
                  {str("formatted", "The full name."), str("familyName", "The family name."),
                   str("givenName", "The given name."), str("middleName", "The middle name(s)."),
                   str("honorificPrefix", "The honorific prefix(es)."),
                   str("honorificSuffix", "The honorific suffix(es).")}),
          str("displayName", "The name of the User, suitable for display to end-users."),
          str("nickName", "The casual way to address the user."),
          reference("profileUrl", "A fully qualified URL pointing to the user's online profile.", {"external"}),
          str("title", "The user's title, such as \"Vice President\"."),
          str("userType", "The relationship between the organization and the user."),
          str("preferredLanguage", "The user's preferred written or spoken language."),
          str("locale", "The user's default location for localisation."),
          str("timezone", "The User's time zone in the \"Olson\" format."),
          boolean("active", "The user's administrative status."),
          password,
          multi("emails", "Email addresses for the user.", {"work", "home", "other"}),
          multi("phoneNumbers", "Phone numbers for the User.", {"work", "home", "mobile", "fax", "pager", "other"}),
          multi("ims", "Instant messaging addresses for the User.", {}),
          multi("photos", "URLs of images of the user.", {"photo", "thumbnail"}),
          complex("addresses", "A physical mailing address for this User.",
                  {str("formatted", "The full mailing address."), str("streetAddress", "The street address."),
                   str("locality", "The city or locality."), str("region", "The state or region."),
                   str("postalCode", "The zip code or postal code."), str("country", "The country name."),
                   str("type", "A label indicating the address's function."),
                   boolean("primary", "Whether this is the primary address.")},
                  true),
          groups,
          multi("entitlements", "A list of entitlements for the User.", {}),
          multi("roles", "A list of roles for the User.", {}),
          multi("x509Certificates", "A list of certificates issued to the User.", {}),
      }};
}

Schema make_enterprise_user() {
  return Schema{
      .id = kEnterpriseUserSchema,
      .name = "EnterpriseUser",
      .description = "Enterprise User",
      .attributes = {
          str("employeeNumber", "A string identifier, typically numeric or alphanumeric, assigned to a person."),
          str("costCenter", "Identifies the name of a cost center."),
          str("organization", "Identifies the name of an organization."),
          str("division", "Identifies the name of a division."),
          str("department", "Identifies the name of a department."),
          complex("manager", "The User's manager (a bare id string is accepted for value).",
                  {str("value", "The id of the SCIM resource representing the User's manager.", true),
                   reference("$ref", "The URI of the SCIM resource representing the User's manager.", {"User"}),
                   read_only(str("displayName", "The displayName of the User's manager."))}),
      }};
}

Schema make_group() {
  Attribute display_name = str("displayName", "A human-readable name for the Group.");
  display_name.required = true;
  Attribute value = str("value", "Identifier of the member of this Group.", true);
  value.mutability = Mutability::immutable;
  Attribute type = str("type", "The type of the member: User or Group.");
  type.canonical_values = {"User", "Group"};
  type.mutability = Mutability::immutable;
  Attribute ref = reference("$ref", "The URI of the member resource.", {"User", "Group"});
  ref.mutability = Mutability::immutable;
  return Schema{.id = kGroupSchema,
                .name = "Group",
                .description = "Group",
                .attributes = {display_name,
                               complex("members", "A list of members of the Group.",
                                       {value, ref, type, str("display", "A human-readable name of the member.")},
                                       true)}};
}

// RFC 7643 §7 spellings, in the order of the enums in schema.h.
constexpr const char* kTypeNames[] = {"string", "boolean", "decimal", "integer", "dateTime", "reference", "complex"};
constexpr const char* kMutabilityNames[] = {"readOnly", "readWrite", "immutable", "writeOnly"};
constexpr const char* kReturnedNames[] = {"always", "never", "default", "request"};
constexpr const char* kUniquenessNames[] = {"none", "server", "global"};

template <class Enum, size_t N>
const char* spelled(Enum value, const char* const (&names)[N]) {
  return names[static_cast<size_t>(value)];
}

template <class Enum, size_t N>
std::optional<Enum> named(std::string_view name, const char* const (&names)[N]) {
  for (size_t i = 0; i < N; ++i) {
    if (name == names[i]) return static_cast<Enum>(i);
  }
  return std::nullopt;
}

nlohmann::json attribute_json(const Attribute& a) {
  nlohmann::json out = {{"name", a.name},
                        {"type", type_name(a.type)},
                        {"multiValued", a.multi_valued},
                        {"description", a.description},
                        {"required", a.required},
                        {"mutability", mutability_name(a.mutability)},
                        {"returned", returned_name(a.returned)}};
  if (a.type != Type::complex && a.type != Type::boolean) {
    out["caseExact"] = a.case_exact;
    out["uniqueness"] = spelled(a.uniqueness, kUniquenessNames);
  }
  if (!a.canonical_values.empty()) out["canonicalValues"] = a.canonical_values;
  if (!a.reference_types.empty()) out["referenceTypes"] = a.reference_types;
  if (!a.sub.empty()) {
    out["subAttributes"] = nlohmann::json::array();
    for (const auto& s : a.sub) out["subAttributes"].push_back(attribute_json(s));
  }
  return out;
}

}  // namespace

const char* type_name(Type t) { return spelled(t, kTypeNames); }
const char* mutability_name(Mutability m) { return spelled(m, kMutabilityNames); }
const char* returned_name(Returned r) { return spelled(r, kReturnedNames); }
std::optional<Type> type_named(std::string_view name) { return named<Type>(name, kTypeNames); }
std::optional<Mutability> mutability_named(std::string_view name) { return named<Mutability>(name, kMutabilityNames); }
std::optional<Returned> returned_named(std::string_view name) { return named<Returned>(name, kReturnedNames); }

const Schema& user_schema() {
  static const Schema s = make_user();
  return s;
}

const Schema& enterprise_user_schema() {
  static const Schema s = make_enterprise_user();
  return s;
}

const Schema& group_schema() {
  static const Schema s = make_group();
  return s;
}

Catalog::Catalog(std::vector<CustomExtension> extensions)
    : users_{"User", "/Users", &user_schema(), {{&enterprise_user_schema(), false}}},
      groups_{"Group", "/Groups", &group_schema(), {}},
      schemas_{&user_schema(), &enterprise_user_schema(), &group_schema()} {
  for (auto& e : extensions) {
    ResourceType* type = iequals(e.resource_type, "User") ? &users_ : iequals(e.resource_type, "Group") ? &groups_ : nullptr;
    if (!type) throw std::invalid_argument("extension " + e.schema.id + ": no resource type '" + e.resource_type + "'");
    for (const Schema* known : schemas_) {
      if (iequals(known->id, e.schema.id)) throw std::invalid_argument("schema " + e.schema.id + " is declared twice");
    }
    custom_.push_back(std::make_unique<Schema>(std::move(e.schema)));
    type->extensions.push_back({custom_.back().get(), e.required});
    schemas_.push_back(custom_.back().get());
  }
}

const Catalog& Catalog::builtin() {
  static const Catalog c;
  return c;
}

const Schema* Catalog::find_extension(std::string_view urn) const {
  for (const ResourceType* t : types()) {
    if (const Schema* s = scim::find_extension(*t, urn)) return s;
  }
  return nullptr;
}

const ResourceType& user_type() { return Catalog::builtin().users(); }

const ResourceType& group_type() { return Catalog::builtin().groups(); }

const std::vector<Attribute>& common_attributes() {
  static const std::vector<Attribute> attrs = [] {
    Attribute id = str("id", "Unique identifier of the resource, issued by the service provider.", true);
    id.mutability = Mutability::read_only;
    id.returned = Returned::always;
    id.uniqueness = Uniqueness::server;
    Attribute meta = read_only(complex("meta", "Resource metadata.",
                                       {str("resourceType", "The name of the resource type."),
                                        Attribute{.name = "created", .type = Type::date_time, .description = "When the resource was added."},
                                        Attribute{.name = "lastModified", .type = Type::date_time, .description = "When the resource was last changed."},
                                        reference("location", "The URI of the resource.", {"uri"}),
                                        str("version", "The version (ETag) of the resource.", true)}));
    return std::vector<Attribute>{id, str("externalId", "Identifier of the resource as defined by the client.", true),
                                  meta};
  }();
  return attrs;
}

const Attribute* find_core_attribute(const ResourceType& type, std::string_view name) {
  if (const Attribute* a = find_attribute(common_attributes(), name)) return a;
  return find_attribute(type.core->attributes, name);
}

const Attribute* find_attribute(const std::vector<Attribute>& attrs, std::string_view name) {
  for (const auto& a : attrs) {
    if (iequals(a.name, name)) return &a;
  }
  return nullptr;
}

const Schema* find_extension(const ResourceType& type, std::string_view urn) {
  for (const auto& e : type.extensions) {
    if (iequals(e.schema->id, urn)) return e.schema;
  }
  return nullptr;
}

nlohmann::json schema_json(const Schema& schema, const std::string& location) {
  nlohmann::json attributes = nlohmann::json::array();
  for (const auto& a : schema.attributes) attributes.push_back(attribute_json(a));
  return {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:Schema"}},
          {"id", schema.id},
          {"name", schema.name},
          {"description", schema.description},
          {"attributes", std::move(attributes)},
          {"meta", {{"resourceType", "Schema"}, {"location", location}}}};
}

nlohmann::json resource_type_json(const ResourceType& type, const std::string& location) {
  nlohmann::json extensions = nlohmann::json::array();
  for (const auto& e : type.extensions) extensions.push_back({{"schema", e.schema->id}, {"required", e.required}});
  return {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:ResourceType"}},
          {"id", type.name},
          {"name", type.name},
          {"endpoint", type.endpoint},
          {"description", type.core->description},
          {"schema", type.core->id},
          {"schemaExtensions", std::move(extensions)},
          {"meta", {{"resourceType", "ResourceType"}, {"location", location}}}};
}

}  // namespace idb::scim
