#include "reconcile/planner.h"

#include <gtest/gtest.h>

using namespace idb::reconcile;
using idb::mapping::Attributes;
using idb::mapping::Desired;

namespace {

Desired desired(Attributes attrs, std::string key = "uid=a,dc=x") { return Desired{std::move(key), std::move(attrs)}; }
Account account(Attributes attrs, std::string key = "uid=a,dc=x") { return Account{std::move(key), std::move(attrs)}; }

TEST(Planner, CreatesWithOnlyNonEmptyAttributes) {
  const auto ops = plan(desired({{"uid", {"a"}}, {"title", {}}, {"objectClass", {"inetOrgPerson"}}}), std::nullopt);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, Operation::Kind::create);
  EXPECT_EQ(ops[0].key, "uid=a,dc=x");
  EXPECT_EQ(ops[0].attributes, (Attributes{{"uid", {"a"}}, {"objectClass", {"inetOrgPerson"}}}));
}

TEST(Planner, NoOpWhenTargetAgreesWhateverTheOrder) {
  EXPECT_TRUE(plan(desired({{"mail", {"a", "b"}}, {"title", {}}}), account({{"MAIL", {"b", "a"}}, {"cn", {"x"}}})).empty());
}

TEST(Planner, ModifiesOnlyWhatDiffers) {
  const auto ops = plan(desired({{"cn", {"New"}},            // single value changed -> replace
                                 {"sn", {"Same"}},           // equal -> nothing
                                 {"title", {}},              // present on target, unset in source -> remove
                                 {"mail", {"a", "c"}},       // multi-valued -> remove b, then add c
                                 {"telephoneNumber", {"1"}},  // absent on target -> replace (idempotent add)
                                 {"objectClass", {"inetOrgPerson", "person"}}}),  // additive: only add missing
                        account({{"cn", {"Old"}},
                                 {"sn", {"Same"}},
                                 {"title", {"Boss"}},
                                 {"mail", {"a", "b"}},
                                 {"objectClass", {"inetOrgPerson", "extensibleObject"}}}));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, Operation::Kind::modify);
  const std::vector<AttributeChange> expected = {
      {"cn", ChangeKind::replace, {"New"}},
      {"mail", ChangeKind::remove, {"b"}},
      {"mail", ChangeKind::add, {"c"}},
      {"objectClass", ChangeKind::add, {"person"}},
      {"telephoneNumber", ChangeKind::replace, {"1"}},
      {"title", ChangeKind::remove, {}},
  };
  EXPECT_EQ(ops[0].changes, expected);
}

TEST(Planner, RenamesThenReplacesWhenTheKeyMoved) {
  const auto ops = plan(desired({{"uid", {"b"}}, {"mail", {"x", "y"}}}, "uid=b,dc=x"),
                        account({{"uid", {"a"}}, {"mail", {"x"}}}, "uid=a,dc=x"));
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0], (Operation{Operation::Kind::rename, "uid=a,dc=x", "uid=b,dc=x", {}, {}}));
  EXPECT_EQ(ops[1].key, "uid=b,dc=x");
  // After the rename slapd already changed uid; only idempotent replaces are safe.
  EXPECT_EQ(ops[1].changes, (std::vector<AttributeChange>{{"mail", ChangeKind::replace, {"x", "y"}},
                                                          {"uid", ChangeKind::replace, {"b"}}}));
}

TEST(Planner, LifecycleMarksAndUnmarks) {
  const DisableMark mark{"employeeType", "disabled"};
  EXPECT_EQ(apply_lifecycle(desired({{"uid", {"a"}}}), true, mark).attributes,
            (Attributes{{"uid", {"a"}}, {"employeeType", {"disabled"}}}));
  EXPECT_EQ(apply_lifecycle(desired({{"uid", {"a"}}}), false, mark).attributes,
            (Attributes{{"uid", {"a"}}, {"employeeType", {}}}));
  // An attribute the mapping manages keeps its mapped value while active.
  EXPECT_EQ(apply_lifecycle(desired({{"employeeType", {"staff"}}}), false, mark).attributes,
            (Attributes{{"employeeType", {"staff"}}}));
  const auto ops = plan(apply_lifecycle(desired({{"uid", {"a"}}}), false, mark),
                        account({{"uid", {"a"}}, {"employeeType", {"disabled"}}}));
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].changes, (std::vector<AttributeChange>{{"employeeType", ChangeKind::remove, {}}}));
}

}  // namespace
