#include "daemon/outbox_worker.h"

#include <algorithm>
#include <iterator>
#include <limits>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "daemon/audit_record.h"
#include "daemon/group_sync.h"
#include "daemon/guards.h"
#include "daemon/kept_change.h"
#include "daemon/review.h"
#include "reconcile/fingerprint.h"

namespace idb::daemon {
namespace {

constexpr std::size_t kBatch = 256;
constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();

// What the SCIM groups are now: their ids and versions.
std::string groups_version(state::Store& store) {
  std::string out;
  for (const auto& [id, version] : store.group_versions()) out += id + ":" + std::to_string(version) + ";";
  return out;
}

}  // namespace

OutboxWorker::OutboxWorker(state::Store& store, Bindings targets, config::RetryPolicy retry,
                           Clock clock)
    : store_(store),
      targets_(std::move(targets)),
      retry_(retry),
      clock_(std::move(clock)),
      jitter_state_(static_cast<uint64_t>(clock_()) | 1) {}

DrainSummary OutboxWorker::drain_due() {
  DrainSummary summary;
  // Before the targets: replace_targets bumps it after storing them.
  const uint64_t generation = bindings_generation_.load();
  const Bindings targets = targets_.load();
  for (const auto& target : *targets) {
    if (stopping_) break;
    if (is_stopped(target.connector->name())) continue;
    const int applied_before = summary.applied;
    drain_target(target, summary);
    if (target.mapping->groups()) sync_groups_of(target, generation, summary.applied > applied_before);
  }
  return summary;
}

bool OutboxWorker::groups_follow_members(const std::string& target) const {
  const auto synced = groups_synced_.find(target);
  return synced != groups_synced_.end() && synced->second.in_line;
}

void OutboxWorker::sync_groups_of(const TargetBinding& target, uint64_t bindings, bool accounts_changed) {
  const std::string& name = target.connector->name();
  if (stopping_ || is_stopped(name)) return;
  // Held means nothing is applied to the target, its group entries included
  // (approved too, until the batch is in). Forgetting the last sync makes the
  // first drain after the hold sync them whatever moved meanwhile.
  if (const auto hold = store_.hold_of(name)) {
    groups_synced_.erase(name);
    members_moved_.erase(name);
    if (auto& told = groups_held_[name]; told != hold->batch) {
      spdlog::warn("{}: group entries not synced while the guard holds batch {}; they follow once it is {}", name,
                   hold->batch, hold->approved_ms ? "applied" : "approved and applied");
      told = hold->batch;
    }
    return;
  }
  groups_held_.erase(name);
  // Group entries follow the groups and the accounts of their members.
  const std::string version = groups_version(store_);
  // find(), not []: with every group deleted the version is "", which must still differ from never synced.
  const auto synced = groups_synced_.find(name);
  const bool same = synced != groups_synced_.end() && synced->second.version == version &&
                    synced->second.bindings == bindings;
  if (!accounts_changed && same) return;
  // Only accounts moved since a sync that left every entry in line: the
  // entries of the groups those users are in are all that can have moved
  // (plan_groups_of_members), so an event costs its groups, not every user
  // and every group. A full sync or a reload re-reads everything, drift by hand included.
  const bool full = !same || !synced->second.in_line;
  // Kept until a sync takes them: a drain that applied nothing syncs nothing.
  const auto moved = members_moved_.extract(name);
  if (!full && !moved) return;
  const bool in_line =
      (full ? sync_groups(target, store_) : sync_groups_of_members(target, store_, moved.mapped())).failed == 0;
  if (full && in_line) {
    groups_synced_[name] = {version, bindings, true};
  } else if (!in_line && synced != groups_synced_.end()) {
    synced->second.in_line = false;
  }
}

void OutboxWorker::drain_target(const TargetBinding& target, DrainSummary& summary) {
  const std::string& name = target.connector->name();
  if (const auto hold = store_.hold_of(name); hold && hold->approved_ms && !apply_approved(target, *hold, summary)) {
    return;
  }
  // Each round judges everything due at once, so changes arriving meanwhile
  // are guarded too. Entries rescheduled into the future drop out, so the
  // loop ends even when every attempt fails.
  for (auto due = store_.due(name, clock_(), kAll); !due.empty() && !stopping_ && !is_stopped(name);
       due = store_.due(name, clock_(), kAll)) {
    // Mappings read User.groups; a full resync loads every membership once.
    state::UserGroups groups(store_, due.size() > 1);
    Round round = plan_round(target, std::move(due), groups, summary);
    if (stopping_ || is_stopped(name) || held(target, round, summary)) return;
    const std::size_t kept = round.kept.size();
    apply_kept(target, round, summary);
    if (const std::size_t moved = apply_judged(target, round, std::span(round.judged).subspan(kept), groups, summary)) {
      spdlog::info("{}: {} change(s) moved after the guards judged them; judged again with the next round", name,
                   moved);
    }
  }
}

bool OutboxWorker::apply_approved(const TargetBinding& target, const state::GuardHold& hold, DrainSummary& summary) {
  const std::string& name = target.connector->name();
  std::unordered_map<std::string, state::HeldChange> approved;
  for (auto& change : store_.held_changes(name)) approved.emplace(change.user_id, std::move(change));
  Round round;
  std::vector<std::string> waiting;  // approved, due again after a failed attempt
  const int64_t now = clock_();
  for (auto& entry : store_.due(name, std::numeric_limits<int64_t>::max(), kAll)) {
    const auto it = approved.find(entry.user_id);
    if (it == approved.end()) continue;
    if (entry.next_try_ms <= now) {
      round.judged.push_back({round.due.size(), std::move(it->second.kind), std::move(it->second.fingerprint)});
      entry.cause = "approved batch " + hold.batch;
      round.due.push_back(std::move(entry));
    } else {
      waiting.push_back(entry.user_id);
    }
  }
  state::UserGroups groups(store_, round.due.size() > 1);
  const int applied_before = summary.applied;
  // Not what was approved: it stays due and the guards judge it again.
  const std::size_t moved = apply_judged(target, round, round.judged, groups, summary);
  spdlog::warn("{}: batch {} held by a guard ({}) approved by an administrator: {} of its change(s) in line now{}", name,
               hold.batch, hold.reason, summary.applied - applied_before,
               moved ? "; " + std::to_string(moved) + " changed since and are judged again" : std::string());
  // Stopped half-way: what was applied plans as a no-op next time, the rest is still approved.
  if (stopping_ || is_stopped(name)) return false;
  waiting.insert(waiting.end(), round.retrying.begin(), round.retrying.end());
  store_.keep_held(name, waiting);
  return waiting.empty();
}

OutboxWorker::Round OutboxWorker::plan_round(const TargetBinding& target, std::vector<state::OutboxEntry> due,
                                             state::UserGroups& groups, DrainSummary& summary) {
  const std::string& name = target.connector->name();
  Round round;
  round.due = std::move(due);
  std::unique_ptr<AccountIndex> accounts;  // for this round's planning only
  std::unordered_map<std::string, reconcile::AcceptedDivergences> accepted;
  Lookups lookups;
  if (bulk_read_ && round.due.size() >= bulk_from_ &&
      static_cast<int64_t>(round.due.size()) * 4 >= store_.count_baselines(name)) {
    accounts = bulk_read_(target);
    lookups.reader = accounts->reader();
    accepted = accepted_on(store_, name);
    lookups.accepted = &accepted;
  }
  for (std::size_t from = 0; from < round.due.size() && !stopping_ && !is_stopped(name); from += kBatch) {
    const auto batch = std::span(round.due).subspan(from, std::min(kBatch, round.due.size() - from));
    std::size_t at = from;  // changes come in the order of their entries, less those recorded already
    for (auto& change : plan_batch(target, batch, groups, summary, round, lookups)) {
      while (round.due[at].user_id != change.entry.user_id) ++at;
      tally(round.counts, change.plan);
      round.judged.push_back({at++, to_string(change.plan.kind), change.plan.fingerprint});
      if (!round.keeping) continue;
      std::string packed = pack_change(change.user, change.plan);
      // As allocated, give or take the allocator's rounding.
      const std::size_t bytes = sizeof packed + packed.capacity();
      round.keeping = round.kept_bytes + bytes <= kept_budget_;
      if (!round.keeping) continue;
      round.kept_bytes += bytes;
      round.kept.push_back(std::move(packed));
    }
  }
  spdlog::debug("{}: {} of the round's {} change(s) kept whole (~{} kB); the rest are planned again to be applied",
                name, round.kept.size(), round.judged.size(), round.kept_bytes >> 10);
  return round;
}

std::vector<OutboxWorker::Change> OutboxWorker::plan_batch(const TargetBinding& target,
                                                           std::span<const state::OutboxEntry> entries,
                                                           state::UserGroups& groups, DrainSummary& summary,
                                                           Round& round, const Lookups& lookups) {
  const std::string& name = target.connector->name();
  std::vector<Change> changes;
  std::vector<state::Applied> done;  // recorded together for the batch
  // Every group entry is planned again after a full sync or a reload, drift by hand included.
  if (std::any_of(entries.begin(), entries.end(), [](const state::OutboxEntry& e) { return e.queued_with_everyone(); })) {
    groups_synced_.erase(name);
  }
  // The users whose groups the sync after the drain plans again; none when it will be a full one.
  const bool follow = groups_follow_members(name);
  const auto moved = [&](const state::OutboxEntry& entry) {
    if (follow) members_moved_[name].insert(entry.user_id);
  };
  for (const state::OutboxEntry& entry : entries) {
    auto user = store_.get_user(entry.user_id, /*include_deleted=*/true);
    if (!user) {
      spdlog::warn("{}: outbox entry for unknown user {} dropped", name, entry.user_id);
      moved(entry);
      done.push_back({entry, std::nullopt});
      continue;
    }
    groups.add_to(user->id, user->resource);
    const auto baseline = store_.baseline(name, entry.user_id);
    reconcile::AcceptedDivergences accepted;
    if (!lookups.accepted) {
      accepted = accepted_for(store_, name, entry.user_id);
    } else if (const auto it = lookups.accepted->find(entry.user_id); it != lookups.accepted->end()) {
      accepted = it->second;
    }
    auto result = plan_user(target, *user, baseline, clock_(), lookups.reader, accepted);
    // A user not settled by its plan (the target unreadable, a skip, a review
    // below) keeps a baseline that may be at odds with its source state, which
    // decides membership: its groups are planned again as well.
    if (follow &&
        (!result || result.value().kind == UserPlan::Kind::skip || moves_membership(target, baseline, result.value()))) {
      moved(entry);
    }
    if (!result) {
      round.unreadable |= result.failure().kind == connectors::FailureKind::retry;
      const Outcome outcome = fail(entry, result.failure());
      count(outcome, summary);
      if (outcome == Outcome::retrying) round.retrying.push_back(entry.user_id);
      if (is_stopped(name)) break;
      continue;
    }
    UserPlan& plan = result.value();
    if (auto taken = taken_by_other(store_, name, *user, baseline, plan)) {
      moved(entry);
      count(to_review(entry, *taken), summary);
      continue;
    }
    if (auto ambiguous = ambiguous_review(name, *user, plan)) {
      moved(entry);
      count(to_review(entry, *ambiguous), summary);
      continue;
    }
    if (plan.kind == UserPlan::Kind::skip) {
      store_.settle_reviews(name, entry.user_id, {}, clock_());
      done.push_back({entry, std::nullopt});
    } else if (plan.operations.empty()) {
      settle(entry, *user, plan, baseline ? baseline->version : std::string(), done);
    } else {
      changes.push_back({entry, std::move(*user), std::move(plan)});
    }
  }
  store_.complete_all(done);
  summary.applied += static_cast<int>(done.size());
  return changes;
}

bool OutboxWorker::held(const TargetBinding& target, const Round& round, DrainSummary& summary) {
  const std::string& name = target.connector->name();
  const auto reason = guard_verdict(store_, target, round.counts);
  const auto hold = store_.hold_of(name);
  const auto n = static_cast<int>(round.judged.size());
  // Some accounts could not be read: what was read is neither the held batch
  // nor proof that it is back within bounds.
  if (hold && round.unreadable) {
    summary.held += n;
    return true;
  }
  if (!reason) {
    if (hold) {
      spdlog::info("{}: the changes of batch {} are back within the guards' limits; applying them", name, hold->batch);
      store_.release(name);
    }
    return false;
  }
  std::vector<state::HeldChange> changes;
  std::vector<std::pair<std::string, std::string>> prints;
  for (const auto& j : round.judged) {
    changes.push_back({round.due[j.due].user_id, j.kind, j.fingerprint});
    prints.emplace_back(round.due[j.due].user_id, j.fingerprint);
  }
  const std::string batch = reconcile::batch_fingerprint(std::move(prints));
  if (store_.hold(name, *reason, batch, changes, clock_())) {
    spdlog::warn("{}: guard holds batch {}: {} change(s) ({}): {}; nothing is applied to this target until "
                 "'idbridge approve --target {} --batch {}'",
                 name, batch, changes.size(), held_counts(*store_.hold_of(name)), *reason, name, batch);
  }
  summary.held += n;
  return true;
}

void OutboxWorker::apply_kept(const TargetBinding& target, Round& round, DrainSummary& summary) {
  for (std::size_t from = 0; from < round.kept.size(); from += kBatch) {
    if (stopping_ || is_stopped(target.connector->name())) return;
    const std::size_t to = std::min(round.kept.size(), from + kBatch);
    std::vector<Change> changes;
    for (std::size_t i = from; i < to; ++i) {
      const state::OutboxEntry& entry = round.due[round.judged[i].due];
      auto [user, plan] = unpack_change(round.kept[i], entry.user_id);
      std::string().swap(round.kept[i]);
      changes.push_back({entry, std::move(user), std::move(plan)});
    }
    apply_changes(target, std::move(changes), summary, round.retrying);
  }
}

std::size_t OutboxWorker::apply_judged(const TargetBinding& target, Round& round, std::span<const Judged> judged,
                                       state::UserGroups& groups, DrainSummary& summary) {
  const std::string& name = target.connector->name();
  std::size_t moved = 0;
  for (std::size_t from = 0; from < judged.size(); from += kBatch) {
    if (stopping_ || is_stopped(name)) break;
    const auto slice = judged.subspan(from, std::min(kBatch, judged.size() - from));
    std::vector<state::OutboxEntry> entries;
    for (const auto& j : slice) entries.push_back(round.due[j.due]);
    auto changes = plan_batch(target, entries, groups, summary, round, Lookups{});
    std::vector<Change> same;
    auto j = slice.begin();
    for (auto& change : changes) {
      while (round.due[j->due].user_id != change.entry.user_id) ++j;
      if (to_string(change.plan.kind) == j->kind && change.plan.fingerprint == j->fingerprint) {
        same.push_back(std::move(change));
      } else {
        ++moved;
      }
    }
    apply_changes(target, std::move(same), summary, round.retrying);
  }
  return moved;
}

std::optional<int64_t> OutboxWorker::next_due_ms() {
  std::optional<int64_t> next;
  const Bindings targets = targets_.load();
  for (const auto& target : *targets) {
    if (is_stopped(target.connector->name())) continue;
    auto t = store_.next_due_ms(target.connector->name());
    const auto hold = store_.hold_of(target.connector->name());
    if (t && hold && !hold->approved_ms) t = std::max(*t, clock_() + kHoldRecheckMs);
    if (t && (!next || *t < *next)) next = t;
  }
  return next;
}

std::map<std::string, std::string> OutboxWorker::stopped() const {
  std::lock_guard lock(stopped_mutex_);
  return stopped_;
}

bool OutboxWorker::is_stopped(const std::string& target) const {
  std::lock_guard lock(stopped_mutex_);
  return stopped_.count(target) > 0;
}

void OutboxWorker::apply_changes(const TargetBinding& target, std::vector<Change> changes, DrainSummary& summary,
                                 std::vector<std::string>& retrying) {
  const std::string& name = target.connector->name();
  for (std::size_t from = 0; from < changes.size(); from += kBatch) {
    // A target that refused us as a whole gets nothing more: the rest stays queued.
    if (stopping_ || is_stopped(name)) return;
    const std::size_t to = std::min(changes.size(), from + kBatch);
    std::vector<reconcile::Operation> ops;
    std::vector<std::size_t> first;  // change i has ops [first[i - from], first[i - from + 1])
    for (std::size_t i = from; i < to; ++i) {
      first.push_back(ops.size());
      ops.insert(ops.end(), changes[i].plan.operations.begin(), changes[i].plan.operations.end());
    }
    first.push_back(ops.size());
    const auto statuses = target.connector->apply_all(ops);
    std::vector<state::Applied> done;
    for (std::size_t i = from; i < to; ++i) {
      const auto& [entry, user, plan] = changes[i];
      const auto begin = statuses.begin() + static_cast<std::ptrdiff_t>(first[i - from]);
      const auto end = statuses.begin() + static_cast<std::ptrdiff_t>(first[i - from + 1]);
      if (const auto failed = std::find_if(begin, end, [](const connectors::Status& s) { return !s.ok(); });
          failed != end) {
        const connectors::Failure& failure = failed->failure();
        store_.append_audit(
            audit_record(name, target.mapping->secrets(), user, plan, entry.cause, clock_(), &failure));
        if (failure.kind != connectors::FailureKind::conflict) {
          const Outcome outcome = fail(entry, failure);
          count(outcome, summary);
          if (outcome == Outcome::retrying) retrying.push_back(entry.user_id);
        } else {
          // Taken already: retrying cannot help, a person decides (`idbridge conflicts`).
          const auto& op = ops[static_cast<std::size_t>(failed - statuses.begin())];
          count(to_review(entry, uniqueness_review(store_, name, user, op, failure)), summary);
        }
        continue;
      }
      const std::size_t n = plan.operations.size();
      spdlog::info("{}: {} {} ({} operation{})", name, to_string(plan.kind), plan.desired.key, n, n == 1 ? "" : "s");
      // The last write says how the account was left.
      settle(entry, user, plan, end == begin ? std::string() : std::prev(end)->value().version, done);
      done.back().audit = audit_record(name, target.mapping->secrets(), user, plan, entry.cause, clock_());
    }
    store_.complete_all(done);
    summary.applied += static_cast<int>(done.size());
  }
}

void OutboxWorker::settle(const state::OutboxEntry& entry, const state::User& user, const UserPlan& plan,
                          std::string version, std::vector<state::Applied>& done) {
  if (!plan.correlated_by.empty()) {
    spdlog::info("{}: linked user {} to the existing account {} (correlated by {})", entry.target, user.user_name,
                 plan.observed->key, plan.correlated_by);
  }
  const auto reviews = attribute_reviews(entry.target, entry.user_id, plan);
  for (const auto& item : reviews) {
    spdlog::warn("{}: {} attribute {} diverged from the source and needs review (authority manual); left as is",
                 entry.target, item.key, item.attribute);
  }
  store_.settle_reviews(entry.target, entry.user_id, reviews, clock_());
  // A pending delete keeps the entry, planned again when its grace period ends.
  const bool waits = plan.delete_due_ms && plan.kind != UserPlan::Kind::remove;
  done.push_back({entry, plan.next_baseline(std::move(version)), plan.kind == UserPlan::Kind::remove,
                  waits ? plan.delete_due_ms : std::nullopt});
}

void OutboxWorker::count(Outcome outcome, DrainSummary& summary) {
  switch (outcome) {
    case Outcome::applied: ++summary.applied; break;
    case Outcome::retrying: ++summary.retrying; break;
    case Outcome::dead: ++summary.dead; break;
    case Outcome::review: ++summary.review; break;
    case Outcome::stopped: ++summary.stopped; break;
  }
}

OutboxWorker::Outcome OutboxWorker::to_review(const state::OutboxEntry& entry, const state::ReviewItem& item) {
  const int64_t id = store_.open_review(item, clock_());
  spdlog::warn("{}: review #{}: {}", entry.target, id, item.detail);
  store_.complete(entry, std::nullopt);
  return Outcome::review;
}

OutboxWorker::Outcome OutboxWorker::fail(const state::OutboxEntry& entry, const connectors::Failure& failure) {
  const int attempts = entry.attempts + 1;
  const std::string error = std::string(connectors::to_string(failure.kind)) + " " + failure.code + ": " + failure.message;
  if (failure.kind == connectors::FailureKind::stop_target) {
    // Not the user's fault: the entry stays as it is, due, for after the fix.
    spdlog::error("{}: target stopped, its changes stay queued and other targets carry on; fix its configuration "
                  "and restart idbridge: {}",
                  entry.target, failure.code + ": " + failure.message);
    std::lock_guard lock(stopped_mutex_);
    stopped_.emplace(entry.target, failure.code + ": " + failure.message);
    return Outcome::stopped;
  }
  const bool give_up = failure.kind == connectors::FailureKind::permanent ||
                       (retry_.max_attempts > 0 && attempts >= retry_.max_attempts);
  if (give_up) {
    spdlog::error("{}: user {} moved to dead letters after {} attempt{}: {}", entry.target, entry.user_id, attempts,
                  attempts == 1 ? "" : "s", error);
    store_.dead_letter(entry, error, clock_());
    return Outcome::dead;
  }
  const int64_t delay = backoff_ms(attempts);
  spdlog::warn("{}: user {} attempt {} failed, retrying in {} ms: {}", entry.target, entry.user_id, attempts, delay,
               error);
  store_.reschedule(entry, clock_() + delay, error);
  return Outcome::retrying;
}

// Exponential backoff with "equal jitter": half the delay fixed, half random,
// so many users failing together do not retry in lockstep.
int64_t OutboxWorker::backoff_ms(int attempts) {
  int64_t delay = retry_.initial_ms;
  for (int i = 1; i < attempts && delay < retry_.max_ms; ++i) delay *= 2;
  delay = std::min(delay, retry_.max_ms);
  jitter_state_ ^= jitter_state_ << 13, jitter_state_ ^= jitter_state_ >> 7, jitter_state_ ^= jitter_state_ << 17;
  return delay / 2 + static_cast<int64_t>(jitter_state_ % static_cast<uint64_t>(delay / 2 + 1));
}

}  // namespace idb::daemon
