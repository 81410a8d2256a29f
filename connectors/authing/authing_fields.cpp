#include "connectors/authing/authing_fields.h"


namespace idb::connectors::authing {

namespace {

using cloud::Field;

constexpr std::string_view kCustom = "customData.";

Field text(std::string name) { return Field{.name = std::move(name)}; }

bool is_custom(const std::string& attribute) {
  return attribute.size() > kCustom.size() && attribute.starts_with(kCustom);
}

const std::vector<Field>& fields() {
  static const std::vector<Field> kFields = [] {
    std::vector<Field> f;
    for (const char* name :
         {"phoneCountryCode", "name", "nickname", "photo", "externalId", "birthdate", "country", "province", "city",
          "address", "streetAddress", "postalCode", "username", "phone", "company", "browser", "device", "givenName",
          "familyName", "middleName", "profile", "preferredUsername", "website", "zoneinfo", "locale", "formatted",
          "region", "identityNumber"}) {
      f.push_back(text(name));
    }
    f.push_back(Field{.name = "email", .valid = cloud::looks_like_email, .format = "an email address"});
    f.push_back(Field{.name = "status", .allowed = {"Activated", "Suspended", "Deactivated", "Resigned", "Archived"}});
    // The seed says M/W/U, SDK 4.x says M/F/U: both are accepted.
    f.push_back(Field{.name = "gender", .allowed = {"M", "F", "W", "U"}});
    f.push_back(Field{.name = "emailVerified", .type = Field::Type::boolean});
    f.push_back(Field{.name = "phoneVerified", .type = Field::Type::boolean});
    for (Field& field : f) {
      if (field.name == "birthdate") field.valid = cloud::is_date, field.format = "a date like 2022-06-03";
    }
    return f;
  }();
  return kFields;
}

}  // namespace

std::optional<Field> field(const std::string& attribute) {
  if (is_custom(attribute)) return text(attribute);
  return cloud::find_field(fields(), attribute);
}

void put(nlohmann::ordered_json& body, const cloud::FieldValue& value) {
  const Field& field = value.field;
  nlohmann::ordered_json json;
  if (field.type == Field::Type::boolean) {
    json = value.value == "true";
  } else {
    json = value.value.value_or("");
  }
  if (is_custom(field.name)) {
    body["customData"][field.name.substr(kCustom.size())] = std::move(json);
  } else {
    body[field.name] = std::move(json);
  }
}

std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute) {
  const nlohmann::json* value = nullptr;
  if (is_custom(attribute)) {
    auto custom = user.find("customData");
    if (custom == user.end() || !custom->is_object()) return std::nullopt;
    auto it = custom->find(attribute.substr(kCustom.size()));
    if (it != custom->end()) value = &*it;
  } else if (auto it = user.find(attribute); it != user.end()) {
    value = &*it;
  }
  return cloud::json_text(value);
}

}  // namespace idb::connectors::authing
