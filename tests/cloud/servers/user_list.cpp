#include "tests/cloud/servers/user_list.h"

namespace idb::test::cloud {

std::size_t UserList::user_count() const {
  std::lock_guard lock(mutex_);
  return users_.size();
}

std::optional<nlohmann::json> UserList::find_by(const char* field, const std::string& value) const {
  std::lock_guard lock(mutex_);
  for (const auto& u : users_) {
    if (u.contains(field) && u[field] == value) return u;
  }
  return std::nullopt;
}

void UserList::add(nlohmann::json user) {
  std::lock_guard lock(mutex_);
  users_.push_back(std::move(user));
}

}  // namespace idb::test::cloud
