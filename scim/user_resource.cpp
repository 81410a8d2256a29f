#include "scim/user_resource.h"

#include "scim/ascii.h"

#include <algorithm>
#include <cctype>
#include <optional>
#include <vector>

namespace idb::scim {
namespace {

enum class Kind { string, boolean, complex, multi_complex, drop };

// An attribute (or sub-attribute) by its canonical name. Clients may write any
// case (RFC 7643 §2.1); the stored resource uses the canonical one, so the rest
// of the daemon can look attributes up by exact name.
struct Attr {
  std::string name;
  Kind kind;
  std::vector<Attr> sub;  // known sub-attributes of complex values
};

const Attr* find(const std::vector<Attr>& attrs, const std::string& name) {
  const std::string key = lower(name);
  for (const auto& a : attrs) {
    if (lower(a.name) == key) return &a;
  }
  return nullptr;
}

Attr multi(const char* name) {
  return {name, Kind::multi_complex,
          {{"value", Kind::string, {}}, {"display", Kind::string, {}}, {"type", Kind::string, {}},
           {"primary", Kind::boolean, {}}}};
}

Attr str(const char* name) { return {name, Kind::string, {}}; }

// RFC 7643 §4.1.
const std::vector<Attr>& core_attributes() {
  static const std::vector<Attr> attrs = {
      str("userName"), str("externalId"), str("displayName"), str("nickName"), str("profileUrl"), str("title"),
      str("userType"), str("preferredLanguage"), str("locale"), str("timezone"),
      {"active", Kind::boolean, {}},
      {"name", Kind::complex,
       {str("formatted"), str("familyName"), str("givenName"), str("middleName"), str("honorificPrefix"),
        str("honorificSuffix")}},
      multi("emails"), multi("phoneNumbers"), multi("ims"), multi("photos"), multi("entitlements"), multi("roles"),
      multi("x509Certificates"),
      {"addresses", Kind::multi_complex,
       {str("formatted"), str("streetAddress"), str("locality"), str("region"), str("postalCode"), str("country"),
        str("type"), {"primary", Kind::boolean, {}}}},
      // Read-only or server-owned: whatever a client sends is ignored (RFC 7643 §2.2).
      {"id", Kind::drop, {}}, {"meta", Kind::drop, {}}, {"groups", Kind::drop, {}},
      // Write-only; idbridge does not synchronise passwords, so it never keeps one.
      {"password", Kind::drop, {}},
  };
  return attrs;
}

const std::vector<Attr>& enterprise_attributes() {
  static const std::vector<Attr> attrs = {
      str("employeeNumber"), str("costCenter"), str("organization"), str("division"), str("department"),
      {"manager", Kind::complex, {str("value"), str("$ref"), str("displayName")}},
  };
  return attrs;
}

Error invalid_value(const std::string& detail) { return Error{400, "invalidValue", detail}; }

// Entra ID sends booleans as the strings "True"/"False".
std::optional<bool> as_boolean(const nlohmann::json& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_string()) {
    const std::string s = lower(v.get<std::string>());
    if (s == "true") return true;
    if (s == "false") return false;
  }
  return std::nullopt;
}

std::optional<Error> check_scalar(Kind kind, nlohmann::json& v, const std::string& where) {
  if (v.is_null()) return std::nullopt;  // null means unassigned (RFC 7643 §2.5)
  if (kind == Kind::string && !v.is_string()) return invalid_value("'" + where + "' must be a string");
  if (kind == Kind::boolean) {
    auto b = as_boolean(v);
    if (!b) return invalid_value("'" + where + "' must be a boolean");
    v = *b;
  }
  return std::nullopt;
}

std::optional<Error> check_complex(const Attr& attr, nlohmann::json& v, const std::string& where) {
  if (!v.is_object()) return invalid_value("'" + where + "' must be an object");
  nlohmann::json out = nlohmann::json::object();
  for (auto it = v.begin(); it != v.end(); ++it) {
    const Attr* known = find(attr.sub, it.key());
    if (!known) {  // unknown sub-attributes are kept as sent
      out[it.key()] = it.value();
      continue;
    }
    if (auto err = check_scalar(known->kind, it.value(), where + "." + known->name)) return err;
    if (!it.value().is_null()) out[known->name] = it.value();
  }
  v = std::move(out);
  return std::nullopt;
}

std::optional<Error> check_attribute(const Attr& attr, nlohmann::json& v, const std::string& where) {
  switch (attr.kind) {
    case Kind::string:
    case Kind::boolean: return check_scalar(attr.kind, v, where);
    case Kind::complex: return v.is_null() ? std::nullopt : check_complex(attr, v, where);
    case Kind::multi_complex: {
      if (v.is_null()) return std::nullopt;
      if (!v.is_array()) return invalid_value("'" + where + "' must be an array");
      int primaries = 0;
      for (auto& element : v) {
        if (auto err = check_complex(attr, element, where)) return err;
        if (element.value("primary", false) == true) ++primaries;
      }
      if (primaries > 1) return invalid_value("'" + where + "' has more than one primary value");
      return std::nullopt;
    }
    case Kind::drop: return std::nullopt;
  }
  return std::nullopt;
}

std::optional<Error> check_members(const std::vector<Attr>& known, nlohmann::json& object, const std::string& prefix,
                                   nlohmann::json& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const Attr* attr = find(known, it.key());
    if (!attr) return Error{400, "invalidSyntax", "unknown attribute '" + prefix + it.key() + "'"};
    if (attr->kind == Kind::drop) continue;
    if (auto err = check_attribute(*attr, it.value(), prefix + attr->name)) return err;
    if (!it.value().is_null()) out[attr->name] = it.value();
  }
  return std::nullopt;
}

}  // namespace

std::variant<nlohmann::json, Error> normalize_user(const nlohmann::json& body) {
  if (!body.is_object()) return Error{400, "invalidSyntax", "the request body must be a JSON object"};
  nlohmann::json in = body;
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json core = nlohmann::json::object();
  bool has_enterprise = false;

  for (auto it = in.begin(); it != in.end(); ++it) {
    const std::string key = lower(it.key());
    if (key == "schemas") {
      if (!it.value().is_array() ||
          !std::all_of(it.value().begin(), it.value().end(), [](const auto& s) { return s.is_string(); })) {
        return invalid_value("'schemas' must be an array of strings");
      }
      continue;
    }
    if (key == lower(kEnterpriseUserSchema)) {
      nlohmann::json& ext = it.value();
      if (ext.is_null()) continue;
      if (!ext.is_object()) return invalid_value("'" + it.key() + "' must be an object");
      // Entra ID sends the enterprise manager as a bare id string.
      for (auto m = ext.begin(); m != ext.end(); ++m) {
        if (lower(m.key()) == "manager" && m.value().is_string()) m.value() = {{"value", m.value()}};
      }
      nlohmann::json checked = nlohmann::json::object();
      if (auto err = check_members(enterprise_attributes(), ext, std::string(kEnterpriseUserSchema) + ":", checked)) {
        return *err;
      }
      out[kEnterpriseUserSchema] = checked;
      has_enterprise = true;
      continue;
    }
    if (key.starts_with("urn:")) return Error{400, "invalidSyntax", "unsupported schema extension '" + it.key() + "'"};
    core[it.key()] = it.value();
  }
  if (auto err = check_members(core_attributes(), core, "", out)) return *err;

  const auto name = out.find("userName");
  if (name == out.end() || name->get_ref<const std::string&>().empty()) {
    return invalid_value("'userName' is required and must be a non-empty string");
  }

  out["schemas"] = has_enterprise ? nlohmann::json{kUserSchema, kEnterpriseUserSchema} : nlohmann::json{kUserSchema};
  return out;
}

nlohmann::json with_server_fields(nlohmann::json user, const ServerFields& fields) {
  user["id"] = fields.id;
  user["meta"] = {{"resourceType", "User"},
                  {"created", fields.created},
                  {"lastModified", fields.last_modified},
                  {"version", etag(fields.version)},
                  {"location", fields.location}};
  return user;
}

std::string etag(int64_t version) { return "W/\"" + std::to_string(version) + "\""; }

bool is_active(const nlohmann::json& user) {
  const auto active = user.find("active");
  return active == user.end() || !active->is_boolean() || active->get<bool>();  // RFC 7643 leaves it to the provider; an HR push without `active` means a working account
}

}  // namespace idb::scim
