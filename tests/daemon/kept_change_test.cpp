#include "daemon/kept_change.h"

#include <gtest/gtest.h>

namespace idb::daemon {
namespace {

using reconcile::AttributeChange;
using reconcile::AttributeDecision;
using reconcile::ChangeKind;
using reconcile::Operation;
using reconcile::Verdict;

state::User ada() {
  state::User u;
  u.id = "2819c223";
  u.user_name = "ada.lovelace";
  u.resource = {{"userName", "ada.lovelace"}};
  return u;
}

UserPlan everything() {
  UserPlan p;
  p.kind = UserPlan::Kind::disable;
  p.disabled = true;
  p.desired = {"uid=ada,ou=disabled,dc=x",
               {{"cn", {"Ada"}}, {"employeeType", {"disabled"}}, {"o", {"New"}}, {"room", {"2"}}, {"title", {"Manager"}}}};
  p.observed = reconcile::Account{"uid=ada,ou=people,dc=x", {{"cn", {"Ada"}}}};
  p.correlated_by = "employeeNumber=1234";
  p.disabled_since_ms = 1795355072000;
  p.delete_due_ms = std::nullopt;
  p.fingerprint = "f00d";
  p.operations = {
      Operation{Operation::Kind::modify, "uid=ada,ou=people,dc=x", "", {},
                {AttributeChange{"employeeType", ChangeKind::replace, {"disabled"}},
                 AttributeChange{"mail", ChangeKind::remove, {}},
                 AttributeChange{"objectClass", ChangeKind::add, {"a", "", std::string("b\0c", 3)}}}},
      Operation{Operation::Kind::rename, "uid=ada,ou=people,dc=x", "uid=ada,ou=disabled,dc=x", {}, {}},
      Operation{Operation::Kind::create, "uid=x,dc=x", "", {{"cn", {"X"}}, {"mail", {}}, {"sn", {"a", "b"}}}, {}},
      Operation{Operation::Kind::remove, "uid=y,dc=x", "", {}, {}},
  };
  p.decision.conflict = true;
  p.decision.attributes = {
      AttributeDecision{"cn", reconcile::Authority::source, Verdict::in_sync, std::nullopt, {}, {}, {}},
      AttributeDecision{"employeeType", reconcile::Authority::source, Verdict::apply_source, mapping::Values{},
                        {}, {"disabled"}, {"disabled"}},
      AttributeDecision{"o", reconcile::Authority::create_only, Verdict::keep_target, mapping::Values{"Old"},
                        {"Old"}, {"New"}, {"Old"}},
      AttributeDecision{"room", reconcile::Authority::manual, Verdict::conflict, std::nullopt, {"1"}, {"2"}, {"1"}},
      AttributeDecision{"title", reconcile::Authority::manual, Verdict::conflict, mapping::Values{"Engineer"},
                        {"Boss"}, {"Manager"}, {"Boss"}},
  };
  return p;
}

TEST(KeptChange, WhatApplyingReadsComesBackExactly) {
  const UserPlan plan = everything();
  const auto [user, back] = unpack_change(pack_change(ada(), plan), "2819c223");
  EXPECT_EQ(user.id, "2819c223");
  EXPECT_EQ(user.user_name, "ada.lovelace");
  EXPECT_EQ(back.kind, plan.kind);
  EXPECT_EQ(back.disabled, plan.disabled);
  EXPECT_EQ(back.desired.key, plan.desired.key);
  ASSERT_TRUE(back.observed);
  EXPECT_EQ(back.observed->key, plan.observed->key);
  EXPECT_EQ(back.correlated_by, plan.correlated_by);
  EXPECT_EQ(back.disabled_since_ms, plan.disabled_since_ms);
  EXPECT_EQ(back.delete_due_ms, plan.delete_due_ms);
  EXPECT_EQ(back.operations, plan.operations);
  EXPECT_EQ(back.next_baseline({})->key, plan.next_baseline({})->key);
  EXPECT_EQ(back.next_baseline({})->attributes, plan.next_baseline({})->attributes);
  EXPECT_EQ(back.next_baseline({})->attributes, (mapping::Attributes{{"cn", {"Ada"}},
                                                                   {"employeeType", {"disabled"}},
                                                                   {"o", {"Old"}},
                                                                   {"title", {"Engineer"}}}));
  EXPECT_EQ(back.desired.attributes, plan.desired.attributes);
  EXPECT_EQ(back.next_baseline({})->disabled_ms, plan.next_baseline({})->disabled_ms);
  EXPECT_TRUE(back.decision.conflict);
  // Only the attributes whose target value stays: the conflicts are what a person must decide.
  ASSERT_EQ(back.decision.attributes.size(), 3u);
  EXPECT_EQ(back.decision.attributes[0], plan.decision.attributes[2]);
  EXPECT_EQ(back.decision.attributes[1], plan.decision.attributes[3]);
  EXPECT_EQ(back.decision.attributes[2], plan.decision.attributes[4]);
}

TEST(KeptChange, AnEmptyPlanAndAPlanWithoutAccountComeBack) {
  UserPlan plan;
  plan.kind = UserPlan::Kind::create;
  plan.delete_due_ms = -1;
  const auto [user, back] = unpack_change(pack_change(state::User{}, plan), "");
  EXPECT_EQ(user.user_name, "");
  EXPECT_EQ(back.kind, UserPlan::Kind::create);
  EXPECT_FALSE(back.observed);
  EXPECT_FALSE(back.disabled_since_ms);
  EXPECT_EQ(back.delete_due_ms, -1);
  EXPECT_TRUE(back.operations.empty());
  EXPECT_TRUE(back.desired.attributes.empty());
  EXPECT_TRUE(back.next_baseline({})->attributes.empty());
  EXPECT_TRUE(back.decision.attributes.empty());
}

}  // namespace
}  // namespace idb::daemon
