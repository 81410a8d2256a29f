#pragma once
// The users a faithful server keeps in creation order, under the one mutex its
// handlers hold, and what tests read of them. A base, so a server's Loopback
// member is destroyed (and its handlers stopped) before the users go.
#include <cstddef>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace idb::test::cloud {

class UserList {
 public:
  std::size_t user_count() const;

 protected:
  // A copy of the user whose `field` is `value`, or nothing.
  std::optional<nlohmann::json> find_by(const char* field, const std::string& value) const;
  // Stores a user made behind the API's back (a test's seed).
  void add(nlohmann::json user);

  mutable std::mutex mutex_;
  std::vector<nlohmann::json> users_;
};

}  // namespace idb::test::cloud
