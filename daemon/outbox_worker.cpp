#include "daemon/outbox_worker.h"

#include <algorithm>

#include <spdlog/spdlog.h>

#include "scim/user_resource.h"

namespace idb::daemon {
namespace {

constexpr size_t kBatch = 256;

std::optional<reconcile::Account> to_account(std::optional<connectors::Observed> observed) {
  if (!observed) return std::nullopt;
  return reconcile::Account{std::move(observed->key), std::move(observed->attributes)};
}

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
  auto mapped = target.mapping->apply(user->resource);
  if (auto* why = std::get_if<std::string>(&mapped)) {
    return fail(entry, {connectors::FailureKind::permanent, "mapping", *why});
  }
  const bool disabled = user->deleted || !scim::is_active(user->resource);
  const auto desired = reconcile::apply_lifecycle(std::get<mapping::Desired>(std::move(mapped)), disabled, target.disable);

  std::vector<std::string> wanted;
  for (const auto& [name, values] : desired.attributes) wanted.push_back(name);
  auto& connector = *target.connector;
  auto observed = connector.read(desired.key, wanted);
  if (!observed) return fail(entry, observed.failure());
  if (!observed.value()) {
    // The key template's output changed since we last wrote: the account is
    // still where we put it, and is renamed rather than created again.
    if (const auto baseline = store_.baseline(entry.target, entry.user_id); baseline && baseline->key != desired.key) {
      observed = connector.read(baseline->key, wanted);
      if (!observed) return fail(entry, observed.failure());
    }
  }
  auto account = to_account(std::move(observed.value()));
  if (!account && disabled) {
    // Never create an account only to disable it.
    store_.complete(entry, std::nullopt);
    return Outcome::applied;
  }

  const auto ops = reconcile::plan(desired, account);
  for (const auto& op : ops) {
    if (auto status = connector.apply(op); !status) return fail(entry, status.failure());
  }
  if (!ops.empty()) {
    const char* action = !account ? "created" : disabled ? "disabled" : "updated";
    spdlog::info("{}: {} {} ({} operation{})", entry.target, action, desired.key, ops.size(), ops.size() == 1 ? "" : "s");
  }
  store_.complete(entry, state::Baseline{desired.key, desired.attributes});
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
