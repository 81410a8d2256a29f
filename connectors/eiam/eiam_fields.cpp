#include "connectors/eiam/eiam_fields.h"

#include <algorithm>
#include <cctype>
#include <string_view>
#include <vector>

namespace idb::connectors::eiam {

namespace {

using cloud::Field;

constexpr std::string_view kCustom = "CustomFields.";

bool username_chars(std::string_view v) {
  return std::all_of(v.begin(), v.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '_' || c == '.' || c == '@' || c == '-';
  });
}

bool phone_number(std::string_view v) { return v.size() >= 6 && v.size() <= 15 && cloud::is_digits(v); }

// The local part takes letters, digits, '.', '_' and '-' only.
bool eiam_email(std::string_view v) {
  if (!cloud::looks_like_email(v)) return false;
  const std::string_view local = v.substr(0, v.find('@'));
  return std::all_of(local.begin(), local.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '.' || c == '_' || c == '-'; });
}

const std::vector<Field>& fields() {
  static const std::vector<Field> kFields{
      {.name = "UserExternalId", .max_length = 128},  // the key; a mapping may name it too
      {.name = "Username", .max_length = 256, .valid = username_chars, .format = "letters, digits, '_', '.', '@' and '-'"},
      {.name = "DisplayName", .max_length = 128},
      {.name = "Email", .valid = eiam_email, .format = "an email address whose local part is letters, digits, '.', '_', '-'"},
      {.name = "EmailVerified", .type = Field::Type::boolean},
      {.name = "PhoneRegion", .max_length = 6, .valid = cloud::is_digits, .format = "a country code in digits, like 86"},
      {.name = "PhoneNumber", .valid = phone_number, .format = "6 to 15 digits"},
      {.name = "PhoneNumberVerified", .type = Field::Type::boolean},
      {.name = "Description"},
      {.name = "Status", .allowed = {"enabled", "disabled"}},
  };
  return kFields;
}

}  // namespace

std::optional<Field> field(const std::string& attribute) {
  if (is_custom(attribute)) return Field{.name = attribute};
  return cloud::find_field(fields(), attribute);
}

bool is_custom(const std::string& attribute) {
  return attribute.size() > kCustom.size() && attribute.starts_with(kCustom);
}

std::string custom_name(const std::string& attribute) { return attribute.substr(kCustom.size()); }

std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute) {
  const nlohmann::json* value = nullptr;
  if (is_custom(attribute)) {
    auto list = user.find("CustomFields");
    if (list == user.end() || !list->is_array()) return std::nullopt;
    for (const auto& item : *list) {
      if (item.is_object() && item.value("FieldName", "") == custom_name(attribute) && item.contains("FieldValue")) {
        value = &item["FieldValue"];
      }
    }
  } else if (auto it = user.find(attribute); it != user.end()) {
    value = &*it;
  }
  return cloud::json_text(value);
}

}  // namespace idb::connectors::eiam
