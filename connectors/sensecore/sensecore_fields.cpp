#include "connectors/sensecore/sensecore_fields.h"

#include <vector>

namespace idb::connectors::sensecore {

namespace {

using cloud::Field;

bool not_empty(std::string_view v) { return !v.empty(); }

const std::vector<Field>& fields() {
  static const std::vector<Field> kFields{
      {.name = "name", .max_length = 64, .valid = not_empty, .format = "1 to 64 characters"},
      {.name = "username", .max_length = 64, .valid = not_empty, .format = "1 to 64 characters"},
      {.name = "phone", .max_length = 32},
      {.name = "email", .valid = cloud::looks_like_email, .format = "an email address"},
      {.name = "region_code", .max_length = 6, .valid = cloud::is_digits, .format = "a country code in digits, like 86"},
      {.name = "remark", .max_length = 256},
      // Their values are not documented (INFERRED: enabled/disabled, true/false); the server judges them.
      {.name = "console_state"},
      {.name = "open_api_state"},
      {.name = "mfa_state"},
      {.name = "set_password_first_login"},
      {.name = "set_password_next_login"},
      {.name = "set_password_at_login"},
  };
  return kFields;
}

}  // namespace

std::optional<Field> field(const std::string& attribute) { return cloud::find_field(fields(), attribute); }

std::optional<std::string> check_username(const std::string& key) {
  if (key.empty() || key.size() > 64) return "the key (SenseCore username) must be 1 to 64 characters";
  return std::nullopt;
}

std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute) {
  auto it = user.find(attribute);
  return cloud::json_text(it == user.end() ? nullptr : &*it);
}

}  // namespace idb::connectors::sensecore
