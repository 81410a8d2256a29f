#include "daemon/serve.h"

#include <atomic>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/system_timer.hpp>
#include <boost/asio/thread_pool.hpp>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include "daemon/runtime.h"
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
  DrainScheduler(asio::io_context& io, OutboxWorker& worker) : io_(io), timer_(io), worker_(worker) {}

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
        if (summary.retrying || summary.dead) {
          spdlog::debug("drain: {} applied, {} retrying, {} dead", summary.applied, summary.retrying, summary.dead);
        }
        next = worker_.next_due_ms();
      } catch (const std::exception& e) {
        // The store failed under us; try again shortly rather than stall forever.
        spdlog::error("drain failed: {}", e.what());
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
  bool running_ = false;
  bool again_ = false;
  std::atomic<bool> stopping_ = false;
};

}  // namespace

int serve(const config::Config& config) {
  auto runtime = runtime_or_report(config);
  if (!runtime) return 2;

  asio::io_context io;
  DrainScheduler drains(io, *runtime->worker);

  httplib::Server http;
  scim::ServiceSettings settings;
  for (const auto& token : config.scim_tokens) settings.tokens.push_back(token.value);
  settings.max_body_bytes = config.scim_max_body_bytes;
  settings.targets = runtime->target_names;
  scim::Service scim(*runtime->store, settings, [&drains] { drains.kick(); });
  scim.mount(http);
  http.Get("/healthz", [](const httplib::Request&, httplib::Response& res) { res.set_content("ok\n", "text/plain"); });
  http.Get("/readyz", [&](const httplib::Request&, httplib::Response& res) {
    // Ready when the state store answers; targets being down is what the outbox is for.
    runtime->store->schema_version();
    res.set_content("ready\n", "text/plain");
  });

  // httplib's default also sets SO_REUSEPORT, which would let a second daemon
  // share the port silently; a taken port must be an error.
  http.set_socket_options([](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  const auto [host, port] = split_listen(config.listen);
  if (!http.bind_to_port(host, port)) {
    spdlog::error("cannot listen on {}: address in use or not available", config.listen);
    return 1;
  }
  std::thread http_thread([&http] { http.listen_after_bind(); });

  asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {} received, stopping", signal);
    http.stop();
    io.stop();
  });

  spdlog::info("idbridge serving SCIM at http://{}{}, state in {}, {} target(s)", config.listen, scim::kBasePath,
               config.state_dir.string(), runtime->target_names.size());
  drains.kick();  // whatever was left in the outbox by the last run
  io.run();

  http_thread.join();
  drains.shutdown();
  spdlog::info("stopped; {} change(s) still waiting in the outbox", waiting(*runtime));
  return 0;
}

int sync_once(const config::Config& config) {
  auto runtime = runtime_or_report(config);
  if (!runtime) return 2;
  runtime->store->enqueue_all(runtime->target_names, now_ms());
  const auto summary = runtime->worker->drain_due();
  const int64_t left = waiting(*runtime);
  spdlog::info("sync: {} in line, {} waiting for a retry, {} dead-lettered", summary.applied, left, summary.dead);
  return left == 0 && summary.dead == 0 ? 0 : 1;
}

}  // namespace idb::daemon
