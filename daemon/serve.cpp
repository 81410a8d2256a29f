#include "daemon/serve.h"

#include <atomic>
#include <functional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "daemon/audit.h"
#include "daemon/metrics.h"
#include "daemon/poll.h"
#include "daemon/runtime.h"
#include "daemon/systemd_notify.h"
#include "daemon/version.h"
#include "scim/custom_schema.h"
#include "scim/listener.h"
#include "scim/server.h"

namespace idb::daemon {
namespace asio = boost::asio;
namespace {

struct HostPort {
  std::string host;
  int port;
};

// config::load has validated the form: HOST:PORT or [V6]:PORT.
HostPort split_listen(const std::string& listen) {
  const size_t colon = listen.rfind(':');
  std::string host = listen.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  return {host, std::stoi(listen.substr(colon + 1))};
}

// Changes still in the outbox, over every target.
int64_t waiting(const Runtime& runtime) {
  int64_t n = 0;
  for (const auto& t : runtime.target_names) n += runtime.store->outbox_size(t);
  return n;
}

// Runs drains one at a time on a worker thread (connector calls block), and
// keeps a timer armed for the next retry. All its state lives on the io thread.
class DrainScheduler {
 public:
  DrainScheduler(asio::io_context& io, OutboxWorker& worker, Metrics& metrics)
      : io_(io), timer_(io), worker_(worker), metrics_(metrics) {}

  // Thread-safe: called by SCIM handlers after a durable write.
  void kick() {
    asio::post(io_, [this] { start(); });
  }

  // Waits for a running drain to finish; no new drain starts afterwards.
  void shutdown() {
    stopping_ = true;
    worker_.stop();
    timer_.cancel();
    pool_.join();
  }

 private:
  void start() {
    if (stopping_) return;
    if (running_) {
      again_ = true;
      return;
    }
    running_ = true;
    timer_.cancel();
    asio::post(pool_, [this] {
      std::optional<int64_t> next;
      try {
        const auto summary = worker_.drain_due();
        metrics_.add("idbridge_outbox_applied_total", {}, summary.applied);
        metrics_.add("idbridge_outbox_retries_total", {}, summary.retrying);
        metrics_.add("idbridge_outbox_dead_lettered_total", {}, summary.dead);
        metrics_.add("idbridge_outbox_to_review_total", {}, summary.review);
        if (summary.retrying || summary.dead) {
          spdlog::debug("drain: {} applied, {} retrying, {} dead", summary.applied, summary.retrying, summary.dead);
        }
        next = worker_.next_due_ms();
      } catch (const std::exception& e) {
        // The store failed under us; try again shortly rather than stall forever.
        spdlog::error("drain failed: {}", e.what());
        metrics_.add("idbridge_drain_errors_total");
        next = now_ms() + 5000;
      }
      asio::post(io_, [this, next] { finished(next); });
    });
  }

  void finished(std::optional<int64_t> next) {
    running_ = false;
    if (again_) {
      again_ = false;
      return start();
    }
    if (!next || stopping_) return;
    timer_.expires_at(std::chrono::system_clock::time_point(std::chrono::milliseconds(*next)));
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (!ec) start();
    });
  }

  asio::io_context& io_;
  asio::system_timer timer_;
  asio::thread_pool pool_{1};
  OutboxWorker& worker_;
  Metrics& metrics_;
  bool running_ = false;
  bool again_ = false;
  std::atomic<bool> stopping_ = false;
};

// The families a scrape always shows, with what they mean.
void describe_metrics(Metrics& m) {
  using T = Metrics::Type;
  m.describe("idbridge_outbox_applied_total", T::counter, "Outbox entries brought in line with the source (no-ops included).");
  m.describe("idbridge_outbox_retries_total", T::counter, "Outbox entries rescheduled after a failure.");
  m.describe("idbridge_outbox_dead_lettered_total", T::counter, "Outbox entries moved to the dead letters.");
  m.describe("idbridge_drain_errors_total", T::counter, "Outbox drains that failed on the state store.");
  m.describe("idbridge_full_syncs_total", T::counter, "Scheduled full syncs started (every user re-planned for every target).");
  m.describe("idbridge_http_requests_total", T::counter, "HTTP requests answered, by method and status code.");
  m.describe("idbridge_outbox_pending", T::gauge, "Changes waiting in the outbox, by target.");
  m.describe("idbridge_dead_letters", T::gauge, "Changes given up on (see the dead letters), by target.");
  m.describe("idbridge_users", T::gauge, "Live users in the state store.");
  m.describe("idbridge_outbox_to_review_total", T::counter,
             "Outbox entries a target refused as taken, sent to the review queue instead of retried.");
  m.describe("idbridge_review_open", T::gauge, "Open items of the review queue ('idbridge conflicts'), by target.");
  m.describe("idbridge_guard_held", T::gauge,
             "1 while a guard holds the target's pending changes until 'idbridge approve', by target.");
  m.describe("idbridge_build_info", T::gauge, "Always 1; the version is the label.");
}

// Gauges read from the store when scraped: cheap counts, always current.
void count_state(Metrics& m, Runtime& runtime) {
  for (const auto& t : runtime.target_names) {
    m.set("idbridge_outbox_pending", {{"target", t}}, static_cast<double>(runtime.store->outbox_size(t)));
    m.set("idbridge_dead_letters", {{"target", t}}, static_cast<double>(runtime.store->dead_letters(t).size()));
    m.set("idbridge_review_open", {{"target", t}}, static_cast<double>(runtime.store->reviews(false, t).size()));
    // An approved batch counts as held until it is applied.
    m.set("idbridge_guard_held", {{"target", t}}, runtime.store->hold_of(t) ? 1 : 0);
  }
  m.set("idbridge_users", {}, static_cast<double>(runtime.store->count_users()));
}

// Runs `tick` on the io thread every `period`, the first time one period from start.
class Periodic {
 public:
  Periodic(asio::io_context& io, std::chrono::microseconds period, std::function<void()> tick)
      : timer_(io), period_(period), tick_(std::move(tick)) {}
  void start() {
    timer_.expires_after(period_);
    timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      tick_();
      start();
    });
  }

 private:
  asio::steady_timer timer_;
  std::chrono::microseconds period_;
  std::function<void()> tick_;
};

}  // namespace

int serve(const config::Config& config, const ConfigSource& reload_source) {
  auto runtime = runtime_or_report(config);
  if (!runtime) return 2;

  asio::io_context io;
  Metrics metrics;
  describe_metrics(metrics);
  describe_poll_metrics(metrics);
  metrics.set("idbridge_build_info", {{"version", kVersion}}, 1);
  metrics.on_scrape([&runtime](Metrics& m) { count_state(m, *runtime); });
  DrainScheduler drains(io, *runtime->worker, metrics);

  const scim::TlsSettings tls{config.scim_tls_cert_file, config.scim_tls_key_file, config.scim_tls_client_ca_file};
  std::unique_ptr<httplib::Server> http_server;
  try {
    http_server = scim::make_http_server(tls);
  } catch (const std::runtime_error& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
  httplib::Server& http = *http_server;
  scim::ServiceSettings settings;
  for (const auto& token : config.scim_tokens) settings.tokens.push_back(token.value);
  settings.max_body_bytes = config.scim_max_body_bytes;
  settings.bulk = {static_cast<size_t>(config.scim_bulk_max_operations), config.scim_bulk_max_payload_bytes};
  settings.extensions = scim::custom_extensions(config.scim_extensions);
  settings.targets = runtime->target_names;
  scim::Service scim(*runtime->store, settings, [&drains] { drains.kick(); });
  PollScheduler polls(io, config, *runtime->store, runtime->target_names, metrics, [&drains] { drains.kick(); });
  scim.mount(http);
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  http.Get("/readyz", [&](const httplib::Request&, httplib::Response& res) {
    // Ready when the state store answers; targets being down is what the outbox is for.
    runtime->store->schema_version();
    res.set_content("ready\n", "text/plain");
  });
  http.Get("/metrics", [&metrics](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.render(), "text/plain; version=0.0.4; charset=utf-8");
  });
  // Status codes only, never paths: user ids in paths would grow the label set without bound.
  http.set_logger([&metrics](const httplib::Request& req, const httplib::Response& res) {
    metrics.add("idbridge_http_requests_total", {{"method", req.method}, {"code", std::to_string(res.status)}});
  });

  const auto [host, port] = split_listen(config.listen);
  if (scim::bind_listener(http, host, port) < 0) {
    spdlog::error("cannot listen on {}: address in use or not available", config.listen);
    return 1;
  }
  std::thread http_thread([&http] { http.listen_after_bind(); });

  SystemdNotifier systemd;
  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {} received, stopping", signal);
    systemd.notify("STOPPING=1");
    http.stop();
    io.stop();
  });

  // `cause` is what the audit log names: state::kCauseFullSync or kCauseConfigReload.
  const auto replan_all = [&](const std::string& cause) {
    runtime->store->enqueue_all(runtime->target_names, now_ms(), cause);
    drains.kick();
  };
  // SIGHUP (systemctl reload) installs new rules, which may give any user new values.
  config::Config running = config;
  asio::signal_set hangups(io, SIGHUP);
  std::function<void()> await_hangup = [&] {
    hangups.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      systemd.notify("RELOADING=1");
      if (reload(reload_source, running, *runtime)) replan_all(state::kCauseConfigReload);
      systemd.notify("READY=1");
      await_hangup();
    });
  };
  await_hangup();

  // Re-plans every user for every target on a fixed period, so drift on a
  // target is corrected even when the source stays quiet.
  Periodic full_sync(io, std::chrono::seconds(config.full_sync_interval_s), [&] {
    spdlog::info("full sync: every user re-planned for {} target(s)", runtime->target_names.size());
    metrics.add("idbridge_full_syncs_total");
    replan_all(state::kCauseFullSync);
  });
  if (config.full_sync_interval_s > 0) full_sync.start();
  // The audit log keeps audit.retention_days: pruned now, then every hour.
  const auto prune = [&] { prune_audit(*runtime->store, config.audit_retention_days, now_ms()); };
  Periodic audit_retention(io, std::chrono::hours(1), prune);
  prune();
  audit_retention.start();
  // Tells systemd we are alive while the event loop turns (WatchdogSec= in the unit).
  const auto ping = [&systemd] { systemd.notify("WATCHDOG=1"); };
  Periodic watchdog(io, systemd.watchdog_interval().value_or(std::chrono::microseconds(0)), ping);
  if (systemd.watchdog_interval()) {
    ping();
    watchdog.start();
  }

  spdlog::info("idbridge serving SCIM at {}://{}{}, state in {}, {} target(s)", tls.enabled() ? "https" : "http", config.listen, scim::kBasePath,
               config.state_dir.string(), runtime->target_names.size());
  drains.kick();  // whatever was left in the outbox by the last run
  polls.start();
  // The socket is bound and listening, so a client systemd lets through now is answered.
  systemd.notify("READY=1\nSTATUS=serving SCIM at " + config.listen);
  io.run();

  http_thread.join();
  polls.shutdown();
  drains.shutdown();
  spdlog::info("stopped; {} change(s) still waiting in the outbox", waiting(*runtime));
  return 0;
}

int sync_once(const config::Config& config) {
  auto runtime = runtime_or_report(config);
  if (!runtime) return 2;
  const bool polled = poll_sources_once(config, *runtime->store, runtime->target_names);
  runtime->store->enqueue_all(runtime->target_names, now_ms(), state::kCauseFullSync);
  const auto summary = runtime->worker->drain_due();
  // Deletes waiting for their grace period are planned, not stuck.
  int64_t left = waiting(*runtime);
  for (const auto& t : runtime->target_names) left -= runtime->store->scheduled(t, now_ms());
  spdlog::info("sync: {} in line, {} waiting (for a retry or held by a guard), {} dead-lettered, {} to review{}",
               summary.applied, left, summary.dead, summary.review, polled ? "" : "; a source could not be polled");
  return polled && left == 0 && summary.dead == 0 ? 0 : 1;
}

}  // namespace idb::daemon
