#include "daemon/group_sync.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "connectors/ldap/dn.h"
#include "reconcile/planner.h"
#include "scim/user_resource.h"

namespace idb::daemon {

std::vector<mapping::Desired> desired_groups(const mapping::GroupMapping& mapping,
                                             const std::vector<state::Group>& groups,
                                             const std::vector<state::Membership>& memberships,
                                             const std::unordered_map<std::string, std::string>& member_values) {
  std::unordered_map<std::string, mapping::Desired> by_id;
  for (const auto& group : groups) {
    const auto dn = mapping.render_dn(group.resource);
    std::optional<connectors::ldap::Dn> parsed;
    if (dn) {
      if (auto p = connectors::ldap::parse_dn(*dn); p && !p.value().empty()) parsed = std::move(p.value());
    }
    if (!parsed) {
      spdlog::warn("group {} ({}): no DN from the groups mapping; left out", group.display_name, group.id);
      continue;
    }
    mapping::Desired d{*dn, mapping.render_attributes(group.resource)};
    d.attributes["objectClass"] = mapping.object_classes;
    // The naming attribute must be in the entry too.
    for (const auto& ava : parsed->rdns.front()) d.attributes[ava.type] = {ava.value};
    d.attributes[mapping.member_attribute] = {};
    by_id.emplace(group.id, std::move(d));
  }
  const bool dn_members = mapping.member_value == "dn";
  for (const auto& m : memberships) {
    const auto group = by_id.find(m.group_id);
    if (group == by_id.end()) continue;
    std::string value;
    if (const auto user = member_values.find(m.member_id); user != member_values.end()) {
      value = user->second;
    } else if (const auto nested = by_id.find(m.member_id); dn_members && nested != by_id.end()) {
      value = nested->second.key;
    } else {
      continue;
    }
    auto& members = group->second.attributes[mapping.member_attribute];
    if (std::find(members.begin(), members.end(), value) == members.end()) members.push_back(value);
  }
  std::vector<mapping::Desired> out;
  for (const auto& group : groups) {
    auto it = by_id.find(group.id);
    if (it == by_id.end()) continue;
    auto& members = it->second.attributes[mapping.member_attribute];
    if (members.empty() && !mapping.may_be_empty()) continue;
    std::sort(members.begin(), members.end());
    out.push_back(std::move(it->second));
  }
  return out;
}

GroupSyncSummary sync_groups(const TargetBinding& target, state::Store& store) {
  GroupSyncSummary summary;
  const mapping::GroupMapping* mapping = target.mapping->groups();
  if (!mapping) return summary;
  const std::string& name = target.connector->name();
  const auto baselines = store.baselines(name);
  std::unordered_map<std::string, std::string> member_values;
  for (const auto& user : store.list_users()) {
    const auto baseline = baselines.find(user.id);
    if (baseline == baselines.end() || !scim::is_active(user.resource)) continue;
    if (mapping->member_value == "dn") {
      member_values.emplace(user.id, baseline->second.key);
    } else if (const auto v = baseline->second.attributes.find(mapping->member_value);
               v != baseline->second.attributes.end() && !v->second.empty()) {
      member_values.emplace(user.id, v->second.front());
    }
  }
  std::vector<reconcile::Operation> ops;
  for (const auto& desired : desired_groups(*mapping, store.list_groups(), store.memberships(), member_values)) {
    std::vector<std::string> attributes;
    for (const auto& [attribute, values] : desired.attributes) attributes.push_back(attribute);
    const auto observed = target.connector->read(desired.key, attributes);
    if (!observed) {
      spdlog::warn("{}: group {} not read: {}: {}", name, desired.key, observed.failure().code,
                   observed.failure().message);
      ++summary.failed;
      continue;
    }
    std::optional<reconcile::Account> account;
    if (observed.value()) account = reconcile::Account{desired.key, observed.value()->attributes};
    for (auto& op : reconcile::plan(desired, account)) ops.push_back(std::move(op));
  }
  if (ops.empty()) return summary;
  const auto statuses = target.connector->apply_all(ops);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    if (statuses[i]) {
      ++summary.changed;
      spdlog::info("{}: group {} {}", name, ops[i].key, ops[i].kind == reconcile::Operation::Kind::create ? "created" : "updated");
    } else {
      ++summary.failed;
      spdlog::warn("{}: group {} not written: {}: {}", name, ops[i].key, statuses[i].failure().code,
                   statuses[i].failure().message);
    }
  }
  return summary;
}

}  // namespace idb::daemon
