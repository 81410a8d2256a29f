#include "daemon/group_sync.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "connectors/ldap/dn.h"
#include "reconcile/planner.h"
#include "scim/user_resource.h"

namespace idb::daemon {
namespace {

const char* verb(const reconcile::Operation& op) {
  switch (op.kind) {
    case reconcile::Operation::Kind::create: return "created";
    case reconcile::Operation::Kind::modify: return "updated";
    case reconcile::Operation::Kind::rename: return "renamed";
    case reconcile::Operation::Kind::remove: return "deleted";
  }
  return "changed";
}

}  // namespace

std::vector<DesiredGroup> desired_groups(const mapping::GroupMapping& mapping,
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
  std::vector<DesiredGroup> out;
  for (const auto& group : groups) {
    auto it = by_id.find(group.id);
    if (it == by_id.end()) continue;
    auto& members = it->second.attributes[mapping.member_attribute];
    if (members.empty() && !mapping.may_be_empty()) continue;
    std::sort(members.begin(), members.end());
    out.push_back({group.id, std::move(it->second)});
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
  // Links are keyed "group:<SCIM group id>" beside any other links of the target.
  const std::string kLink = "group:";
  auto links = store.account_links(name, kLink);
  std::vector<reconcile::Operation> ops;
  // Per group whose ops are sent: its link key, where its entry ends up, and its ops' range.
  struct Pending {
    std::string link;
    std::string dn;  // empty: the entry is deleted
    std::size_t first, count;
  };
  std::vector<Pending> pending;
  const auto read_entry = [&](const std::string& dn, const std::vector<std::string>& attributes)
      -> std::optional<std::optional<reconcile::Account>> {
    const auto observed = target.connector->read(dn, attributes);
    if (!observed) {
      spdlog::warn("{}: group {} not read: {}: {}", name, dn, observed.failure().code, observed.failure().message);
      ++summary.failed;
      return std::nullopt;
    }
    if (!observed.value()) return std::optional<reconcile::Account>{};
    return std::optional<reconcile::Account>{reconcile::Account{dn, observed.value()->attributes}};
  };
  for (const auto& [group_id, desired] : desired_groups(*mapping, store.list_groups(), store.memberships(), member_values)) {
    const std::string link = kLink + group_id;
    const auto linked = links.find(link);
    std::optional<std::string> old_dn;
    const bool link_current = linked != links.end() && linked->second == desired.key;
    if (linked != links.end()) {
      if (linked->second != desired.key) old_dn = linked->second;
      links.erase(linked);
    }
    std::vector<std::string> attributes;
    for (const auto& [attribute, values] : desired.attributes) attributes.push_back(attribute);
    auto account = read_entry(desired.key, attributes);
    if (!account) continue;
    // Renamed: the entry still at its old DN moves, members and all, rather than a twin being made.
    if (!*account && old_dn) {
      account = read_entry(*old_dn, attributes);
      if (!account) continue;
    }
    const std::size_t first = ops.size();
    for (auto& op : reconcile::plan(desired, *account)) ops.push_back(std::move(op));
    if (ops.size() > first || !link_current) {
      pending.push_back({link, desired.key, first, ops.size() - first});
    }
  }
  // Links left are of groups that are gone or map to no entry now (no DN, or a
  // groupOfNames with no member left): the entries idbridge wrote for them go.
  for (const auto& [link, dn] : links) {
    pending.push_back({link, "", ops.size(), 1});
    ops.push_back({reconcile::Operation::Kind::remove, dn, {}, {}, {}});
  }
  if (pending.empty()) return summary;
  const auto statuses = ops.empty() ? std::vector<connectors::Status>{} : target.connector->apply_all(ops);
  for (const auto& p : pending) {
    bool ok = true;
    for (std::size_t i = p.first; i < p.first + p.count; ++i) {
      if (statuses[i]) {
        ++summary.changed;
        spdlog::info("{}: group {} {}", name, ops[i].key, verb(ops[i]));
      } else {
        ok = false;
        ++summary.failed;
        spdlog::warn("{}: group {} not {}: {}: {}", name, ops[i].key, verb(ops[i]), statuses[i].failure().code,
                     statuses[i].failure().message);
      }
    }
    if (!ok) continue;
    if (p.dn.empty()) {
      store.unlink_account(name, p.link);
    } else {
      store.link_account(name, p.link, p.dn);
    }
  }
  return summary;
}

}  // namespace idb::daemon
