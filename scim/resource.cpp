#include "scim/resource.h"

#include <openssl/rand.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <optional>
#include <stdexcept>

#include "scim/ascii.h"
#include "scim/filter.h"

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

// xsd:dateTime as RFC 7643 §2.3.5 asks: 2026-01-31T12:00:00[.fff](Z|±hh:mm).
bool is_date_time(std::string_view t) {
  auto digits = [&](size_t at, size_t n) {
    if (at + n > t.size()) return false;
    for (size_t i = at; i < at + n; ++i) {
      if (!std::isdigit(static_cast<unsigned char>(t[i]))) return false;
    }
    return true;
  };
  if (!digits(0, 4) || t.size() < 20 || t[4] != '-' || !digits(5, 2) || t[7] != '-' || !digits(8, 2) || t[10] != 'T' ||
      !digits(11, 2) || t[13] != ':' || !digits(14, 2) || t[16] != ':' || !digits(17, 2)) {
    return false;
  }
  size_t i = 19;
  if (t[i] == '.') {
    const size_t start = ++i;
    while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) ++i;
    if (i == start) return false;
  }
  if (i < t.size() && t[i] == 'Z') return i + 1 == t.size();
  return i + 6 == t.size() && (t[i] == '+' || t[i] == '-') && digits(i + 1, 2) && t[i + 3] == ':' && digits(i + 4, 2);
}

std::optional<Error> check_canonical(const Attribute& attr, const std::string& value, const std::string& where) {
  if (!attr.canonical_only) return std::nullopt;
  std::string allowed;
  for (const auto& c : attr.canonical_values) {
    if (attr.case_exact ? c == value : iequals(c, value)) return std::nullopt;
    allowed += (allowed.empty() ? "" : ", ") + c;
  }
  return invalid_value("'" + where + "' must be one of " + allowed + ", not '" + value + "'");
}

std::optional<Error> check_scalar(const Attribute& attr, nlohmann::json& v, const std::string& where) {
  switch (attr.type) {
    case Type::string:
    case Type::reference:
      if (!v.is_string()) return invalid_value("'" + where + "' must be a string");
      return check_canonical(attr, v.get_ref<const std::string&>(), where);
    case Type::date_time:
      if (!v.is_string() || !is_date_time(v.get_ref<const std::string&>())) {
        return invalid_value("'" + where + "' must be a dateTime such as 2026-01-31T12:00:00Z");
      }
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

// Required attributes of `attrs` that `object` lacks (an empty string counts as missing).
std::optional<Error> check_required(const std::vector<Attribute>& attrs, const nlohmann::json& object,
                                    const std::string& prefix) {
  for (const auto& attr : attrs) {
    if (!attr.required || !kept(attr)) continue;
    const auto found = object.find(attr.name);
    if (found == object.end() || (found->is_string() && found->get_ref<const std::string&>().empty())) {
      return invalid_value("'" + prefix + attr.name + "' is required" +
                           (attr.type == Type::string ? " and must be a non-empty string" : ""));
    }
  }
  return std::nullopt;
}

std::optional<Error> check_complex(const Attribute& attr, nlohmann::json& v, const std::string& where) {
  if (v.is_string() && find_attribute(attr.sub, "value")) v = {{"value", v}};
  if (!v.is_object()) return invalid_value("'" + where + "' must be an object");
  nlohmann::json out = nlohmann::json::object();
  if (auto err = check_members(attr.sub, v, where + ".", out)) return err;
  if (!out.empty()) {
    if (auto err = check_required(attr.sub, out, where + ".")) return err;
  }
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

std::optional<Error> keep_immutable_in(const std::vector<Attribute>& attrs, const nlohmann::json& before,
                                       nlohmann::json& after, Omitted omitted, const std::string& prefix) {
  for (const Attribute& a : attrs) {
    const nlohmann::json* was = member(before, a.name);
    if (!was || was->is_null()) continue;
    const nlohmann::json* now = member(after, a.name);
    if (a.mutability == Mutability::immutable) {
      if (!now && omitted == Omitted::keep) {
        after[a.name] = *was;
      } else if (!now || *now != *was) {
        return Error{400, "mutability", "'" + prefix + a.name + "' is immutable: once set, it cannot change"};
      }
    } else if (a.type == Type::complex && !a.multi_valued && was->is_object()) {
      nlohmann::json inner = now && now->is_object() ? *now : nlohmann::json::object();
      if (auto err = keep_immutable_in(a.sub, *was, inner, omitted, prefix + a.name + ".")) return err;
      if (!inner.empty()) after[a.name] = std::move(inner);
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<Error> keep_immutable(const ResourceType& type, const nlohmann::json& before, nlohmann::json& after,
                                    Omitted omitted) {
  if (auto err = keep_immutable_in(type.core->attributes, before, after, omitted, "")) return err;
  for (const auto& e : type.extensions) {
    const nlohmann::json* was = member(before, e.schema->id);
    if (!was || !was->is_object()) continue;
    const nlohmann::json* now = member(after, e.schema->id);
    nlohmann::json inner = now && now->is_object() ? *now : nlohmann::json::object();
    if (auto err = keep_immutable_in(e.schema->attributes, *was, inner, omitted, e.schema->id + ":")) return err;
    if (inner.empty()) continue;
    after[e.schema->id] = std::move(inner);
    nlohmann::json& schemas = after["schemas"];
    if (std::find(schemas.begin(), schemas.end(), e.schema->id) == schemas.end()) schemas.push_back(e.schema->id);
  }
  return std::nullopt;
}

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
      for (const auto& urn : it.value()) {
        const std::string& u = urn.get_ref<const std::string&>();
        if (!iequals(u, type.core->id) && !find_extension(type, u)) {
          return Error{400, "invalidSyntax", "'schemas' lists '" + u + "', which is not a schema of a " + type.name};
        }
      }
      continue;
    }
    if (const Schema* ext = find_extension(type, it.key())) {
      if (it.value().is_null()) continue;
      if (!it.value().is_object()) return invalid_value("'" + it.key() + "' must be an object");
      nlohmann::json checked = nlohmann::json::object();
      if (auto err = check_members(ext->attributes, it.value(), ext->id + ":", checked)) return *err;
      if (checked.empty()) continue;
      if (auto err = check_required(ext->attributes, checked, ext->id + ":")) return *err;
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

  if (auto err = check_required(type.core->attributes, out, "")) return *err;
  for (const auto& e : type.extensions) {
    if (e.required && !out.contains(e.schema->id)) {
      return invalid_value("every " + type.name + " must carry the extension '" + e.schema->id + "'");
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

std::string new_id() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("RAND_bytes failed: no entropy for a SCIM id");
  b[6] = (b[6] & 0x0f) | 0x40;  // RFC 9562 version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return out;
}

}  // namespace idb::scim
