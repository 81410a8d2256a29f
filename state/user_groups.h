#pragma once
// User.groups: the groups a user is in, directly or through groups that are
// members of groups, computed from the Groups' members (RFC 7643 §4.1.2 makes
// it read-only, so it is never stored with the user). The SCIM endpoint shows
// it and the mappings read it; both take it from here.
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "state/store.h"

namespace idb::state {

class UserGroups {
 public:
  // `many`: every membership is read at once, for computing the groups of
  // many users, and of/add_to only read it then (several threads may ask at
  // once); otherwise one query per member asked about.
  UserGroups(Store& store, bool many);

  // [{value, display, type: "direct"|"indirect"}], each group once, direct
  // ones first; with `$ref` = groups_url + id when groups_url is not empty.
  nlohmann::json of(const std::string& member_id, const std::string& groups_url = "");
  // Sets resource["groups"] to of(user_id), or removes it when there are none.
  void add_to(const std::string& user_id, nlohmann::json& resource, const std::string& groups_url = "");

 private:
  const std::vector<Membership>& containing(const std::string& member_id);

  Store& store_;
  bool all_loaded_;
  std::unordered_map<std::string, std::vector<Membership>> by_member_;
};

}  // namespace idb::state
