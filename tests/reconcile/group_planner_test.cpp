#include "reconcile/group_planner.h"

#include <gtest/gtest.h>

#include "reconcile/fingerprint.h"

using namespace idb::reconcile;
using idb::mapping::Attributes;
using idb::mapping::Values;

namespace {

const std::string kAdmins = "cn=admins,ou=groups,dc=x";
const std::string kOperators = "cn=operators,ou=groups,dc=x";
const std::string kAda = "uid=ada,ou=people,dc=x", kBob = "uid=bob,ou=people,dc=x", kCy = "uid=cy,ou=people,dc=x";

Attributes entry(const std::string& cn, Values members) {
  return {{"objectClass", {"groupOfNames"}}, {"cn", {cn}}, {"member", std::move(members)}};
}

DesiredGroup group(const std::string& dn, const std::string& cn, Values members) {
  return {"g-1", cn, {dn, entry(cn, std::move(members))}};
}

ObservedEntry present(const std::string& dn, Attributes attributes) { return {Account{dn, std::move(attributes)}, ""}; }
const ObservedEntry kAbsent{std::nullopt, ""};

struct Case {
  const char* name;
  std::vector<DesiredGroup> desired;
  GroupLinks links;
  ObservedEntries observed;
  // Expected, for the one plan made.
  GroupPlan::Kind kind;
  std::string key, new_key;
  Values added, removed;
  std::vector<Operation::Kind> operations;
  std::optional<std::string> link_after;
  bool link_changes;
};

class GroupVectors : public ::testing::TestWithParam<Case> {};

TEST_P(GroupVectors, PlanEachEntry) {
  const Case& c = GetParam();
  const auto plans = plan_groups(c.desired, c.links, c.observed, "member");
  ASSERT_EQ(plans.size(), 1u);
  const GroupPlan& p = plans[0];
  EXPECT_EQ(p.group_id, "g-1");
  EXPECT_EQ(p.kind, c.kind) << to_string(p.kind) << " " << p.error;
  EXPECT_EQ(p.key, c.key);
  EXPECT_EQ(p.new_key, c.new_key);
  EXPECT_EQ(p.members_added, c.added);
  EXPECT_EQ(p.members_removed, c.removed);
  std::vector<Operation::Kind> kinds;
  for (const auto& op : p.operations) kinds.push_back(op.kind);
  EXPECT_EQ(kinds, c.operations);
  EXPECT_EQ(p.link_after, c.link_after);
  EXPECT_EQ(p.link_changes, c.link_changes);
  EXPECT_EQ(p.fingerprint.size(), 64u);
}

using K = GroupPlan::Kind;
using O = Operation::Kind;

INSTANTIATE_TEST_SUITE_P(
    Vectors, GroupVectors,
    ::testing::Values(
        Case{"new group, no entry: created with every member",
             {group(kAdmins, "admins", {kAda, kBob})}, {}, {{kAdmins, kAbsent}},
             K::create, kAdmins, "", {kAda, kBob}, {}, {O::create}, kAdmins, true},
        Case{"in line: nothing sent, nothing remembered anew",
             {group(kAdmins, "admins", {kAda, kBob})}, {{"g-1", kAdmins}},
             {{kAdmins, present(kAdmins, entry("admins", {kBob, kAda}))}},
             K::noop, kAdmins, "", {}, {}, {}, kAdmins, false},
        Case{"in line but never linked (written before links were kept): only the link is remembered",
             {group(kAdmins, "admins", {kAda})}, {}, {{kAdmins, present(kAdmins, entry("admins", {kAda}))}},
             K::noop, kAdmins, "", {}, {}, {}, kAdmins, true},
        Case{"a member removed by hand on the target is put back",
             {group(kAdmins, "admins", {kAda, kBob})}, {{"g-1", kAdmins}},
             {{kAdmins, present(kAdmins, entry("admins", {kAda}))}},
             K::update, kAdmins, "", {kBob}, {}, {O::modify}, kAdmins, false},
        Case{"a member added by hand on the target is taken out",
             {group(kAdmins, "admins", {kAda, kBob})}, {{"g-1", kAdmins}},
             {{kAdmins, present(kAdmins, entry("admins", {kAda, kBob, kCy}))}},
             K::update, kAdmins, "", {}, {kCy}, {O::modify}, kAdmins, false},
        Case{"renamed at the source: the entry at its old DN moves, members and all",
             {group(kOperators, "operators", {kAda})}, {{"g-1", kAdmins}},
             {{kOperators, kAbsent}, {kAdmins, present(kAdmins, entry("admins", {kAda}))}},
             K::rename, kAdmins, kOperators, {}, {}, {O::rename, O::modify}, kOperators, true},
        Case{"renamed while its members changed: moved and corrected",
             {group(kOperators, "operators", {kAda, kCy})}, {{"g-1", kAdmins}},
             {{kOperators, kAbsent}, {kAdmins, present(kAdmins, entry("admins", {kAda, kBob}))}},
             K::rename, kAdmins, kOperators, {kCy}, {kBob}, {O::rename, O::modify}, kOperators, true},
        Case{"renamed onto an entry already at the new DN: that one is the group's, the old one is deleted",
             {group(kOperators, "operators", {kAda})}, {{"g-1", kAdmins}},
             {{kOperators, present(kOperators, entry("operators", {kBob}))},
              {kAdmins, present(kAdmins, entry("admins", {kAda}))}},
             K::rename, kAdmins, kOperators, {kAda}, {kBob}, {O::modify, O::remove}, kOperators, true},
        Case{"renamed, and the old entry is gone too: created at the new DN",
             {group(kOperators, "operators", {kAda})}, {{"g-1", kAdmins}},
             {{kOperators, kAbsent}, {kAdmins, kAbsent}},
             K::create, kOperators, "", {kAda}, {}, {O::create}, kOperators, true},
        Case{"deleted at the source: the entry idbridge wrote goes, with every member",
             {}, {{"g-1", kAdmins}}, {{kAdmins, present(kAdmins, {{"member", {kBob, kAda}}})}},
             K::remove, kAdmins, "", {}, {kAda, kBob}, {O::remove}, std::nullopt, true},
        Case{"deleted at the source and the entry already gone: only the link is forgotten",
             {}, {{"g-1", kAdmins}}, {{kAdmins, kAbsent}},
             K::noop, kAdmins, "", {}, {}, {}, std::nullopt, true}),
    [](const auto& info) {
      std::string name;
      for (const char* c = info.param.name; *c; ++c) name += std::isalnum(static_cast<unsigned char>(*c)) ? *c : '_';
      return name;
    });

TEST(GroupPlanner, AnUnreadableEntryIsAnErrorNeverADelete) {
  const ObservedEntries unreadable = {{kAdmins, {std::nullopt, "ldap:52 unavailable"}}};
  for (const auto& desired : {std::vector<DesiredGroup>{group(kAdmins, "admins", {kAda})}, std::vector<DesiredGroup>{}}) {
    const auto plans = plan_groups(desired, {{"g-1", kAdmins}}, unreadable, "member");
    ASSERT_EQ(plans.size(), 1u);
    EXPECT_EQ(plans[0].kind, GroupPlan::Kind::error);
    EXPECT_EQ(plans[0].error, "ldap:52 unavailable");
    EXPECT_TRUE(plans[0].operations.empty());
    EXPECT_FALSE(plans[0].link_changes);
  }
  // A DN nobody read counts as unreadable, too.
  const auto plans = plan_groups({group(kAdmins, "admins", {kAda})}, {}, {}, "member");
  EXPECT_EQ(plans[0].kind, GroupPlan::Kind::error);
  EXPECT_EQ(plans[0].error, kAdmins + ": not read");
}

TEST(GroupPlanner, DesiredGroupsComeFirstInOrderThenLeftOverLinksById) {
  DesiredGroup b = group(kOperators, "operators", {kAda});
  b.group_id = "g-b";
  DesiredGroup a = group(kAdmins, "admins", {kAda});
  a.group_id = "g-a";
  const auto plans = plan_groups({b, a}, {{"g-z", "cn=z,dc=x"}, {"g-y", "cn=y,dc=x"}},
                                 {{kOperators, kAbsent}, {kAdmins, kAbsent}, {"cn=z,dc=x", kAbsent},
                                  {"cn=y,dc=x", kAbsent}},
                                 "member");
  std::vector<std::string> ids;
  for (const auto& p : plans) ids.push_back(p.group_id);
  EXPECT_EQ(ids, (std::vector<std::string>{"g-b", "g-a", "g-y", "g-z"}));
}

TEST(GroupPlanner, PosixGroupsCountMemberUids) {
  const DesiredGroup ops{"g-1", "ops", {"cn=ops,dc=x", {{"objectClass", {"posixGroup"}}, {"memberUid", {"ada", "bob"}}}}};
  const auto plans = plan_groups({ops}, {{"g-1", "cn=ops,dc=x"}},
                                 {{"cn=ops,dc=x", present("cn=ops,dc=x", {{"memberuid", {"ada", "cy"}}})}}, "memberUid");
  EXPECT_EQ(plans[0].members_added, Values{"bob"});
  EXPECT_EQ(plans[0].members_removed, Values{"cy"});
}

// apply refuses a saved item when any input moved: the desired entry, the link, or the entry as read.
TEST(GroupPlanner, TheFingerprintFollowsEveryInput) {
  const auto print = [](const DesiredGroup& g, const GroupLinks& links, const ObservedEntries& observed) {
    return plan_groups({g}, links, observed, "member").at(0).fingerprint;
  };
  const DesiredGroup g = group(kAdmins, "admins", {kAda, kBob});
  const GroupLinks links = {{"g-1", kAdmins}};
  const ObservedEntries observed = {{kAdmins, present(kAdmins, entry("admins", {kAda}))}};
  const std::string base = print(g, links, observed);
  EXPECT_EQ(base, print(g, links, {{kAdmins, present(kAdmins, entry("admins", {kAda}))}}));
  // Values compare as sets: the target's order is no change.
  EXPECT_EQ(print(group(kAdmins, "admins", {kBob, kAda}), links, observed), base);
  EXPECT_NE(print(group(kAdmins, "admins", {kAda}), links, observed), base);
  EXPECT_NE(print(g, {}, observed), base);
  EXPECT_NE(print(g, links, {{kAdmins, present(kAdmins, entry("admins", {kCy}))}}), base);
  EXPECT_NE(print(g, links, {{kAdmins, kAbsent}}), base);
}

TEST(GroupPlanner, ReadsEachDesiredDnTheOldDnOfARenameAndEachLeftOverLink) {
  const DesiredGroup renamed{"g-1", "operators", {kOperators, entry("operators", {kAda})}};
  const DesiredGroup same{"g-2", "staff", {"cn=staff,dc=x", {{"cn", {"staff"}}, {"member", {kAda}}}}};
  // g-3 is gone, and its entry's DN is also the DN g-2 is rendered at now: read once, for both.
  const auto reads = entries_to_read({renamed, same}, {{"g-1", kAdmins}, {"g-2", "cn=staff,dc=x"}, {"g-3", "cn=staff,dc=x"}},
                                     "member");
  const std::map<std::string, std::vector<std::string>> expected = {
      {kOperators, {"cn", "member", "objectClass"}},
      {kAdmins, {"cn", "member", "objectClass"}},
      {"cn=staff,dc=x", {"cn", "member"}},
  };
  EXPECT_EQ(reads, expected);
}

}  // namespace
