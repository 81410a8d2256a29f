#include "connectors/cloud/fields.h"

#include <algorithm>
#include <cctype>

#include "mapping/attributes.h"

namespace idb::connectors::cloud {

namespace {

std::size_t code_points(std::string_view text) {
  return static_cast<std::size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

std::string quote(std::string_view s) { return "'" + std::string(s) + "'"; }

Result<Field> known(std::string_view api, const FieldLookup& lookup, std::string_view key,
                    const std::string& attribute) {
  if (auto field = lookup(attribute)) return std::move(*field);
  return invalid(api, key, "attribute " + quote(attribute) + " is not a field of the " + std::string(api) + " user");
}

Result<FieldValue> single(std::string_view api, const Field& field, std::string_view key, const mapping::Values& values) {
  if (values.size() != 1) {
    return invalid(api, key, "field " + quote(field.name) + " takes one value, the mapping gave " +
                                 std::to_string(values.size()));
  }
  if (auto problem = check(field, values.front())) return invalid(api, key, *problem);
  return FieldValue{field, values.front()};
}

}  // namespace

std::optional<Field> find_field(const std::vector<Field>& fields, std::string_view name) {
  for (const Field& f : fields) {
    if (f.name == name) return f;
  }
  const mapping::CaseInsensitiveLess less;
  for (const Field& f : fields) {
    if (!less(f.name, name) && !less(name, f.name)) return f;
  }
  return std::nullopt;
}

std::optional<std::string> check(const Field& field, std::string_view value) {
  const std::string name = quote(field.name);
  if (field.type == Field::Type::boolean && value != "true" && value != "false") {
    return name + " must be true or false, not " + quote(value);
  }
  if (field.max_length && code_points(value) > field.max_length) {
    return name + " is " + std::to_string(code_points(value)) + " characters long; at most " +
           std::to_string(field.max_length) + " are allowed";
  }
  if (!field.allowed.empty() && std::find(field.allowed.begin(), field.allowed.end(), value) == field.allowed.end()) {
    std::string list;
    for (const auto& a : field.allowed) list += (list.empty() ? "" : ", ") + a;
    return name + " must be one of " + list + ", not " + quote(value);
  }
  if (!field.forbidden.empty()) {
    if (auto at = value.find_first_of(field.forbidden); at != std::string_view::npos) {
      return name + " must not contain " + quote(value.substr(at, 1));
    }
  }
  if (field.valid && !field.valid(value)) return name + " must be " + field.format + ", not " + quote(value);
  return std::nullopt;
}

Failure invalid(std::string_view api, std::string_view key, std::string_view message) {
  return {FailureKind::permanent, std::string(api) + ":invalid",
          "user " + quote(key) + ": " + std::string(message)};
}

Result<std::vector<FieldValue>> created_fields(std::string_view api, const FieldLookup& lookup,
                                                const reconcile::Operation& create) {
  std::vector<FieldValue> out;
  for (const auto& [attribute, values] : create.attributes) {
    auto field = known(api, lookup, create.key, attribute);
    if (!field) return field.failure();
    auto value = single(api, field.value(), create.key, values);
    if (!value) return value.failure();
    out.push_back(std::move(value.value()));
  }
  return out;
}

Result<std::vector<FieldValue>> changed_fields(std::string_view api, const FieldLookup& lookup,
                                                const reconcile::Operation& modify) {
  std::vector<FieldValue> out;
  for (const auto& change : modify.changes) {
    auto field = known(api, lookup, modify.key, change.attribute);
    if (!field) return field.failure();
    FieldValue next{field.value(), std::nullopt};
    // add/replace set the value; remove (of the value or the whole attribute) clears it.
    if (change.kind != reconcile::ChangeKind::remove) {
      auto value = single(api, field.value(), modify.key, change.values);
      if (!value) return value.failure();
      next = std::move(value.value());
    }
    auto same = std::find_if(out.begin(), out.end(), [&](const FieldValue& f) { return f.field.name == next.field.name; });
    // An add and a remove of one single-valued field: the add is what remains.
    if (same == out.end()) {
      out.push_back(std::move(next));
    } else if (next.value) {
      *same = std::move(next);
    }
  }
  return out;
}

std::optional<std::string> json_text(const nlohmann::json* value) {
  if (!value || value->is_null()) return std::nullopt;
  std::string text = value->is_string() ? value->get<std::string>() : value->dump();
  if (text.empty()) return std::nullopt;
  return text;
}

std::string string_member(const nlohmann::json& body, std::initializer_list<const char*> names) {
  if (!body.is_object()) return "";
  for (const char* name : names) {
    if (auto it = body.find(name); it != body.end() && it->is_string()) return it->get<std::string>();
  }
  return "";
}

Observed observe(const std::string& key, const std::vector<std::string>& attributes,
                 const std::function<std::optional<std::string>(const std::string&)>& value_of,
                 const StatusField& status) {
  Observed observed{key, {}};
  const mapping::CaseInsensitiveLess less;
  for (const auto& attribute : attributes) {
    auto value = value_of(attribute);
    if (!value) continue;
    const bool is_status = !less(attribute, status.name) && !less(status.name, attribute);
    if (is_status && !status.mapped && *value == status.active) continue;
    observed.attributes[attribute] = {*value};
  }
  return observed;
}

bool looks_like_email(std::string_view value) {
  const auto at = value.find('@');
  return at != std::string_view::npos && at > 0 && at + 1 < value.size() && value.find('@', at + 1) == std::string_view::npos &&
         value.find_first_of(" \t\r\n") == std::string_view::npos;
}

bool is_date(std::string_view v) {
  auto digits = [&](std::size_t from, std::size_t n) {
    return std::all_of(v.begin() + from, v.begin() + from + n, [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
  };
  return v.size() == 10 && v[4] == '-' && v[7] == '-' && digits(0, 4) && digits(5, 2) && digits(8, 2);
}

bool is_digits(std::string_view v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](char c) { return std::isdigit(static_cast<unsigned char>(c)); });
}

}  // namespace idb::connectors::cloud
