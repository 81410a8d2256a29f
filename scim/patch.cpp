#include "scim/patch.h"

#include <optional>
#include <string>

#include "scim/ascii.h"
#include "scim/filter.h"
#include "scim/filter_schema.h"

namespace idb::scim {
namespace {

enum class Op { add, replace, remove };

using json = nlohmann::json;

Error invalid_path(const std::string& detail) { return {400, "invalidPath", detail}; }
Error invalid_syntax(const std::string& detail) { return {400, "invalidSyntax", detail}; }
Error invalid_value(const std::string& detail) { return {400, "invalidValue", detail}; }
Error no_target(const std::string& detail) { return {400, "noTarget", detail}; }
Error mutability(const std::string& detail) { return {400, "mutability", detail}; }

// Where an operation points.
struct Target {
  const Schema* extension = nullptr;      // null for the core schema
  const Attribute* attr = nullptr;        // null: the extension object itself
  std::shared_ptr<const Filter> filter;   // selects elements of a multi-valued attr
  const Attribute* sub = nullptr;         // a sub-attribute of attr
  std::string text;                       // the path as written
};

std::variant<Target, Error> resolve_target(const ResourceType& type, const std::string& text) {
  Target t;
  t.text = text;
  if (const Schema* ext = find_extension(type, text)) {
    t.extension = ext;
    return t;
  }
  auto parsed = parse_path(text);
  if (auto* err = std::get_if<ParseError>(&parsed)) {
    return invalid_path("path '" + text + "': " + err->message + " at offset " + std::to_string(err->offset));
  }
  auto& path = std::get<AttributePath>(parsed);
  bind_schema(path, {&type});
  if (!path.schema.empty()) {
    t.extension = find_extension(type, path.schema);
    if (!t.extension) return invalid_path("path '" + text + "': unknown schema '" + path.schema + "'");
  }
  t.attr = t.extension ? find_attribute(t.extension->attributes, path.names[0]) : find_core_attribute(type, path.names[0]);
  if (!t.attr) return invalid_path("path '" + text + "': no attribute '" + path.names[0] + "' in " + type.name);
  if (path.names.size() == 2) {
    t.sub = find_attribute(t.attr->sub, path.names[1]);
    if (!t.sub) return invalid_path("path '" + text + "': '" + t.attr->name + "' has no sub-attribute '" + path.names[1] + "'");
  }
  if (path.value_filter && !(t.attr->multi_valued && t.attr->type == Type::complex)) {
    return invalid_path("path '" + text + "': a value filter needs a multi-valued complex attribute");
  }
  if (t.attr->multi_valued && t.sub && !path.value_filter) {
    return invalid_path("path '" + text + "': select the values of '" + t.attr->name + "' with a filter");
  }
  t.filter = path.value_filter;
  const Attribute* leaf = t.sub ? t.sub : t.attr;
  if (t.attr->mutability == Mutability::read_only || leaf->mutability == Mutability::read_only) {
    return mutability("'" + text + "' is read-only");
  }
  if (leaf->mutability == Mutability::immutable && t.sub) return mutability("'" + text + "' is immutable");
  return t;
}

bool is_true(const json& v) { return v == true || (v.is_string() && iequals(v.get<std::string>(), "true")); }

// A bare string where a complex value with `value` is expected becomes {"value": s}.
json as_complex(const Attribute& attr, const json& v) {
  if (attr.type == Type::complex && v.is_string() && find_attribute(attr.sub, "value")) return {{"value", v}};
  return v;
}

// Sets the members of `patch` into `object`, matching names case-insensitively.
void merge(json& object, const json& patch) {
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    if (json* existing = member(object, it.key())) {
      *existing = it.value();
    } else {
      object[it.key()] = it.value();
    }
  }
}

// At most one primary (RFC 7643 §2.4): the one just written wins.
void keep_primary(json& array, const json* winner) {
  if (!winner || !winner->is_object()) return;
  const json* primary = member(*winner, "primary");
  if (!primary || !is_true(*primary)) return;
  for (auto& e : array) {
    if (&e == winner || !e.is_object()) continue;
    if (json* p = member(e, "primary")) *p = false;
  }
}

// The equality comparisons of a filter made only of `eq` and `and`: what a
// new element must hold to match it (`emails[type eq "work"].value`).
bool seed(const Filter& f, json& element) {
  switch (f.kind) {
    case Filter::Kind::compare:
      if (f.comparison.op != CompareOp::eq || f.comparison.path.names.size() != 1 || f.comparison.path.value_filter) {
        return false;
      }
      element[f.comparison.path.names[0]] = f.comparison.value;
      return true;
    case Filter::Kind::all_of:
      for (const auto& operand : f.operands) {
        if (!seed(operand, element)) return false;
      }
      return true;
    default: return false;
  }
}

json* container(json& resource, const Target& t, bool create) {
  if (!t.extension) return &resource;
  if (json* ext = member(resource, t.extension->id); ext && ext->is_object()) return ext;
  if (!create) return nullptr;
  resource[t.extension->id] = json::object();
  return &resource[t.extension->id];
}

class Patcher {
 public:
  Patcher(const ResourceType& type, json resource) : type_(type), resource_(std::move(resource)) {}

  std::optional<Error> run(const json& request) {
    if (!request.is_object()) return invalid_syntax("the PATCH body must be a JSON object");
    if (const json* schemas = member(request, "schemas")) {
      if (!schemas->is_array() || std::find(schemas->begin(), schemas->end(), kPatchOpSchema) == schemas->end()) {
        return invalid_syntax(std::string("'schemas' must list ") + kPatchOpSchema);
      }
    }
    const json* ops = member(request, "Operations");
    if (!ops || !ops->is_array() || ops->empty()) return invalid_syntax("'Operations' must be a non-empty array");
    for (size_t i = 0; i < ops->size(); ++i) {
      if (auto err = operation((*ops)[i])) {
        err->detail = "Operations[" + std::to_string(i) + "]: " + err->detail;
        return err;
      }
    }
    return std::nullopt;
  }

  json take() { return std::move(resource_); }

 private:
  std::optional<Error> operation(const json& o) {
    if (!o.is_object()) return invalid_syntax("an operation must be a JSON object");
    const json* op_name = member(o, "op");
    if (!op_name || !op_name->is_string()) return invalid_syntax("'op' must be \"add\", \"replace\" or \"remove\"");
    const std::string name = lower(op_name->get<std::string>());
    Op op;
    if (name == "add") op = Op::add;
    else if (name == "replace") op = Op::replace;
    else if (name == "remove") op = Op::remove;
    else return invalid_syntax("unknown op '" + op_name->get<std::string>() + "'");

    const json* path = member(o, "path");
    const json* value = member(o, "value");
    if (path && !path->is_null() && !path->is_string()) return invalid_path("'path' must be a string");
    const bool has_path = path && path->is_string() && !path->get_ref<const std::string&>().empty();
    if (op != Op::remove && (!value || value->is_null())) return invalid_value("'" + name + "' needs a 'value'");

    if (!has_path) {
      if (op == Op::remove) return no_target("'remove' needs a 'path'");
      if (!value->is_object()) return invalid_value("an '" + name + "' without a path needs an object 'value'");
      return each_key(op, *value, nullptr);
    }
    auto target = resolve_target(type_, path->get<std::string>());
    if (auto* err = std::get_if<Error>(&target)) return *err;
    return apply(op, std::get<Target>(target), value);
  }

  // A value object whose keys are attribute names or paths; `extension` scopes plain names.
  std::optional<Error> each_key(Op op, const json& object, const Schema* extension) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      const std::string& key = it.key();
      // Server-owned attributes are ignored here as in a PUT body.
      if (!extension && (iequals(key, "schemas") || iequals(key, "id") || iequals(key, "meta"))) continue;
      auto target = resolve_target(type_, extension ? extension->id + ":" + key : key);
      if (auto* err = std::get_if<Error>(&target)) return *err;
      if (it.value().is_null()) {
        if (auto err = apply(Op::remove, std::get<Target>(target), nullptr)) return err;
        continue;
      }
      if (auto err = apply(op, std::get<Target>(target), &it.value())) return err;
    }
    return std::nullopt;
  }

  std::optional<Error> apply(Op op, const Target& t, const json* value) {
    if (!t.attr) {  // the extension object itself
      if (op == Op::remove) {
        resource_.erase(t.extension->id);
        return std::nullopt;
      }
      if (!value->is_object()) return invalid_value("'" + t.text + "' needs an object value");
      return each_key(op, *value, t.extension);
    }
    if (op == Op::remove && t.attr->required && !t.sub && !t.filter) {
      return mutability("'" + t.attr->name + "' is required and cannot be removed");
    }
    json* scope = container(resource_, t, op != Op::remove);
    if (!scope) return std::nullopt;  // removing from an absent extension: nothing there
    json* current = member(*scope, t.attr->name);
    if (t.filter) return apply_filtered(op, t, *scope, current, value);

    switch (op) {
      case Op::remove:
        if (!current) return std::nullopt;
        if (t.sub) {
          if (current->is_object()) current->erase(t.sub->name);
        } else if (t.attr->multi_valued && value && !value->is_null()) {
          remove_listed(*current, *value);
          if (current->empty()) erase_member(*scope, t.attr->name);
        } else {
          erase_member(*scope, t.attr->name);
        }
        return std::nullopt;
      case Op::add:
      case Op::replace: break;
    }
    json& slot = current ? *current : ((*scope)[t.attr->name] = nullptr);
    if (t.sub) {
      if (!slot.is_object()) slot = json::object();
      merge(slot, {{t.sub->name, *value}});
      return std::nullopt;
    }
    if (t.attr->multi_valued) {
      json incoming = value->is_array() ? *value : json::array({*value});
      for (auto& e : incoming) e = as_complex(*t.attr, e);
      if (op == Op::replace || !slot.is_array()) slot = json::array();
      for (auto& e : incoming) append(slot, std::move(e));
      return std::nullopt;
    }
    const json v = as_complex(*t.attr, *value);
    if (t.attr->type == Type::complex && v.is_object() && slot.is_object()) {
      merge(slot, v);  // sub-attributes not given stay (RFC 7644 §3.5.2.1, §3.5.2.3)
    } else {
      slot = v;
    }
    return std::nullopt;
  }

  std::optional<Error> apply_filtered(Op op, const Target& t, json& scope, json* current, const json* value) {
    std::vector<size_t> hits;
    if (current && current->is_array()) {
      for (size_t i = 0; i < current->size(); ++i) {
        if (matches(*t.filter, (*current)[i])) hits.push_back(i);
      }
    }
    if (op == Op::remove) {
      if (hits.empty()) return no_target("'" + t.text + "' matches no value");
      for (auto i = hits.rbegin(); i != hits.rend(); ++i) {
        if (t.sub) {
          erase_member((*current)[*i], t.sub->name);
        } else {
          current->erase(*i);
        }
      }
      if (current->empty()) erase_member(scope, t.attr->name);
      return std::nullopt;
    }
    const json patch = t.sub ? json{{t.sub->name, *value}} : as_complex(*t.attr, *value);
    if (!patch.is_object()) return invalid_value("'" + t.text + "' selects complex values; 'value' must be an object");
    if (hits.empty()) {
      // Entra ID adds `emails[type eq "work"].value` to a user with no work
      // email: create the element the filter describes.
      json element = json::object();
      if (!seed(*t.filter, element)) return no_target("'" + t.text + "' matches no value");
      merge(element, patch);
      json& slot = current && current->is_array() ? *current : (scope[t.attr->name] = json::array());
      append(slot, std::move(element));
      return std::nullopt;
    }
    for (size_t i : hits) {
      merge((*current)[i], patch);
      keep_primary(*current, &(*current)[i]);
    }
    return std::nullopt;
  }

  // Adds one element, merging it into an element with the same `value`
  // rather than duplicating it (adding a member twice is one membership).
  static void append(json& array, json element) {
    const json* key = element.is_object() ? member(element, "value") : nullptr;
    for (auto& e : array) {
      const json* existing = e.is_object() ? member(e, "value") : nullptr;
      if ((key && existing && *existing == *key) || e == element) {
        if (e.is_object() && element.is_object()) merge(e, element);
        keep_primary(array, &e);
        return;
      }
    }
    array.push_back(std::move(element));
    keep_primary(array, &array.back());
  }

  // Entra ID removes members by listing them: {"op":"Remove","path":"members","value":[{"value":"id"}]}.
  static void remove_listed(json& array, const json& listed) {
    const json items = listed.is_array() ? listed : json::array({listed});
    for (const auto& item : items) {
      const json* key = item.is_object() ? member(item, "value") : &item;
      if (!key) continue;
      for (size_t i = array.size(); i-- > 0;) {
        const json* v = array[i].is_object() ? member(array[i], "value") : &array[i];
        if (v && *v == *key) array.erase(i);
      }
    }
  }

  static void erase_member(json& object, const std::string& name) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (iequals(it.key(), name)) {
        object.erase(it);
        return;
      }
    }
  }

  const ResourceType& type_;
  json resource_;
};

}  // namespace

std::variant<nlohmann::json, Error> apply_patch(const ResourceType& type, const nlohmann::json& resource,
                                                const nlohmann::json& request) {
  Patcher patcher(type, resource);
  if (auto err = patcher.run(request)) return *err;
  return patcher.take();
}

}  // namespace idb::scim
