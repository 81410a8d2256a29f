#include "reconcile/lifecycle.h"

#include <gtest/gtest.h>

using namespace idb::reconcile;

namespace {

constexpr int64_t kDay = 24 * 3600 * 1000LL;
constexpr int64_t kNow = 1'000 * kDay;

struct Case {
  const char* name;
  DeletePolicy::When when;
  bool deleted, disabled;
  std::optional<int64_t> disabled_since;
  std::optional<int64_t> due;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class DeleteDue : public testing::TestWithParam<Case> {};

TEST_P(DeleteDue, FollowsThePolicyAndTheGracePeriod) {
  const Case& c = GetParam();
  const DeletePolicy policy{c.when, 30 * kDay};
  EXPECT_EQ(delete_due_ms(policy, c.deleted, c.disabled, c.disabled_since, kNow), c.due) << c.name;
}

using W = DeletePolicy::When;
INSTANTIATE_TEST_SUITE_P(
    Vectors, DeleteDue,
    testing::Values(
        Case{"never keeps a deleted user's account", W::never, true, true, kNow - 90 * kDay, std::nullopt},
        Case{"an active user is never deleted", W::after_disable, false, false, kNow - 90 * kDay, std::nullopt},
        Case{"after_delete keeps a merely inactive user", W::after_delete, false, true, kNow - 90 * kDay, std::nullopt},
        Case{"after_delete: due 30 days after the disable", W::after_delete, true, true, kNow - 10 * kDay,
             kNow + 20 * kDay},
        Case{"after_delete: past the grace period", W::after_delete, true, true, kNow - 31 * kDay, kNow - kDay},
        Case{"after_disable covers inactive users", W::after_disable, false, true, kNow - 30 * kDay, kNow},
        Case{"not disabled yet: the grace period starts now", W::after_disable, true, true, std::nullopt,
             kNow + 30 * kDay}),
    [](const testing::TestParamInfo<Case>& info) { return "case" + std::to_string(info.index); });

TEST(DeleteDue, ZeroGraceDeletesAtOnce) {
  EXPECT_EQ(delete_due_ms({W::after_delete, 0}, true, true, std::nullopt, kNow), kNow);
}

}  // namespace
