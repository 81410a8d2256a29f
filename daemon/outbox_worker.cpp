#include "daemon/outbox_worker.h"

#include <algorithm>

#include <spdlog/spdlog.h>


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
    // Re-query after each batch: entries rescheduled into the future drop out,
    // so the loop ends even when every attempt fails.
    for (auto due = store_.due(target.connector->name(), clock_(), kBatch); !due.empty();
         due = store_.due(target.connector->name(), clock_(), kBatch)) {
      for (const auto& entry : due) {
        if (stopping_) return summary;
        switch (process(target, entry)) {
          case Outcome::applied: ++summary.applied; break;
          case Outcome::retrying: ++summary.retrying; break;
          case Outcome::dead: ++summary.dead; break;
        }
      }
    }
  }
  return summary;
}

std::optional<int64_t> OutboxWorker::next_due_ms() {
  std::optional<int64_t> next;
  for (const auto& target : targets_) {
    if (auto t = store_.next_due_ms(target.connector->name()); t && (!next || *t < *next)) next = t;
  }
  return next;
}

OutboxWorker::Outcome OutboxWorker::process(const TargetBinding& target, const state::OutboxEntry& entry) {
  const auto user = store_.get_user(entry.user_id, /*include_deleted=*/true);
  if (!user) {
    spdlog::warn("{}: outbox entry for unknown user {} dropped", entry.target, entry.user_id);
    store_.complete(entry, std::nullopt);
    return Outcome::applied;
  }
  auto planned = plan_user(target, *user, store_.baseline(entry.target, entry.user_id));
  if (!planned) return fail(entry, planned.failure());
  const UserPlan& plan = planned.value();
  if (plan.kind == UserPlan::Kind::skip) {
    store_.complete(entry, std::nullopt);
    return Outcome::applied;
  }
  for (const auto& op : plan.operations) {
    if (auto status = target.connector->apply(op); !status) return fail(entry, status.failure());
  }
  if (plan.kind != UserPlan::Kind::noop) {
    spdlog::info("{}: {} {} ({} operation{})", entry.target, to_string(plan.kind), plan.desired.key,
                 plan.operations.size(), plan.operations.size() == 1 ? "" : "s");
  }
  if (plan.decision.conflict) {
    for (const auto& a : plan.decision.attributes) {
      if (a.verdict == reconcile::Verdict::conflict) {
        spdlog::warn("{}: {} attribute {} diverged from the source and needs review (authority manual); left as is",
                     entry.target, plan.desired.key, a.attribute);
      }
    }
  }
  store_.complete(entry, state::Baseline{plan.desired.key, plan.decision.next_baseline});
  return Outcome::applied;
}

OutboxWorker::Outcome OutboxWorker::fail(const state::OutboxEntry& entry, const connectors::Failure& failure) {
  const int attempts = entry.attempts + 1;
  const std::string error = std::string(connectors::to_string(failure.kind)) + " " + failure.code + ": " + failure.message;
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
