#include "connectors/huawei/huawei_fields.h"

#include <algorithm>
#include <cctype>
#include <vector>

namespace idb::connectors::huawei {

namespace {

using cloud::Field;

bool expiry(std::string_view v) {
  // "0" (never) or yyyy-MM-ddTHH:mm:ss[.SSS]Z
  return v == "0" || (v.size() >= 20 && cloud::is_date(v.substr(0, 10)) && v[10] == 'T' && v.back() == 'Z');
}

const std::vector<Field>& fields() {
  static const std::vector<Field> kFields{
      {.name = "user_name", .max_length = 20},  // the key; a mapping may name it too
      {.name = "description", .max_length = 255},
      {.name = "user_email", .valid = cloud::looks_like_email, .format = "an email address"},
      {.name = "user_phone", .max_length = 32},
      {.name = "alias_name", .max_length = 64},
      {.name = "active_type", .allowed = {"USER_ACTIVATE", "ADMIN_ACTIVATE"}},
      {.name = "account_expires", .valid = expiry, .format = "0 or a time like 2027-01-01T00:00:00Z"},
      {.name = "enable_change_password", .type = Field::Type::boolean},
      {.name = "next_login_change_password", .type = Field::Type::boolean},
      {.name = "password_never_expired", .type = Field::Type::boolean},
      {.name = "disabled", .type = Field::Type::boolean},
  };
  return kFields;
}

}  // namespace

std::optional<Field> field(const std::string& attribute) { return cloud::find_field(fields(), attribute); }

std::optional<std::string> check_user_name(std::string_view key) {
  const bool chars = std::all_of(key.begin(), key.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
  if (key.empty() || key.size() > 20 || !chars || std::isdigit(static_cast<unsigned char>(key.front()))) {
    return "the key (Workspace user_name) must be 1 to 20 letters, digits, '_' or '-', not starting with a digit";
  }
  return std::nullopt;
}

void put(nlohmann::json& body, const cloud::FieldValue& value) {
  if (value.field.type == Field::Type::boolean) {
    body[value.field.name] = value.value == "true";
  } else {
    body[value.field.name] = value.value.value_or("");
  }
}

std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute) {
  auto it = user.find(attribute);
  return cloud::json_text(it == user.end() ? nullptr : &*it);
}

}  // namespace idb::connectors::huawei
