#include "state/user_groups.h"

#include <set>
#include <utility>

namespace idb::state {

UserGroups::UserGroups(Store& store, bool many) : store_(store), all_loaded_(many) {
  if (all_loaded_) {
    for (auto& m : store_.memberships()) by_member_[m.member_id].push_back(std::move(m));
  }
}

const std::vector<Membership>& UserGroups::containing(const std::string& member_id) {
  if (const auto found = by_member_.find(member_id); found != by_member_.end()) return found->second;
  // Everything loaded: a member of no group is not remembered, so a pass over
  // every user neither grows the map by one entry each nor writes to it.
  static const std::vector<Membership> kNone;
  if (all_loaded_) return kNone;
  return by_member_.emplace(member_id, store_.groups_with_member(member_id)).first->second;
}

nlohmann::json UserGroups::of(const std::string& member_id, const std::string& groups_url) {
  nlohmann::json out = nlohmann::json::array();
  std::set<std::string> seen;
  // Breadth-first, so direct groups come first and a cycle of groups ends.
  std::vector<std::pair<const Membership*, bool>> todo;
  for (const auto& m : containing(member_id)) todo.push_back({&m, true});
  for (size_t i = 0; i < todo.size(); ++i) {
    const auto [m, direct] = todo[i];
    if (!seen.insert(m->group_id).second) continue;
    nlohmann::json entry = {
        {"value", m->group_id}, {"display", m->group_display_name}, {"type", direct ? "direct" : "indirect"}};
    if (!groups_url.empty()) entry["$ref"] = groups_url + m->group_id;
    out.push_back(std::move(entry));
    for (const auto& parent : containing(m->group_id)) todo.push_back({&parent, false});
  }
  return out;
}

void UserGroups::add_to(const std::string& user_id, nlohmann::json& resource, const std::string& groups_url) {
  nlohmann::json groups = of(user_id, groups_url);
  if (groups.empty()) {
    resource.erase("groups");
  } else {
    resource["groups"] = std::move(groups);
  }
}

}  // namespace idb::state
