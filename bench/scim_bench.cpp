// Durable SCIM writes per second on loopback: POST and PATCH of users from
// concurrent clients against idbridge's endpoint (SQLite, synchronous=FULL,
// every write enqueued for a target), and the same load against the
// reference SCIM server of the peer suites (scimmy, in memory) for scale.
//
//   scim_bench [--clients 8] [--ops 250] [--state-dir DIR]
//              [--ref-harness DIR]   a harness folder with node_modules installed
//                                    (as scripts/scim-peers does), to compare
// Prints ops/s, p50 and p99 latency per server and operation, and peak RSS.
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
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
#include "scim/server.h"
#include "state/store.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

namespace {

struct Figures {
  double ops_per_s = 0;
  double p50_ms = 0, p99_ms = 0;
  int errors = 0;
};

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// Runs `clients` threads, each calling `request(client, i)` `ops` times.
template <class Request>
Figures load(int clients, int ops, Request request) {
  std::vector<std::vector<double>> latencies(clients);
  std::atomic<int> errors = 0;
  const auto start = Clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      for (int i = 0; i < ops; ++i) {
        const auto t0 = Clock::now();
        if (!request(c, i)) ++errors;
        latencies[c].push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
      }
    });
  }
  for (auto& t : threads) t.join();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::vector<double> all;
  for (auto& l : latencies) all.insert(all.end(), l.begin(), l.end());
  Figures f;
  f.ops_per_s = static_cast<double>(all.size()) / seconds;
  f.p50_ms = percentile(all, 0.50);
  f.p99_ms = percentile(all, 0.99);
  f.errors = errors;
  return f;
}

// POSTs then PATCHes clients × ops users against a SCIM base on 127.0.0.1:port.
std::pair<Figures, Figures> run(int port, const std::string& base, const std::string& token, int clients, int ops) {
  std::vector<std::unique_ptr<httplib::Client>> conns;
  for (int c = 0; c < clients; ++c) {
    conns.push_back(std::make_unique<httplib::Client>("127.0.0.1", port));
    conns.back()->set_bearer_token_auth(token);
    conns.back()->set_keep_alive(true);
    conns.back()->set_tcp_nodelay(true);  // else Nagle and delayed ACKs add 40 ms to every request
  }
  std::vector<std::vector<std::string>> ids(clients, std::vector<std::string>(ops));
  const Figures post = load(clients, ops, [&](int c, int i) {
    const json body = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}},
                       {"userName", "bench-" + std::to_string(c) + "-" + std::to_string(i) + "@example.com"},
                       {"name", {{"givenName", "Bench"}, {"familyName", "Zoë " + std::to_string(i)}}},
                       {"emails", {{{"value", "b" + std::to_string(c) + "-" + std::to_string(i) + "@example.com"},
                                    {"type", "work"}, {"primary", true}}}},
                       {"active", true}};
    auto res = conns[c]->Post(base + "/Users", body.dump(), "application/scim+json");
    if (!res || res->status != 201) return false;
    ids[c][i] = json::parse(res->body)["id"];
    return true;
  });
  const Figures patch = load(clients, ops, [&](int c, int i) {
    const json body = {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
                       {"Operations",
                        {{{"op", "replace"}, {"path", "active"}, {"value", false}},
                         {{"op", "replace"}, {"path", "emails[type eq \"work\"].value"},
                          {"value", "moved" + std::to_string(i) + "@example.com"}}}}};
    auto res = conns[c]->Patch(base + "/Users/" + ids[c][i], body.dump(), "application/scim+json");
    return res && (res->status == 200 || res->status == 204);
  });
  return {post, patch};
}

void print(const char* server, const char* op, const Figures& f) {
  std::printf("%-26s %-6s %9.0f %9.2f %9.2f %7d\n", server, op, f.ops_per_s, f.p50_ms, f.p99_ms, f.errors);
}

long peak_rss_kb() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

}  // namespace

int main(int argc, char** argv) {
  std::map<std::string, std::string> args;
  for (int i = 1; i + 1 < argc; i += 2) args[argv[i]] = argv[i + 1];
  const int clients = args.count("--clients") ? std::stoi(args["--clients"]) : 8;
  const int ops = args.count("--ops") ? std::stoi(args["--ops"]) : 250;
  const fs::path state = args.count("--state-dir") ? fs::path(args["--state-dir"])
                                                   : fs::temp_directory_path() / ("scim-bench-" + std::to_string(::getpid()));
  const std::string token = "bench-token";

  spdlog::set_level(spdlog::level::warn);  // a log line per request would be measured too
  fs::remove_all(state);
  auto store = idb::state::Store::open(state);
  idb::scim::ServiceSettings settings;
  settings.tokens = {token};
  settings.targets = {"ldap"};
  idb::scim::Service service(*store, settings, [] {});
  // Set up as `idbridge serve` does.
  const auto http = idb::scim::make_http_server({});
  httplib::Server& server = *http;
  service.mount(server);
  const int port = idb::scim::bind_listener(server, "127.0.0.1", 0);
  std::thread listener([&] { server.listen_after_bind(); });

  std::printf("%d clients x %d users each, POST then PATCH; state in %s (SQLite WAL, synchronous=FULL)\n", clients,
              ops, state.c_str());
  std::printf("%-26s %-6s %9s %9s %9s %7s\n", "server", "op", "ops/s", "p50 ms", "p99 ms", "errors");
  const auto [post, patch] = run(port, idb::scim::kBasePath, token, clients, ops);
  print("idbridge (durable)", "POST", post);
  print("idbridge (durable)", "PATCH", patch);
  server.stop();
  listener.join();
  const long rss = peak_rss_kb();

  if (args.count("--ref-harness")) {
    const fs::path harness = args["--ref-harness"];
    const int ref_port = idb::test::free_port();
    idb::test::Process ref({"/usr/bin/env", "node", (harness / "ref-server/scimmy-server.mjs").string(), "--port",
                            std::to_string(ref_port), "--token", token},
                           {}, state / "ref-server.log");
    httplib::Client probe("127.0.0.1", ref_port);
    probe.set_bearer_token_auth(token);
    bool up = false;
    for (int i = 0; i < 100 && !up; ++i) {
      auto res = probe.Get("/scim/v2/ServiceProviderConfig");
      up = res && res->status == 200;
      if (!up) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    if (!up) {
      std::fprintf(stderr, "the reference server did not start; see %s\n", (state / "ref-server.log").c_str());
      return 1;
    }
    const auto [ref_post, ref_patch] = run(ref_port, "/scim/v2", token, clients, ops);
    print("reference (scimmy, memory)", "POST", ref_post);
    print("reference (scimmy, memory)", "PATCH", ref_patch);
    std::printf("idbridge / reference throughput: POST %.1fx, PATCH %.1fx\n", post.ops_per_s / ref_post.ops_per_s,
                patch.ops_per_s / ref_patch.ops_per_s);
  }
  std::printf("peak RSS of the idbridge side (endpoint + store + clients): %ld KiB\n", rss);
  store.reset();
  fs::remove_all(state);
  return 0;
}
