#include "daemon/outbox_worker.h"

#include <algorithm>
#include <iterator>
#include <limits>

#include <spdlog/spdlog.h>

#include "daemon/review.h"

namespace idb::daemon {
namespace {

constexpr size_t kBatch = 256;

}  // namespace

OutboxWorker::OutboxWorker(state::Store& store, std::vector<TargetBinding> targets, config::RetryPolicy retry,
                           Clock clock)
    : store_(store),
      targets_(std::move(targets)),
      retry_(retry),
      clock_(std::move(clock)),
      jitter_state_(static_cast<uint64_t>(clock_()) | 1) {}

DrainSummary OutboxWorker::drain_due() {
  DrainSummary summary;
  for (const auto& target : targets_) {
    if (stopping_) break;
    const std::string& name = target.connector->name();
    if (is_stopped(name)) continue;
    if (!may_apply(target)) {
      summary.held += static_cast<int>(store_.outbox_size(name));
      continue;
    }
    // Re-query after each batch: entries rescheduled into the future drop out,
    // so the loop ends even when every attempt fails.
    for (auto due = store_.due(name, clock_(), kBatch); !due.empty() && !stopping_ && !is_stopped(name);
         due = store_.due(name, clock_(), kBatch)) {
      run_batch(target, due, summary);
    }
    // An approval releases one batch: the next one is guarded again.
    if (!stopping_ && store_.hold_of(name)) store_.release(name);
  }
  return summary;
}

bool OutboxWorker::may_apply(const TargetBinding& target) {
  const std::string& name = target.connector->name();
  const auto hold = store_.hold_of(name);
  if (hold && hold->approved_ms) {
    spdlog::warn("{}: applying the batch held by a guard ({}): approved by an administrator", name, hold->reason);
    return true;
  }
  const auto due = store_.due(name, clock_(), std::numeric_limits<size_t>::max());
  const reconcile::GuardLimits& limits = target.guards;
  const auto size = static_cast<int64_t>(due.size());
  // Too few changes to trip any limit: not worth planning them twice.
  if (!hold && size <= limits.max_disables && size <= limits.max_modifies && size < limits.percent_floor) return true;

  reconcile::RunCounts counts;
  counts.accounts = static_cast<int64_t>(store_.baselines(name).size());
  for (const auto& entry : due) {
    const auto user = store_.get_user(entry.user_id, /*include_deleted=*/true);
    if (!user) continue;
    const auto planned = plan_user(target, *user, store_.baseline(name, entry.user_id), clock_());
    // A target that cannot be read now cannot be counted either: a new batch
    // goes on to fail and be retried entry by entry (and is guarded then); a
    // held one stays held.
    if (!planned && planned.failure().kind == connectors::FailureKind::retry) return !hold;
    if (!planned) continue;  // it fails again when applied, and is counted there
    tally(counts, planned.value());
  }
  const auto reason = reconcile::held_by_guard(counts, limits);
  if (!reason) {
    if (hold) {
      spdlog::info("{}: the held batch is back within the guards' limits; applying it", name);
      store_.release(name);
    }
    return true;
  }
  if (!hold || hold->reason != *reason) {
    spdlog::warn("{}: guard holds {} pending change(s): {}; nothing is applied to this target until "
                 "'idbridge approve --target {}'",
                 name, due.size(), *reason, name);
  }
  store_.hold(name, *reason, clock_());
  return false;
}

std::optional<int64_t> OutboxWorker::next_due_ms() {
  std::optional<int64_t> next;
  for (const auto& target : targets_) {
    if (is_stopped(target.connector->name())) continue;
    auto t = store_.next_due_ms(target.connector->name());
    if (t && store_.hold_of(target.connector->name())) t = std::max(*t, clock_() + kHoldRecheckMs);
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

void OutboxWorker::run_batch(const TargetBinding& target, const std::vector<state::OutboxEntry>& due,
                             DrainSummary& summary) {
  auto tally = [&summary](Outcome outcome) {
    switch (outcome) {
      case Outcome::applied: ++summary.applied; break;
      case Outcome::retrying: ++summary.retrying; break;
      case Outcome::dead: ++summary.dead; break;
      case Outcome::review: ++summary.review; break;
      case Outcome::stopped: ++summary.stopped; break;
    }
  };
  // An entry with operations to apply: they are ops[first, first + count).
  struct Planned {
    const state::OutboxEntry& entry;
    state::User user;
    UserPlan plan;
    std::size_t first, count;
  };
  std::vector<state::Applied> done;  // recorded together once the batch is through
  std::vector<Planned> planned;
  std::vector<reconcile::Operation> ops;
  for (const auto& entry : due) {
    auto user = store_.get_user(entry.user_id, /*include_deleted=*/true);
    if (!user) {
      spdlog::warn("{}: outbox entry for unknown user {} dropped", entry.target, entry.user_id);
      done.push_back({entry, std::nullopt});
      continue;
    }
    const auto baseline = store_.baseline(entry.target, entry.user_id);
    auto result =
        plan_user(target, *user, baseline, clock_(), nullptr, accepted_for(store_, entry.target, entry.user_id));
    if (!result) {
      tally(fail(entry, result.failure()));
      if (is_stopped(entry.target)) break;
      continue;
    }
    UserPlan& plan = result.value();
    if (auto taken = taken_by_other(store_, entry.target, *user, baseline, plan)) {
      tally(to_review(entry, *taken));
      continue;
    }
    if (auto ambiguous = ambiguous_review(entry.target, *user, plan)) {
      tally(to_review(entry, *ambiguous));
      continue;
    }
    if (!plan.correlated_by.empty()) {
      spdlog::info("{}: linked user {} to the existing account {} (correlated by {})", entry.target, user->user_name,
                   plan.observed->key, plan.correlated_by);
    }
    if (plan.kind == UserPlan::Kind::skip) {
      store_.settle_reviews(entry.target, entry.user_id, {}, clock_());
      done.push_back({entry, std::nullopt});
      continue;
    }
    const std::size_t first = ops.size(), n = plan.operations.size();
    std::copy(plan.operations.begin(), plan.operations.end(), std::back_inserter(ops));
    planned.push_back({entry, std::move(*user), std::move(plan), first, n});
  }

  // A target that refused us as a whole gets nothing more: what was planned stays queued.
  if (is_stopped(target.connector->name())) planned.clear();
  const auto statuses = planned.empty() ? std::vector<connectors::Status>{} : target.connector->apply_all(ops);
  for (const auto& [entry, user, plan, first, n] : planned) {
    const auto begin = statuses.begin() + static_cast<std::ptrdiff_t>(first), end = begin + static_cast<std::ptrdiff_t>(n);
    if (const auto failed = std::find_if(begin, end, [](const connectors::Status& s) { return !s.ok(); }); failed != end) {
      const connectors::Failure& failure = failed->failure();
      if (failure.kind != connectors::FailureKind::conflict) {
        tally(fail(entry, failure));
      } else {
        // Taken already: retrying cannot help, a person decides (`idbridge conflicts`).
        const auto& op = ops[first + static_cast<std::size_t>(failed - begin)];
        tally(to_review(entry, uniqueness_review(store_, entry.target, user, op, failure)));
      }
      continue;
    }
    if (plan.kind != UserPlan::Kind::noop) {
      spdlog::info("{}: {} {} ({} operation{})", entry.target, to_string(plan.kind), plan.desired.key, n,
                   n == 1 ? "" : "s");
    }
    const auto reviews = attribute_reviews(entry.target, entry.user_id, plan);
    for (const auto& item : reviews) {
      spdlog::warn("{}: {} attribute {} diverged from the source and needs review (authority manual); left as is",
                   entry.target, item.key, item.attribute);
    }
    store_.settle_reviews(entry.target, entry.user_id, reviews, clock_());
    // A pending delete keeps the entry, planned again when its grace period ends.
    const bool waits = plan.delete_due_ms && plan.kind != UserPlan::Kind::remove;
    done.push_back({entry, plan.next_baseline(), plan.kind == UserPlan::Kind::remove,
                    waits ? plan.delete_due_ms : std::nullopt});
  }
  store_.complete_all(done);
  summary.applied += static_cast<int>(done.size());
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
