#include "daemon/poll.h"

#include <algorithm>

#include <boost/asio/post.hpp>
#include <spdlog/spdlog.h>

#include "scim/custom_schema.h"

namespace idb::daemon {
namespace asio = boost::asio;

namespace {

// A poll whose store failed under it is logged and counts as failed; the next one may fare better.
scim::PollSummary poll_logged(scim::Poller& poller, const std::atomic<bool>* stop) {
  try {
    return poller.poll_once(stop);
  } catch (const state::StoreError& e) {
    spdlog::error("source {}: state store failed: {}", poller.name(), e.what());
    scim::PollSummary failed;
    failed.failure = connectors::Failure{connectors::FailureKind::retry, "state", e.what()};
    return failed;
  }
}

}  // namespace

void describe_poll_metrics(Metrics& m) {
  using T = Metrics::Type;
  m.describe("idbridge_source_polls_total", T::counter, "Polls of a SCIM source run to their end or to a failure, by source.");
  m.describe("idbridge_source_poll_errors_total", T::counter,
             "Polls of a SCIM source that failed (unreachable, refused, 5xx, 429, state store), by source.");
  m.describe("idbridge_source_users_total", T::counter,
             "Users a poll received (seen) and what it did with them: created, updated, unchanged, rejected, deleted.");
  m.describe("idbridge_source_last_success_timestamp_seconds", T::gauge,
             "When the last poll of the source succeeded (Unix time), by source.");
}

void count_poll(Metrics& m, const std::string& source, const scim::PollSummary& summary,
                std::chrono::system_clock::time_point finished) {
  m.add("idbridge_source_polls_total", {{"source", source}});
  const std::pair<const char*, int64_t> outcomes[] = {{"seen", summary.fetched},       {"created", summary.created},
                                                      {"updated", summary.updated},    {"unchanged", summary.unchanged},
                                                      {"rejected", summary.rejected},  {"deleted", summary.deleted}};
  for (const auto& [outcome, count] : outcomes) {
    m.add("idbridge_source_users_total", {{"outcome", outcome}, {"source", source}}, static_cast<double>(count));
  }
  // Added even when zero, so the sample exists before the first failure.
  m.add("idbridge_source_poll_errors_total", {{"source", source}}, summary.failure ? 1 : 0);
  if (summary.failure) return;
  m.set("idbridge_source_last_success_timestamp_seconds", {{"source", source}},
        std::chrono::duration<double>(finished.time_since_epoch()).count());
}

PollScheduler::PollScheduler(asio::io_context& io, const config::Config& config, state::Store& store,
                             const std::vector<std::string>& targets, Metrics& metrics, std::function<void()> on_change)
    : io_(io), metrics_(metrics), on_change_(std::move(on_change)), catalog_(scim::custom_extensions(config.scim_extensions)) {
  for (const auto& source : config.sources) {
    sources_.push_back(std::make_unique<Source>(
        Source{std::make_unique<scim::Poller>(source, store, targets, catalog_), asio::system_timer(io)}));
  }
}

PollScheduler::~PollScheduler() { shutdown(); }

void PollScheduler::start() {
  for (auto& source : sources_) asio::post(io_, [this, s = source.get()] { run(*s); });
}

void PollScheduler::shutdown() {
  stopping_ = true;
  for (auto& source : sources_) source->timer.cancel();
  pool_.join();
}

void PollScheduler::run(Source& source) {
  if (stopping_) return;
  const auto started = std::chrono::system_clock::now();
  asio::post(pool_, [this, &source, started] {
    const auto summary = poll_logged(*source.poller, &stopping_);
    asio::post(io_, [this, &source, started, summary, finished = std::chrono::system_clock::now()] {
      count_poll(metrics_, source.poller->name(), summary, finished);
      if (summary.changed()) on_change_();
      if (stopping_) return;
      auto next = started + source.poller->interval();
      if (summary.retry_after_ms) {
        next = std::max(next, std::chrono::system_clock::now() + std::chrono::milliseconds(*summary.retry_after_ms));
      }
      source.timer.expires_at(next);
      source.timer.async_wait([this, &source](const boost::system::error_code& ec) {
        if (!ec) run(source);
      });
    });
  });
}

bool poll_sources_once(const config::Config& config, state::Store& store, const std::vector<std::string>& targets) {
  bool ok = true;
  const scim::Catalog catalog(scim::custom_extensions(config.scim_extensions));
  for (const auto& source : config.sources) {
    scim::Poller poller(source, store, targets, catalog);
    ok = !poll_logged(poller, nullptr).failure && ok;
  }
  return ok;
}

}  // namespace idb::daemon
