#pragma once
// What every cloud connector does with the mapping's output before sending:
// check each value against the API's field limits (so a bad value is a clear
// per-user error, not a round trip), and reduce a modify's changes to the one
// value each field must end with. Pure functions.
#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/connector.h"
#include "reconcile/operation.h"

namespace idb::connectors::cloud {

struct Field {
  enum class Type { string, boolean };
  std::string name{};                // the API's own field name, also the mapping's attribute name
  Type type = Type::string;
  std::size_t max_length = 0;        // in characters (UTF-8 code points); 0 = no limit
  std::vector<std::string> allowed{};  // an enum; empty = any value
  std::string forbidden{};           // characters that must not appear
  bool (*valid)(std::string_view) = nullptr;  // a format check, with `format` saying what it wants
  const char* format = "";
};

// The field named `name` (exact, then case-insensitive), or nothing.
std::optional<Field> find_field(const std::vector<Field>& fields, std::string_view name);

// How a connector finds the field for a mapping attribute.
using FieldLookup = std::function<std::optional<Field>(const std::string& attribute)>;

// Why `value` does not fit `field`, or nothing. `api` names the API in messages.
std::optional<std::string> check(const Field& field, std::string_view value);

// A permanent Failure naming the user key, the field and the problem.
Failure invalid(std::string_view api, std::string_view key, std::string_view message);

// One field's final state after a modify: a value, or cleared.
struct FieldValue {
  Field field;
  std::optional<std::string> value;
};

// Every attribute of a create, or every change of a modify, as single checked
// values; a Failure for an unknown attribute, more than one value, or a value
// that breaks a limit.
Result<std::vector<FieldValue>> created_fields(std::string_view api, const FieldLookup& lookup,
                                                const reconcile::Operation& create);
Result<std::vector<FieldValue>> changed_fields(std::string_view api, const FieldLookup& lookup,
                                                const reconcile::Operation& modify);

// A JSON member as an attribute value: strings as they are, other scalars as
// JSON text; nothing for a missing member, null or "".
std::optional<std::string> json_text(const nlohmann::json* value);
// The first of `names` that is a string member of `body`, or "" (error bodies
// spell their keys either way).
std::string string_member(const nlohmann::json& body, std::initializer_list<const char*> names);

// The account's lifecycle field: unless the mapping sets it itself, its
// active value reads as "no disable mark", so re-enabling is the mark's removal.
struct StatusField {
  std::string name;
  std::string active;
  bool mapped = false;
};

// The account `key` with those of `attributes` that `value_of` finds.
Observed observe(const std::string& key, const std::vector<std::string>& attributes,
                 const std::function<std::optional<std::string>(const std::string&)>& value_of,
                 const StatusField& status);

// Format checks shared by several APIs.
bool looks_like_email(std::string_view value);
bool is_date(std::string_view value);  // YYYY-MM-DD
bool is_digits(std::string_view value);

}  // namespace idb::connectors::cloud
