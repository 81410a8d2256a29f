#include "reconcile/group_planner.h"

#include <algorithm>
#include <set>

#include "reconcile/fingerprint.h"
#include "reconcile/values.h"

namespace idb::reconcile {
namespace {

const mapping::Values& members_of(const mapping::Attributes& attributes, const std::string& member_attribute) {
  static const mapping::Values kNone;
  const auto found = attributes.find(member_attribute);
  return found == attributes.end() ? kNone : found->second;
}

mapping::Values sorted(mapping::Values values) {
  std::sort(values.begin(), values.end());
  return values;
}

// The link takes the baseline's place in the fingerprint: where idbridge last wrote the entry.
std::optional<mapping::Attributes> link_as_baseline(const std::optional<std::string>& link) {
  if (!link) return std::nullopt;
  return mapping::Attributes{{"dn", {*link}}};
}

// The entry read at `dn`, or the plan's error when it could not be read.
const ObservedEntry* read_at(const ObservedEntries& observed, const std::string& dn, GroupPlan& plan) {
  const auto found = observed.find(dn);
  if (found != observed.end() && found->second.error.empty()) return &found->second;
  plan.kind = GroupPlan::Kind::error;
  plan.error = found == observed.end() ? dn + ": not read" : found->second.error;
  return nullptr;
}

GroupPlan plan_desired(const DesiredGroup& group, const std::optional<std::string>& link, const ObservedEntries& observed,
                       const std::string& member_attribute) {
  GroupPlan p;
  p.group_id = group.group_id;
  p.name = group.name;
  p.key = group.entry.key;
  const ObservedEntry* at = read_at(observed, group.entry.key, p);
  if (!at) return p;
  std::optional<Account> account = at->account;
  // Where the entry was written before the group was renamed: it moves, or,
  // when an entry already stands at the new DN, that one is the group's and
  // the old one is deleted (no stale twin goes on granting access).
  bool stale = false;
  if (link && *link != group.entry.key) {
    const ObservedEntry* before = read_at(observed, *link, p);
    if (!before) return p;
    if (!account) {
      account = before->account;
    } else {
      stale = before->account.has_value();
    }
  }
  p.operations = plan(group.entry, account);
  if (stale) p.operations.push_back({Operation::Kind::remove, *link, {}, {}, {}});
  if (!account) {
    p.kind = GroupPlan::Kind::create;
  } else if (account->key != group.entry.key || stale) {
    p.kind = GroupPlan::Kind::rename;
    p.key = stale ? *link : account->key;
    p.new_key = group.entry.key;
  } else {
    p.kind = p.operations.empty() ? GroupPlan::Kind::noop : GroupPlan::Kind::update;
  }
  const mapping::Values& want = members_of(group.entry.attributes, member_attribute);
  const mapping::Values& have = account ? members_of(account->attributes, member_attribute) : mapping::Values{};
  p.members_added = sorted(minus(want, have));
  p.members_removed = sorted(minus(have, want));
  p.link_after = group.entry.key;
  p.link_changes = link != group.entry.key;
  auto baseline = link_as_baseline(link);
  if (stale) (*baseline)["stale"] = {*link};
  p.fingerprint = fingerprint(group.entry, baseline, account);
  return p;
}

GroupPlan plan_left_over(const std::string& group_id, const std::string& dn, const ObservedEntries& observed,
                         const std::string& member_attribute) {
  GroupPlan p;
  p.group_id = group_id;
  p.key = dn;
  const ObservedEntry* at = read_at(observed, dn, p);
  if (!at) return p;
  // Already gone: nothing to delete, only the link to forget.
  p.kind = at->account ? GroupPlan::Kind::remove : GroupPlan::Kind::noop;
  if (at->account) {
    p.operations.push_back({Operation::Kind::remove, dn, {}, {}, {}});
    p.members_removed = sorted(members_of(at->account->attributes, member_attribute));
  }
  p.link_changes = true;
  p.fingerprint = fingerprint(mapping::Desired{}, link_as_baseline(dn), at->account);
  return p;
}

}  // namespace

const char* to_string(GroupPlan::Kind kind) {
  switch (kind) {
    case GroupPlan::Kind::create: return "create";
    case GroupPlan::Kind::update: return "update";
    case GroupPlan::Kind::rename: return "rename";
    case GroupPlan::Kind::remove: return "delete";
    case GroupPlan::Kind::noop: return "no-op";
    case GroupPlan::Kind::error: return "error";
  }
  return "?";
}

std::map<std::string, std::vector<std::string>> entries_to_read(const std::vector<DesiredGroup>& desired,
                                                               const GroupLinks& links,
                                                               const std::string& member_attribute) {
  std::map<std::string, std::set<std::string, mapping::CaseInsensitiveLess>> wanted;
  const auto want = [&](const std::string& dn, const std::string& attribute) { wanted[dn].insert(attribute); };
  std::map<std::string, bool> is_desired;
  for (const auto& group : desired) {
    is_desired[group.group_id] = true;
    for (const auto& [attribute, values] : group.entry.attributes) want(group.entry.key, attribute);
  }
  for (const auto& group : desired) {
    if (const auto link = links.find(group.group_id); link != links.end() && link->second != group.entry.key) {
      for (const auto& [attribute, values] : group.entry.attributes) want(link->second, attribute);
    }
  }
  for (const auto& [group_id, dn] : links) {
    if (!is_desired.count(group_id)) want(dn, member_attribute);
  }
  std::map<std::string, std::vector<std::string>> out;
  for (auto& [dn, attributes] : wanted) out.emplace(dn, std::vector<std::string>(attributes.begin(), attributes.end()));
  return out;
}

std::vector<GroupPlan> plan_groups(const std::vector<DesiredGroup>& desired, const GroupLinks& links,
                                   const ObservedEntries& observed, const std::string& member_attribute) {
  std::vector<GroupPlan> out;
  GroupLinks left = links;
  for (const auto& group : desired) {
    std::optional<std::string> link;
    if (auto found = left.extract(group.group_id)) link = std::move(found.mapped());
    out.push_back(plan_desired(group, link, observed, member_attribute));
  }
  for (const auto& [group_id, dn] : left) out.push_back(plan_left_over(group_id, dn, observed, member_attribute));
  return out;
}

}  // namespace idb::reconcile
