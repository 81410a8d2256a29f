#include "daemon/review.h"

#include "scim/ascii.h"

namespace idb::daemon {

std::vector<state::ReviewItem> attribute_reviews(const std::string& target, const std::string& user_id,
                                                 const UserPlan& plan) {
  std::vector<state::ReviewItem> items;
  const std::string& key = plan.observed ? plan.observed->key : plan.desired.key;
  for (const auto& a : plan.decision.attributes) {
    if (a.verdict != reconcile::Verdict::conflict) continue;
    state::ReviewItem item;
    item.target = target;
    item.user_id = user_id;
    item.kind = "attribute";
    item.attribute = a.attribute;
    item.key = key;
    item.source = a.desired;
    item.observed = a.observed;
    item.detail = "authority manual: a person decides; idbridge writes nothing";
    items.push_back(std::move(item));
  }
  return items;
}

state::ReviewItem uniqueness_review(state::Store& store, const std::string& target, const state::User& user,
                                    const reconcile::Operation& op, const connectors::Failure& failure) {
  const std::string& key = op.kind == reconcile::Operation::Kind::rename ? op.new_key : op.key;
  std::string holder = "an account idbridge did not write";
  if (const auto other_id = store.user_at_key(target, key); other_id && *other_id != user.id) {
    const auto other = store.get_user(*other_id, /*include_deleted=*/true);
    holder = "user " + (other ? other->user_name : std::string("?")) + " (" + *other_id + ")";
  }
  state::ReviewItem item;
  item.target = target;
  item.user_id = user.id;
  item.kind = "uniqueness";
  item.key = key;
  item.detail = "user " + user.user_name + " (" + user.id + ") collides with " + holder + " at " + key + ": " +
                failure.code + ": " + failure.message;
  return item;
}

std::optional<state::ReviewItem> taken_by_other(state::Store& store, const std::string& target, const state::User& user,
                                                const std::optional<state::Baseline>& baseline, const UserPlan& plan) {
  if (!plan.observed) return std::nullopt;
  const std::string& key = plan.observed->key;
  // The account we wrote ourselves: the common case costs no query (nor a copy).
  if (baseline && scim::iequals(baseline->key, key)) return std::nullopt;
  const auto other_id = store.user_at_key(target, key);
  if (!other_id || *other_id == user.id) return std::nullopt;
  const auto other = store.get_user(*other_id, /*include_deleted=*/true);
  state::ReviewItem item;
  item.target = target;
  item.user_id = user.id;
  item.kind = "uniqueness";
  item.key = key;
  item.detail = "user " + user.user_name + " (" + user.id + ") maps to " + key + ", the account of user " +
                (other ? other->user_name : std::string("?")) + " (" + *other_id + "); it is left to that user";
  return item;
}

std::optional<state::ReviewItem> ambiguous_review(const std::string& target, const state::User& user,
                                                  const UserPlan& plan) {
  if (plan.candidates.empty()) return std::nullopt;
  state::ReviewItem item;
  item.target = target;
  item.user_id = user.id;
  item.kind = "ambiguous";
  item.key = plan.desired.key;
  item.observed = plan.candidates;
  item.detail = std::to_string(plan.candidates.size()) + " accounts match " + plan.correlated_by + " of user " +
                user.user_name + "; link one ('resolve --take target --key KEY') or create a new account"
                " ('resolve --take source')";
  return item;
}

reconcile::ReviewEntry review_entry(state::Store& store, const state::ReviewItem& item) {
  const auto user = store.get_user(item.user_id, /*include_deleted=*/true);
  return reconcile::ReviewEntry{item.id,        item.kind,      item.user_id,    user ? user->user_name : "",
                                item.attribute, item.key,       item.source,     item.observed,
                                item.detail};
}

}  // namespace idb::daemon
