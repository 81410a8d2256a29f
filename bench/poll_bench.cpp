// Users per second a SCIM poll ingests, from a local SCIM source on loopback:
// idbridge's own endpoint over its own store, seeded with --users users. Runs
// a first (full) poll that creates them all, an incremental poll with nothing
// new, and one after --changed users changed at the source; each stores every
// change durably and enqueues it for a target, as `serve` does.
//
//   poll_bench [--users 2000] [--changed 200] [--page-size 100]
// Prints per poll: users seen and stored, wall time, users/s seen, and the
// process CPU time per user seen (steadier than wall time on a busy machine).
#include <sys/resource.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "scim/listener.h"
#include "scim/poller.h"
#include "scim/resource.h"
#include "scim/server.h"
#include "state/store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// A source user as an HR system would hold it, stored straight into the
// source's store (seeding is not what is measured).
idb::state::User source_user(int i, int64_t version, std::chrono::system_clock::time_point now) {
  const std::string n = std::to_string(i);
  const json body = {{"userName", "poll-" + n + "@example.com"},
                     {"externalId", "hr-" + n},
                     {"name", {{"givenName", "Poll"}, {"familyName", "User " + n + (version > 1 ? " (moved)" : "")}}},
                     {"emails", {{{"value", "poll-" + n + "@example.com"}, {"type", "work"}, {"primary", true}}}},
                     {"title", version > 1 ? "Lead" : "Engineer"},
                     {"active", true}};
  idb::state::User u;
  u.id = "src-" + n;
  u.version = version;
  u.user_name = body["userName"];
  u.external_id = body["externalId"].get<std::string>();
  const std::string stamp = idb::scim::rfc3339(now);
  u.resource = idb::scim::with_server_fields(std::get<json>(idb::scim::normalize(idb::scim::user_type(), body)),
                                             {u.id, version, stamp, stamp, "/scim/v2/Users/" + u.id});
  return u;
}

// Writes users [from, to) at `version` from 8 threads, so the store commits them in groups.
void seed(idb::state::Store& store, int from, int to, int64_t version) {
  const auto now = std::chrono::system_clock::now();
  const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = from + t; i < to; i += 8) {
        const auto u = source_user(i, version, now);
        if (version == 1) {
          store.insert_user(u, {}, now_ms);
        } else {
          store.replace_user(u, {}, now_ms);
        }
      }
    });
  }
  for (auto& t : threads) t.join();
}

void measure(const char* what, idb::scim::Poller& poller) {
  const double cpu0 = cpu_seconds();
  const auto t0 = std::chrono::steady_clock::now();
  const auto s = poller.poll_once();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cpu = cpu_seconds() - cpu0;
  if (s.failure) {
    std::printf("%-24s failed: %s\n", what, s.failure->message.c_str());
    return;
  }
  const double seen = static_cast<double>(s.fetched);
  std::printf("%-24s %-11s %7lld %7lld %9.3f %9.0f %11.1f\n", what, s.incremental ? "incremental" : "full",
              static_cast<long long>(s.fetched), static_cast<long long>(s.created + s.updated), wall,
              seen > 0 ? seen / wall : 0.0, seen > 0 ? cpu / seen * 1e6 : 0.0);
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  const int users = args.count("--users") ? std::stoi(args["--users"]) : 2000;
  const int changed = args.count("--changed") ? std::stoi(args["--changed"]) : 200;
  const int page_size = args.count("--page-size") ? std::stoi(args["--page-size"]) : 100;
  const std::string token = "poll-bench-token";
  spdlog::set_level(spdlog::level::warn);

  const fs::path dir = fs::temp_directory_path() / ("poll-bench-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  auto source_store = idb::state::Store::open(dir / "source");
  seed(*source_store, 0, users, 1);
  idb::scim::ServiceSettings settings;
  settings.tokens = {token};
  settings.max_results = static_cast<size_t>(std::max(page_size, 200));
  idb::scim::Service service(*source_store, settings, [] {});
  const auto http = idb::scim::make_http_server({});
  service.mount(*http);
  const int port = idb::scim::bind_listener(*http, "127.0.0.1", 0);
  std::thread listener([&] { http->listen_after_bind(); });

  auto store = idb::state::Store::open(dir / "idbridge");
  idb::config::ScimSource source;
  source.name = "bench";
  source.base_url = "http://127.0.0.1:" + std::to_string(port) + "/scim/v2";
  source.bearer = {"${env:BENCH}", token};
  source.page_size = page_size;
  source.deletion_max_count = users;
  idb::scim::Poller poller(source, *store, {"ldap"});

  std::printf("%d users at a local SCIM source, pages of %d; every stored change durable (SQLite WAL, "
              "synchronous=FULL) and enqueued\n",
              users, page_size);
  std::printf("%-24s %-11s %7s %7s %9s %9s %11s\n", "poll", "kind", "seen", "stored", "seconds", "users/s",
              "cpu us/user");
  measure("first (all new)", poller);
  measure("nothing changed", poller);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // past the watermark's millisecond
  seed(*source_store, 0, std::min(changed, users), 2);
  measure("after changes", poller);

  http->stop();
  listener.join();
  store.reset();
  source_store.reset();
  fs::remove_all(dir);
  return 0;
}
