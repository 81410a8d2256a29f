#pragma once
// What goes to the review queue: the questions a plan or a target's answer
// raises that idbridge does not decide alone. Shared by the outbox worker,
// which opens the items, and `idbridge plan`, which shows them.
#include <optional>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "daemon/user_plan.h"
#include "reconcile/report.h"
#include "state/store.h"

namespace idb::daemon {

// One item per attribute whose divergence a person must decide (authority manual).
std::vector<state::ReviewItem> attribute_reviews(const std::string& target, const std::string& user_id,
                                                 const UserPlan& plan);

// A target refused `op` as a uniqueness conflict (an account or a value
// already taken): the item names both users, the other one when idbridge
// knows who holds the key, and the target's own message.
state::ReviewItem uniqueness_review(state::Store& store, const std::string& target, const state::User& user,
                                    const reconcile::Operation& op, const connectors::Failure& failure);

// The account the plan found for `user` is one idbridge wrote for another
// user (two users map to one key): an item naming both, instead of taking
// the other user's account over.
std::optional<state::ReviewItem> taken_by_other(state::Store& store, const std::string& target, const state::User& user,
                                                const std::optional<state::Baseline>& baseline, const UserPlan& plan);

// Several accounts matched the user's correlation key: a person picks one
// (the candidates are the item's `observed`), or has a new one created.
std::optional<state::ReviewItem> ambiguous_review(const std::string& target, const state::User& user,
                                                  const UserPlan& plan);

// For the report: the user's name when the store still knows the user.
reconcile::ReviewEntry review_entry(state::Store& store, const state::ReviewItem& item);

}  // namespace idb::daemon
