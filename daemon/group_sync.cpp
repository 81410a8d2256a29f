#include "daemon/group_sync.h"

#include <algorithm>
#include <set>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "connectors/ldap/dn.h"
#include "daemon/account_index.h"
#include "daemon/audit_record.h"
#include "daemon/runtime.h"
#include "scim/user_resource.h"

namespace idb::daemon {
namespace {

// Links are keyed "group:<SCIM group id>" beside any other links of the target.
const std::string kLink = "group:";

const char* verb(const reconcile::Operation& op) {
  switch (op.kind) {
    case reconcile::Operation::Kind::create: return "created";
    case reconcile::Operation::Kind::modify: return "updated";
    case reconcile::Operation::Kind::rename: return "renamed";
    case reconcile::Operation::Kind::remove: return "deleted";
  }
  return "changed";
}

// What names the account last written as `baseline` in a group: its DN, or
// the attribute the mapping names (uid for memberUid).
std::optional<std::string> member_value(const mapping::GroupMapping& mapping, const state::Baseline& baseline) {
  if (mapping.member_value == "dn") return baseline.key;
  const auto v = baseline.attributes.find(mapping.member_value);
  if (v == baseline.attributes.end() || v->second.empty()) return std::nullopt;
  return v->second.front();
}

// What names the user in a group once `plan` is applied: nullopt when it will
// have no account there, or a disabled one (a disabled user is no member).
std::optional<std::string> member_after(const mapping::GroupMapping& mapping, const UserPlan& plan) {
  if (plan.kind == UserPlan::Kind::remove || plan.disabled_since_ms) return std::nullopt;
  if (mapping.member_value == "dn") return plan.desired.key;
  return member_value(mapping, *plan.next_baseline({}));
}

// What names each member user of `memberships` in a group, looked up by id:
// a group's members only, not every user.
std::unordered_map<std::string, std::string> member_values(const mapping::GroupMapping& mapping,
                                                           const std::string& target,
                                                           const std::vector<state::Membership>& memberships,
                                                           const PendingMembers& pending, state::Store& store) {
  std::unordered_set<std::string> unique;
  std::vector<std::string> members;
  for (const auto& m : memberships) {
    if (unique.insert(m.member_id).second) members.push_back(m.member_id);
  }
  std::unordered_map<std::string, std::string> out;
  // A member that is a group is no user: not found, as an unknown id.
  store.for_each_user_with_baseline(target, members, [&](state::User&& user, std::optional<state::Baseline>&& baseline) {
    if (!scim::is_active(user.resource)) return;
    std::optional<std::string> value;
    if (const auto after = pending.find(user.id); after != pending.end()) {
      value = after->second;
    } else if (baseline && !baseline->disabled_ms) {  // disabled though active: it left the target's scope
      value = member_value(mapping, *baseline);
    }
    if (value) out.emplace(user.id, std::move(*value));
  });
  return out;
}

// Where every group's entry is: the DN template's tail after its last
// placeholder's RDN, nullopt when a placeholder reaches the end. Below it one
// paged read finds the entries; a link elsewhere (a template changed since)
// is read on its own.
std::optional<std::string> groups_base(const mapping::GroupMapping& mapping) {
  const auto& pieces = mapping.dn.pieces;
  if (pieces.empty() || pieces.back().path) return std::nullopt;
  const std::string& tail = pieces.back().literal;
  for (std::size_t i = 0; i < tail.size(); ++i) {
    if (tail[i] == '\\') {
      ++i;
    } else if (tail[i] == ',') {
      std::string base = tail.substr(i + 1);
      const auto parsed = connectors::ldap::parse_dn(base);
      if (!parsed || parsed.value().empty()) return std::nullopt;
      return base;
    }
  }
  return std::nullopt;
}

// What the one read asks for: what entries_to_read can ask of a group's
// entry, as far as the mapping tells (the naming attribute when the template
// starts with it). A DN asked for more is read on its own.
std::vector<std::string> groups_read_attributes(const mapping::GroupMapping& mapping) {
  std::vector<std::string> out{"objectClass", mapping.member_attribute};
  for (const auto& [name, _] : mapping.attributes) out.push_back(name);
  if (const auto& pieces = mapping.dn.pieces; !pieces.empty() && !pieces.front().path) {
    const std::string& head = pieces.front().literal;
    if (const auto eq = head.find('='); eq != std::string::npos && eq > 0 && head.find_first_of(",+\\") > eq) {
      out.push_back(head.substr(0, eq));
    }
  }
  return out;
}

bool same_dn(const std::string& a, const std::string& b) {
  const auto x = connectors::ldap::parse_dn(a);
  const auto y = connectors::ldap::parse_dn(b);
  return x && y && connectors::ldap::normalize(x.value()) == connectors::ldap::normalize(y.value());
}

}  // namespace

std::vector<reconcile::DesiredGroup> desired_groups(const mapping::GroupMapping& mapping,
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
  std::vector<reconcile::DesiredGroup> out;
  for (const auto& group : groups) {
    auto it = by_id.find(group.id);
    if (it == by_id.end()) continue;
    auto& members = it->second.attributes[mapping.member_attribute];
    if (members.empty() && !mapping.may_be_empty()) continue;
    std::sort(members.begin(), members.end());
    out.push_back({group.id, group.display_name, std::move(it->second)});
  }
  return out;
}

void note_pending_member(const TargetBinding& target, const std::string& user_id, const UserPlan& plan,
                         PendingMembers& pending) {
  const mapping::GroupMapping* mapping = target.mapping->groups();
  if (!mapping || plan.operations.empty()) return;
  pending[user_id] = member_after(*mapping, plan);
}

bool moves_membership(const TargetBinding& target, const std::optional<state::Baseline>& before,
                      const UserPlan& plan) {
  const mapping::GroupMapping* mapping = target.mapping->groups();
  if (!mapping) return false;
  const auto member_before =
      before && !before->disabled_ms ? member_value(*mapping, *before) : std::optional<std::string>();
  return member_before != member_after(*mapping, plan);
}

namespace {

// The group entries of `desired` and of `links` in line: each entry read
// through `reader` when it was asked for all the attributes wanted there
// (`readable`), on its own otherwise.
std::vector<reconcile::GroupPlan> plan_entries(const TargetBinding& target, const mapping::GroupMapping& mapping,
                                               const std::vector<reconcile::DesiredGroup>& desired,
                                               reconcile::GroupLinks links, const AccountReader& reader,
                                               const std::vector<std::string>& readable_attributes) {
  // The planner compares DNs as text: a link naming a group's DN in another
  // spelling ("cn=Admins" for "cn=admins") is that DN, not a renamed entry's.
  for (const auto& group : desired) {
    const auto link = links.find(group.group_id);
    if (link != links.end() && link->second != group.entry.key && same_dn(link->second, group.entry.key)) {
      link->second = group.entry.key;
    }
  }
  const std::set<std::string, mapping::CaseInsensitiveLess> readable(readable_attributes.begin(),
                                                                     readable_attributes.end());
  reconcile::ObservedEntries observed;
  for (const auto& [dn, attributes] : reconcile::entries_to_read(desired, links, mapping.member_attribute)) {
    auto& entry = observed[dn];
    const bool covered =
        reader && std::all_of(attributes.begin(), attributes.end(), [&](const auto& a) { return readable.count(a); });
    auto read = covered ? reader(dn, attributes) : target.connector->read(dn, attributes);
    if (!read) {
      entry.error = dn + ": " + read.failure().code + ": " + read.failure().message;
    } else if (read.value()) {
      auto& got = read.value()->attributes;
      if (covered) {
        // As a read of this DN alone gives it: what was asked, and objectClass.
        std::set<std::string, mapping::CaseInsensitiveLess> asked(attributes.begin(), attributes.end());
        asked.insert("objectClass");
        std::erase_if(got, [&](const auto& a) { return !asked.count(a.first); });
      }
      entry.account = reconcile::Account{dn, std::move(got)};
    }
  }
  return reconcile::plan_groups(desired, links, observed, mapping.member_attribute);
}

// Group id -> the DN idbridge last wrote its entry at, for every group on `target`.
reconcile::GroupLinks group_links(state::Store& store, const std::string& target) {
  reconcile::GroupLinks links;
  for (auto& [key, dn] : store.account_links(target, kLink)) links.emplace(key.substr(kLink.size()), std::move(dn));
  return links;
}

}  // namespace

std::vector<reconcile::GroupPlan> plan_groups(const TargetBinding& target, state::Store& store,
                                              const PendingMembers& pending) {
  const mapping::GroupMapping* mapping = target.mapping->groups();
  if (!mapping) return {};
  const std::string& name = target.connector->name();
  // Read first: the target answers while the store is loaded below.
  const auto read_attributes = groups_read_attributes(*mapping);
  std::optional<AccountIndex> entries;
  if (const auto base = groups_base(*mapping)) entries.emplace(target, *base, read_attributes);
  const auto groups = store.list_groups();
  const auto memberships = state::memberships_of(groups);
  const auto desired =
      desired_groups(*mapping, groups, memberships, member_values(*mapping, name, memberships, pending, store));
  return plan_entries(target, *mapping, desired, group_links(store, name), entries ? entries->reader() : nullptr,
                      read_attributes);
}

std::vector<reconcile::GroupPlan> plan_groups_of_members(const TargetBinding& target, state::Store& store,
                                                         const std::unordered_set<std::string>& members) {
  const mapping::GroupMapping* mapping = target.mapping->groups();
  if (!mapping || members.empty()) return {};
  const std::string& name = target.connector->name();
  // Only the groups concerned are read: every group's members cost what there are memberships.
  std::unordered_set<std::string> affected;
  for (const auto& member : members) {
    for (const auto& m : store.groups_with_member(member)) affected.insert(m.group_id);
  }
  if (affected.empty()) return {};
  auto groups = store.groups_by_id({affected.begin(), affected.end()});
  const auto memberships = state::memberships_of(groups);
  // A member that is a group is named by its own entry's DN, which no
  // account moves: those groups are read for their DN only.
  if (mapping->member_value == "dn") {
    std::vector<std::string> others;
    for (const auto& m : memberships) {
      if (!affected.count(m.member_id)) others.push_back(m.member_id);
    }
    for (auto& nested : store.groups_by_id(others)) groups.push_back(std::move(nested));
  }
  auto desired = desired_groups(*mapping, groups, memberships, member_values(*mapping, name, memberships, {}, store));
  std::erase_if(desired, [&](const reconcile::DesiredGroup& g) { return !affected.count(g.group_id); });
  // An affected group left out of desired (emptied, say) keeps its link: its entry goes, as a full sync deletes it.
  auto links = group_links(store, name);
  std::erase_if(links, [&](const auto& link) { return !affected.count(link.first); });
  // A read of each entry costs a round trip, the paged read one entry of
  // every group: paged only when the entries asked for are many of them.
  const auto read_attributes = groups_read_attributes(*mapping);
  std::optional<AccountIndex> entries;
  if (const auto base = groups_base(*mapping); base && affected.size() * 4 > store.group_versions().size()) {
    entries.emplace(target, *base, read_attributes);
  }
  return plan_entries(target, *mapping, desired, std::move(links), entries ? entries->reader() : nullptr,
                      read_attributes);
}

std::vector<connectors::Status> apply_group_plans(const TargetBinding& target, state::Store& store,
                                                  const std::vector<const reconcile::GroupPlan*>& plans,
                                                  const std::string& source) {
  const std::string& name = target.connector->name();
  std::vector<reconcile::Operation> ops;
  for (const auto* p : plans) ops.insert(ops.end(), p->operations.begin(), p->operations.end());
  const auto statuses = ops.empty() ? std::vector<connectors::Status>{} : target.connector->apply_all(ops);
  std::vector<connectors::Status> out;
  // Recorded together: a link never moves without its audit row, and a sync
  // making many entries commits once.
  std::vector<state::LinkUpdate> links;
  std::vector<state::AuditRecord> audit;
  std::size_t i = 0;
  for (const auto* p : plans) {
    connectors::Status result = connectors::ok();
    for (const auto& op : p->operations) {
      const auto& status = statuses[i++];
      if (status) {
        spdlog::info("{}: group {} {}", name, op.key, verb(op));
      } else {
        spdlog::warn("{}: group {} not {}: {}: {}", name, op.key, verb(op), status.failure().code,
                     status.failure().message);
        if (result) result = status;
      }
    }
    if (result && p->link_changes) links.push_back({kLink + p->group_id, p->link_after});
    // A group plan comes of the target's group mapping: there is one.
    audit.push_back(group_audit_record(name, target.mapping->groups()->secrets, *p, source, now_ms(),
                                       result ? nullptr : &result.failure()));
    out.push_back(std::move(result));
  }
  if (!plans.empty()) store.record_links(name, links, audit);
  return out;
}

namespace {

// Applies what `plans` change, counting what changed and what failed.
GroupSyncSummary apply_changed(const TargetBinding& target, state::Store& store,
                               const std::vector<reconcile::GroupPlan>& plans) {
  GroupSyncSummary summary;
  std::vector<const reconcile::GroupPlan*> pending;
  for (const auto& p : plans) {
    if (p.kind == reconcile::GroupPlan::Kind::error) {
      spdlog::warn("{}: group {} not synced, its entry could not be read: {}", target.connector->name(), p.group_id,
                   p.error);
      ++summary.failed;
    } else if (!p.operations.empty() || p.link_changes) {
      pending.push_back(&p);
    }
  }
  const auto statuses = apply_group_plans(target, store, pending, "group sync");
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (!statuses[i]) {
      ++summary.failed;
    } else {
      summary.changed += static_cast<int>(pending[i]->operations.size());
    }
  }
  return summary;
}

}  // namespace

GroupSyncSummary sync_groups(const TargetBinding& target, state::Store& store) {
  return apply_changed(target, store, plan_groups(target, store));
}

GroupSyncSummary sync_groups_of_members(const TargetBinding& target, state::Store& store,
                                        const std::unordered_set<std::string>& members) {
  return apply_changed(target, store, plan_groups_of_members(target, store, members));
}

}  // namespace idb::daemon
