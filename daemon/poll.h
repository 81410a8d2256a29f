#pragma once
// The SCIM sources of the config (`sources:`), polled by the daemon: each on
// its own interval under `serve`, each once before `sync --once` pushes.
#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "config/config.h"
#include "daemon/metrics.h"
#include "scim/poller.h"
#include "state/store.h"

namespace idb::daemon {

// Runs every source's poll on a worker thread (polls block on HTTP) and arms
// an Asio timer for its next one: `interval` after the start of the last, or
// later when the source asked for that with Retry-After.
class PollScheduler {
 public:
  // `on_change` runs on the io thread after a poll stored a change; every
  // poll is counted into `metrics` (count_poll).
  PollScheduler(boost::asio::io_context& io, const config::Config& config, state::Store& store,
                const std::vector<std::string>& targets, Metrics& metrics, std::function<void()> on_change);
  ~PollScheduler();

  void start();     // every source is polled now, then on its interval
  void shutdown();  // a running poll ends at its next page; none starts afterwards

 private:
  struct Source {
    std::unique_ptr<scim::Poller> poller;
    boost::asio::system_timer timer;
  };
  void run(Source& source);

  boost::asio::io_context& io_;
  Metrics& metrics_;
  std::function<void()> on_change_;
  scim::Catalog catalog_;  // the config's custom extensions, as the SCIM endpoint has them
  std::vector<std::unique_ptr<Source>> sources_;
  boost::asio::thread_pool pool_{1};
  std::atomic<bool> stopping_ = false;
};

// The source metric families, described so a scrape shows them from the start.
void describe_poll_metrics(Metrics& metrics);
// Counts one finished poll of `source`: the poll, what it did to users, a
// failure, and (when it succeeded) its time as the source's last success.
void count_poll(Metrics& metrics, const std::string& source, const scim::PollSummary& summary,
                std::chrono::system_clock::time_point finished);

// Polls every source once, in order. False when any poll failed (it is logged).
bool poll_sources_once(const config::Config& config, state::Store& store, const std::vector<std::string>& targets);

}  // namespace idb::daemon
