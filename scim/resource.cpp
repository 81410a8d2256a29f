#include "scim/resource.h"

#include <algorithm>
#include <optional>

#include "scim/ascii.h"

namespace idb::scim {
namespace {

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

bool kept(const Attribute& a) { return a.mutability != Mutability::read_only && a.mutability != Mutability::write_only; }

std::optional<Error> check_value(const Attribute& attr, nlohmann::json& v, const std::string& where);

std::optional<Error> check_scalar(const Attribute& attr, nlohmann::json& v, const std::string& where) {
  switch (attr.type) {
    case Type::string:
    case Type::reference:
    case Type::date_time:
      if (!v.is_string()) return invalid_value("'" + where + "' must be a string");
      return std::nullopt;
    case Type::boolean: {
      auto b = as_boolean(v);
      if (!b) return invalid_value("'" + where + "' must be a boolean");
      v = *b;
      return std::nullopt;
    }
    case Type::integer:
      if (!v.is_number_integer()) return invalid_value("'" + where + "' must be an integer");
      return std::nullopt;
    case Type::decimal:
      if (!v.is_number()) return invalid_value("'" + where + "' must be a number");
      return std::nullopt;
    case Type::complex: break;
  }
  return std::nullopt;
}

// Known sub-attributes (or attributes) of `object`, canonically named, into `out`.
std::optional<Error> check_members(const std::vector<Attribute>& known, const nlohmann::json& object,
                                   const std::string& prefix, nlohmann::json& out) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    const Attribute* attr = find_attribute(known, it.key());
    if (!attr || !kept(*attr) || it.value().is_null()) continue;
    nlohmann::json v = it.value();
    if (auto err = check_value(*attr, v, prefix + attr->name)) return err;
    if (!v.is_null()) out[attr->name] = std::move(v);
  }
  return std::nullopt;
}

std::optional<Error> check_complex(const Attribute& attr, nlohmann::json& v, const std::string& where) {
  if (v.is_string() && find_attribute(attr.sub, "value")) v = {{"value", v}};
  if (!v.is_object()) return invalid_value("'" + where + "' must be an object");
  nlohmann::json out = nlohmann::json::object();
  if (auto err = check_members(attr.sub, v, where + ".", out)) return err;
  v = out.empty() ? nlohmann::json() : std::move(out);
  return std::nullopt;
}

std::optional<Error> check_single(const Attribute& attr, nlohmann::json& v, const std::string& where) {
  return attr.type == Type::complex ? check_complex(attr, v, where) : check_scalar(attr, v, where);
}

std::optional<Error> check_value(const Attribute& attr, nlohmann::json& v, const std::string& where) {
  if (!attr.multi_valued) return check_single(attr, v, where);
  if (!v.is_array()) return invalid_value("'" + where + "' must be an array");
  nlohmann::json out = nlohmann::json::array();
  int primaries = 0;
  for (auto& element : v) {
    if (element.is_null()) continue;
    if (auto err = check_single(attr, element, where)) return err;
    if (element.is_null()) continue;
    if (element.is_object() && element.value("primary", false) == true) ++primaries;
    out.push_back(std::move(element));
  }
  if (primaries > 1) return invalid_value("'" + where + "' has more than one primary value");
  v = out.empty() ? nlohmann::json() : std::move(out);
  return std::nullopt;
}

}  // namespace

std::variant<nlohmann::json, Error> normalize(const ResourceType& type, const nlohmann::json& body) {
  if (!body.is_object()) return Error{400, "invalidSyntax", "the request body must be a JSON object"};
  nlohmann::json out = nlohmann::json::object();
  nlohmann::json core = nlohmann::json::object();
  nlohmann::json schemas = {type.core->id};

  for (auto it = body.begin(); it != body.end(); ++it) {
    if (iequals(it.key(), "schemas")) {
      if (!it.value().is_array() ||
          !std::all_of(it.value().begin(), it.value().end(), [](const auto& s) { return s.is_string(); })) {
        return invalid_value("'schemas' must be an array of strings");
      }
      continue;
    }
    if (const Schema* ext = find_extension(type, it.key())) {
      if (it.value().is_null()) continue;
      if (!it.value().is_object()) return invalid_value("'" + it.key() + "' must be an object");
      nlohmann::json checked = nlohmann::json::object();
      if (auto err = check_members(ext->attributes, it.value(), ext->id + ":", checked)) return *err;
      if (checked.empty()) continue;
      out[ext->id] = std::move(checked);
      schemas.push_back(ext->id);
      continue;
    }
    if (it.key().size() > 4 && iequals(std::string_view(it.key()).substr(0, 4), "urn:")) {
      return Error{400, "invalidSyntax", "unsupported schema extension '" + it.key() + "'"};
    }
    core[it.key()] = it.value();
  }
  if (auto err = check_members(common_attributes(), core, "", out)) return *err;
  if (auto err = check_members(type.core->attributes, core, "", out)) return *err;

  for (const auto& attr : type.core->attributes) {
    if (!attr.required) continue;
    const auto found = out.find(attr.name);
    if (found == out.end() || (found->is_string() && found->get_ref<const std::string&>().empty())) {
      return invalid_value("'" + attr.name + "' is required and must be a non-empty string");
    }
  }
  out["schemas"] = std::move(schemas);
  return out;
}

nlohmann::json with_server_fields(nlohmann::json resource, const ServerFields& fields, const ResourceType& type) {
  resource["id"] = fields.id;
  resource["meta"] = {{"resourceType", type.name},
                      {"created", fields.created},
                      {"lastModified", fields.last_modified},
                      {"version", etag(fields.version)},
                      {"location", fields.location}};
  return resource;
}

std::string etag(int64_t version) { return "W/\"" + std::to_string(version) + "\""; }

}  // namespace idb::scim
