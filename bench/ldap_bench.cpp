// LDAP throughput against a private slapd (mdb), the connector side by side
// with a raw libldap client using the same window (the physical limit):
//   (a) add N users, (b) replace 3 attributes on each, (c) paged read of the
//   subtree plus a diff against the desired state (expects no changes).
// Absolute numbers drift between runs on shared machines; compare rows of
// one run. Each size runs on a fresh slapd and ends with the ratios.
// Usage: ldap_bench [--users N[,N...]] [--window W] [--connections C]
//                   [--page-size P] [--read-rounds R] [--durable] [--sequential]
// The default sizes are the issue's: 10000,100000.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "bench/ldap_raw_client.h"
#include "connectors/ldap/ldap_connector.h"
#include "reconcile/planner.h"
#include "tests/support/slapd.h"

namespace idb::bench {
namespace {

using Clock = std::chrono::steady_clock;
using mapping::Attributes;
using reconcile::Operation;

const std::vector<std::string> kAttributes{"objectClass", "uid",   "cn",    "sn",          "givenName",
                                           "mail",        "title", "telephoneNumber", "employeeNumber"};
const std::vector<std::string> kChanged{"mail", "title", "telephoneNumber"};

struct Options {
  std::vector<std::size_t> sizes{10000, 100000};
  std::size_t users = 0;  // the size being run
  std::size_t window = 64;
  std::size_t connections = 1;
  bool durable = false;
  bool sequential = false;  // also measure the one-at-a-time apply()
  int page_size = 1000;
  int read_rounds = 5;
};

std::string user_dn(const std::string& ou, std::size_t i) {
  char uid[16];
  std::snprintf(uid, sizeof uid, "u%07zu", i);
  return "uid=" + std::string(uid) + ",ou=" + ou + ",dc=example,dc=org";
}

// Generation 0 is the initial add; generation 1 changes the three kChanged attributes.
Attributes user(std::size_t i, int generation) {
  const std::string n = std::to_string(i), g = std::to_string(generation);
  char uid[16];
  std::snprintf(uid, sizeof uid, "u%07zu", i);
  return {{"objectClass", {"inetOrgPerson"}},
          {"uid", {uid}},
          {"cn", {"Given" + n + " Family" + n}},
          {"sn", {"Family" + n}},
          {"givenName", {"Given" + n}},
          {"mail", {"user" + n + ".g" + g + "@example.org"}},
          {"title", {"Title " + g}},
          {"telephoneNumber", {"+1 555 " + g + " " + n}},
          {"employeeNumber", {n}}};
}

Attributes changed_part(const Attributes& full) {
  Attributes out;
  for (const auto& name : kChanged) out[name] = full.at(name);
  return out;
}

struct Sample {
  std::vector<std::chrono::nanoseconds> latency;
  Clock::time_point start;
  double cpu_start;
};

double cpu_seconds() {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto s = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return s(self.ru_utime) + s(self.ru_stime) + s(children.ru_utime) + s(children.ru_stime);
}

// Peak RSS is per phase: writing 5 to clear_refs resets the high-water mark.
void reset_peak_rss() { std::ofstream("/proc/self/clear_refs") << "5"; }

double peak_rss_mb() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stod(line.substr(6)) / 1024.0;
  }
  return 0;
}

Sample begin() {
  reset_peak_rss();
  return Sample{{}, Clock::now(), cpu_seconds()};
}

struct Figures {
  std::size_t ops;
  double seconds, cpu_us_per_op, rss_mb;
  std::string p50, p99;
};

Figures figures(std::size_t ops, Sample& s) {
  Figures f{ops, std::chrono::duration<double>(Clock::now() - s.start).count(),
            (cpu_seconds() - s.cpu_start) * 1e6 / static_cast<double>(ops), peak_rss_mb(), {}, {}};
  auto percentile = [&](double p) {
    if (s.latency.empty()) return std::string("-");
    std::size_t k = std::min(s.latency.size() - 1, static_cast<std::size_t>(p * static_cast<double>(s.latency.size())));
    std::nth_element(s.latency.begin(), s.latency.begin() + static_cast<long>(k), s.latency.end());
    char text[32];
    std::snprintf(text, sizeof text, "%.0f", std::chrono::duration<double, std::micro>(s.latency[k]).count());
    return std::string(text);
  };
  f.p50 = percentile(0.50);
  f.p99 = percentile(0.99);
  return f;
}

void print(const char* phase, const char* client, const Figures& f) {
  std::printf("%-14s %-24s %8zu %8.2f %10.0f %9s %9s %11.1f %9.1f\n", phase, client, f.ops, f.seconds,
              static_cast<double>(f.ops) / f.seconds, f.p50.c_str(), f.p99.c_str(), f.cpu_us_per_op, f.rss_mb);
  std::fflush(stdout);
}

Figures report(const char* phase, const char* client, std::size_t ops, Sample& s) {
  Figures f = figures(ops, s);
  print(phase, client, f);
  return f;
}

// ops/s of `ours` over `floor`'s (writes), or seconds (reads): what the targets compare.
void verdict(const char* what, double ratio, const char* target) {
  std::printf("  %-52s %5.2fx  (target %s)\n", what, ratio, target);
}

void must(const connectors::Status& status, const std::string& what) {
  if (!status) throw std::runtime_error(what + ": " + status.failure().code + " " + status.failure().message);
}

Operation create_op(const std::string& dn, Attributes attributes) {
  return Operation{Operation::Kind::create, dn, {}, std::move(attributes), {}};
}

Operation replace_op(const std::string& dn, const Attributes& attributes) {
  Operation op{Operation::Kind::modify, dn, {}, {}, {}};
  for (const auto& [name, values] : attributes) op.changes.push_back({name, reconcile::ChangeKind::replace, values});
  return op;
}

std::vector<Operation> connector_ops(const Options& o, const std::string& ou, int generation) {
  std::vector<Operation> ops;
  ops.reserve(o.users);
  for (std::size_t i = 0; i < o.users; ++i) {
    ops.push_back(generation == 0 ? create_op(user_dn(ou, i), user(i, 0))
                                  : replace_op(user_dn(ou, i), changed_part(user(i, generation))));
  }
  return ops;
}

std::vector<RawOp> raw_ops(const Options& o, const std::string& ou, int generation) {
  std::vector<RawOp> ops;
  ops.reserve(o.users);
  for (std::size_t i = 0; i < o.users; ++i) {
    ops.push_back(generation == 0 ? RawOp{RawOp::Kind::add, user_dn(ou, i), user(i, 0)}
                                  : RawOp{RawOp::Kind::modify_replace, user_dn(ou, i), changed_part(user(i, generation))});
  }
  return ops;
}

// One at a time through the Connector interface: what the outbox did before pipelining.
void sequential_writes(connectors::ldap::LdapConnector& connector, const std::vector<Operation>& ops, Sample& s) {
  for (const Operation& op : ops) {
    auto t0 = Clock::now();
    must(connector.apply(op), op.key);
    s.latency.push_back(Clock::now() - t0);
  }
}

// The planner's view of one entry: how many operations would make it agree.
std::size_t planned_ops(const std::string& dn, std::size_t i, const Attributes& observed) {
  mapping::Desired desired{dn, user(i, 1)};
  return reconcile::plan(desired, reconcile::Account{dn, observed}).size();
}

void pipelined_writes(connectors::ldap::LdapConnector& connector, const std::vector<Operation>& ops, Sample& s) {
  s.latency.reserve(ops.size());
  std::size_t failures = 0;
  std::string first;
  connector.apply_all(ops, [&](const connectors::ldap::Completion& c) {
    s.latency.push_back(c.latency);
    if (!c.status && failures++ == 0) first = c.status.failure().code + " " + c.status.failure().message;
  });
  if (failures > 0) throw std::runtime_error(std::to_string(failures) + " operations failed, first: " + first);
}

// The user index is the uid's number: u0000042 -> 42.
std::size_t index_of(const Attributes& attributes) {
  auto uid = attributes.find("uid");
  if (uid == attributes.end() || uid->second.empty()) throw std::runtime_error("entry without uid");
  return std::stoul(uid->second.front().substr(1));
}

void paged_read_and_diff(connectors::ldap::LdapConnector& connector, const Options& o) {
  std::size_t changes = 0, entries = 0;
  auto status = connector.read_all("ou=conn,dc=example,dc=org", "(objectClass=inetOrgPerson)", kAttributes,
                                   [&](connectors::ldap::ObservedEntry&& e) {
                                     ++entries;
                                     changes += planned_ops(e.observed.key, index_of(e.observed.attributes),
                                                            e.observed.attributes);
                                   });
  must(status, "read_all");
  if (entries != o.users) throw std::runtime_error("read " + std::to_string(entries) + " entries");
  if (changes != 0) throw std::runtime_error("diff found " + std::to_string(changes) + " changes, expected none");
}

void sequential_read_and_diff(connectors::ldap::LdapConnector& connector, const Options& o, Sample& s) {
  std::size_t changes = 0;
  for (std::size_t i = 0; i < o.users; ++i) {
    const std::string dn = user_dn("seq", i);
    auto t0 = Clock::now();
    auto read = connector.read(dn, kAttributes);
    if (!read || !read.value()) throw std::runtime_error("read " + dn + " failed");
    changes += planned_ops(dn, i, read.value()->attributes);
    s.latency.push_back(Clock::now() - t0);
  }
  if (changes != 0) throw std::runtime_error("diff found " + std::to_string(changes) + " changes, expected none");
}

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

void ldapsearch_paged(const test::Slapd& slapd, const std::string& base, const Options& o) {
  std::string command = "LDAPNOINIT=1 ldapsearch -x -LLL -o ldif-wrap=no -H " + shell_quote(slapd.url()) + " -D " +
                        shell_quote(slapd.bind_dn()) + " -y " + shell_quote((slapd.dir() / "password").string()) +
                        " -b " + shell_quote(base) + " -E pr=" + std::to_string(o.page_size) +
                        "/noprompt '(objectClass=inetOrgPerson)'";
  for (const auto& a : kAttributes) command += " " + a;
  command += " >/dev/null";
  if (std::system(command.c_str()) != 0) throw std::runtime_error("ldapsearch failed: " + command);
}

void add_ou(connectors::ldap::LdapConnector& connector, const std::string& ou) {
  must(connector.apply(create_op("ou=" + ou + ",dc=example,dc=org",
                                 {{"objectClass", {"organizationalUnit"}}, {"ou", {ou}}})),
       "add ou " + ou);
}

void run(const Options& o) {
  auto slapd = test::Slapd::start(test::SlapdOptions{.access_log = false, .durable = o.durable});
  auto settings = test::settings_for(*slapd);
  connectors::ldap::LdapSettings tuning;
  tuning.window = o.window;
  tuning.connections = o.connections;
  tuning.page_size = o.page_size;
  connectors::ldap::LdapConnector connector("bench", settings, tuning);
  RawLdapClient raw(slapd->url(), slapd->bind_dn(), slapd->password());
  for (const char* ou : {"raw", "conn", "seq"}) add_ou(connector, ou);

  std::printf("ldap_bench: %zu users, window %zu, %zu connection(s), slapd mdb %s, page size %d\n", o.users,
              o.window, o.connections, o.durable ? "durable" : "dbnosync", o.page_size);
  std::printf("%-14s %-24s %8s %8s %10s %9s %9s %11s %9s\n", "phase", "client", "ops", "seconds", "ops/s",
              "p50_us", "p99_us", "cpu_us/op", "rss_MB");

  double write_ratio[2] = {0, 0};
  double peak_rss_mb = 0;
  for (int generation : {0, 1}) {
    const char* phase = generation == 0 ? "(a) add" : "(b) modify x3";
    Figures floor, ours;
    {
      auto ops = raw_ops(o, "raw", generation);
      Sample s = begin();
      raw.run(ops, o.window, s.latency);
      floor = report(phase, "raw libldap", ops.size(), s);
    }
    {
      auto ops = connector_ops(o, "conn", generation);
      Sample s = begin();
      pipelined_writes(connector, ops, s);
      ours = report(phase, "connector apply_all()", ops.size(), s);
    }
    write_ratio[generation] = floor.seconds / ours.seconds;
    peak_rss_mb = std::max(peak_rss_mb, ours.rss_mb);
    if (o.sequential) {
      auto ops = connector_ops(o, "seq", generation);
      Sample s = begin();
      sequential_writes(connector, ops, s);
      report(phase, "connector apply()", ops.size(), s);
    }
  }

  // Reads change nothing, so each runs read_rounds times, the clients taking
  // turns, and the fastest round is printed: load from others on a shared
  // machine only ever slows a round down.
  const char* phase = "(c) read+diff";
  const std::vector<std::pair<const char*, std::function<void()>>> readers{
      {"ldapsearch -E pr", [&] { ldapsearch_paged(*slapd, "ou=raw,dc=example,dc=org", o); }},
      {"raw libldap (no diff)", [&] { raw.paged_read("ou=raw,dc=example,dc=org", kAttributes, o.page_size); }},
      {"connector read_all+plan", [&] { paged_read_and_diff(connector, o); }},
  };
  std::vector<std::optional<Figures>> best(readers.size());
  for (int round = 0; round < o.read_rounds; ++round) {
    for (std::size_t k = 0; k < readers.size(); ++k) {
      Sample s = begin();
      readers[k].second();
      Figures f = figures(o.users, s);
      if (!best[k] || f.seconds < best[k]->seconds) best[k] = f;
    }
  }
  for (std::size_t k = 0; k < readers.size(); ++k) print(phase, readers[k].first, *best[k]);
  peak_rss_mb = std::max(peak_rss_mb, best[2]->rss_mb);
  std::printf("%zu users:\n", o.users);
  verdict("(a) add: connector ops/s / raw libldap ops/s", write_ratio[0], ">= 0.9");
  verdict("(b) modify x3: connector ops/s / raw libldap ops/s", write_ratio[1], ">= 0.9");
  verdict("(c) read+diff: connector seconds / ldapsearch seconds", best[2]->seconds / best[0]->seconds, "<= 1.5");
  std::printf("  %-52s %5.1f MB (target <= 300)\n", "peak RSS of the connector phases", peak_rss_mb);
  std::fflush(stdout);
  if (o.sequential) {
    Sample s = begin();
    sequential_read_and_diff(connector, o, s);
    report(phase, "connector read()", o.users, s);
  }
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto number = [&](const char* name) {
      if (i + 1 >= argc) throw std::invalid_argument(std::string(name) + " needs a number");
      return static_cast<std::size_t>(std::stoul(argv[++i]));
    };
    if (arg == "--users") {
      if (i + 1 >= argc) throw std::invalid_argument("--users needs a number or a list like 10000,100000");
      o.sizes.clear();
      std::string list = argv[++i];
      for (std::size_t at = 0; at <= list.size();) {
        const std::size_t comma = std::min(list.find(',', at), list.size());
        o.sizes.push_back(static_cast<std::size_t>(std::stoul(list.substr(at, comma - at))));
        at = comma + 1;
      }
    }
    else if (arg == "--window") o.window = number("--window");
    else if (arg == "--connections") o.connections = number("--connections");
    else if (arg == "--page-size") o.page_size = static_cast<int>(number("--page-size"));
    else if (arg == "--read-rounds") o.read_rounds = static_cast<int>(number("--read-rounds"));
    else if (arg == "--durable") o.durable = true;
    else if (arg == "--sequential") o.sequential = true;
    else throw std::invalid_argument("unknown argument '" + arg + "'; see the comment at the top of ldap_bench.cpp");
  }
  if (std::find(o.sizes.begin(), o.sizes.end(), 0u) != o.sizes.end() || o.window == 0 || o.connections == 0 || o.page_size <= 0 || o.read_rounds <= 0) throw std::invalid_argument("counts must be positive");
  return o;
}

}  // namespace
}  // namespace idb::bench

int main(int argc, char** argv) {
  try {
    auto options = idb::bench::parse(argc, argv);
    for (std::size_t users : options.sizes) {
      options.users = users;
      idb::bench::run(options);
    }
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ldap_bench: " << e.what() << "\n";
    return 1;
  }
}
