#include "connectors/pds/pds_fields.h"

#include <vector>

namespace idb::connectors::pds {

namespace {

using cloud::Field;

constexpr std::string_view kUserData = "user_data.";
constexpr std::size_t kUserDataLimit = 1024;

bool is_avatar(std::string_view v) {
  if (v.starts_with("http://") || v.starts_with("https://")) return v.size() <= 4 * 1024;
  return v.starts_with("data://") && v.size() <= 300 * 1024;
}

const std::vector<Field>& fields() {
  static const std::vector<Field> kFields{
      {.name = "user_id", .max_length = 64, .forbidden = "#"},  // the key; a mapping may name it too
      {.name = "user_name", .max_length = 128},  // create only: UpdateUser cannot change it
      {.name = "nick_name", .max_length = 128},
      {.name = "status", .allowed = {"enabled", "disabled"}},
      {.name = "role", .allowed = {"superadmin", "admin", "user", "subdomain_super_admin", "subdomain_admin"}},
      {.name = "avatar", .valid = is_avatar, .format = "an http(s):// URL up to 4 KB or a data:// URL up to 300 KB"},
      {.name = "description", .max_length = 1024},
      {.name = "phone"},
      {.name = "email", .valid = cloud::looks_like_email, .format = "an email address"},
  };
  return kFields;
}

std::size_t code_points(std::string_view text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace

std::optional<Field> field(const std::string& attribute) {
  if (is_user_data(attribute)) return Field{.name = attribute, .max_length = kUserDataLimit};
  return cloud::find_field(fields(), attribute);
}

std::optional<std::string> check_user_id(std::string_view key) {
  if (key.empty()) return "the key (PDS user_id) is empty";
  if (code_points(key) > 64) return "the key (PDS user_id) is " + std::to_string(code_points(key)) + " characters long; at most 64 are allowed";
  if (key.find('#') != std::string_view::npos) return "the key (PDS user_id) must not contain '#'";
  return std::nullopt;
}

bool is_user_data(const std::string& attribute) {
  return attribute.size() > kUserData.size() && attribute.starts_with(kUserData);
}

std::string user_data_key(const std::string& attribute) { return attribute.substr(kUserData.size()); }

std::optional<std::string> check_user_data(const nlohmann::json& user_data) {
  std::size_t total = 0;
  for (const auto& [key, value] : user_data.items()) {
    total += code_points(key) + (value.is_string() ? code_points(value.get<std::string>()) : 0);
  }
  if (total <= kUserDataLimit) return std::nullopt;
  return "user_data holds " + std::to_string(total) + " characters; at most 1024 are allowed";
}

std::optional<std::string> get(const nlohmann::json& user, const std::string& attribute) {
  const nlohmann::json* value = nullptr;
  if (is_user_data(attribute)) {
    auto data = user.find("user_data");
    if (data == user.end() || !data->is_object()) return std::nullopt;
    if (auto it = data->find(user_data_key(attribute)); it != data->end()) value = &*it;
  } else if (auto it = user.find(attribute); it != user.end()) {
    value = &*it;
  }
  if (!value || !value->is_string() || value->get<std::string>().empty()) return std::nullopt;
  return value->get<std::string>();
}

}  // namespace idb::connectors::pds
