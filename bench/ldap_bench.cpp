// LDAP throughput against a private slapd (mdb), the connector side by side
// with a raw libldap client using the same window (the physical limit):
//   (a) add N users, (b) replace 3 attributes on each, (c) paged read of the
//   subtree plus a diff against the desired state (expects no changes).
// Writes run four ways, each into its own ou: the raw client without and with
// the Post-Read control (RFC 4527) the connector sends when it records
// versions, and the connector with record_versions false and true. The four
// take turns in slices of the users (--slices), so each writes into a
// database as large as the others' and load from elsewhere falls on all four
// alike. The ratios compare like with like (connector / raw, both with the
// control or both without); the control's own cost is printed apart, as ops/s
// with / without and as CPU per operation of slapd and of this process.
// cpu_us/op is this process's CPU per operation (with its children: the
// ldapsearch of the read phase), slapd_us slapd's (from /proc). Absolute
// numbers drift between runs on shared machines; compare rows of one run,
// and trust the CPU columns over the ops/s under load. Each size runs on a
// fresh slapd and ends with the ratios.
// Usage: ldap_bench [--users N[,N...]] [--window W] [--connections C]
//                   [--page-size P] [--read-rounds R] [--slices S] [--durable] [--sequential]
// The default sizes are the issue's: 10000,100000.
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <iostream>
#include <iterator>
#include <optional>
#include <sstream>
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
  std::size_t slices = 10;  // turns the four writers take in each write phase
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

// What one client did in one phase, summed over its turns.
struct Tally {
  std::vector<std::chrono::nanoseconds> latency;  // one per operation, where the client times them
  double seconds = 0, cpu = 0, slapd_cpu = 0, rss_mb = 0;
};

double cpu_seconds() {
  rusage self{}, children{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &children);
  auto s = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return s(self.ru_utime) + s(self.ru_stime) + s(children.ru_utime) + s(children.ru_stime);
}

// slapd's CPU (user + system, all its threads) from /proc: it is not our
// child, so getrusage does not see it. It comes in clock ticks (10 ms), read
// at both ends of every turn: with 2000 writes a turn (20k users in 10
// slices) a turn's figure is within 5 us per write and the turns' errors
// average out; with fewer users per slice it is coarse.
double process_cpu_seconds(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const std::size_t end_of_name = text.rfind(')');
  if (end_of_name == std::string::npos) throw std::runtime_error("cannot read /proc/" + std::to_string(pid) + "/stat");
  std::istringstream fields(text.substr(end_of_name + 2));
  std::string field;
  double utime = 0, stime = 0;
  for (int k = 3; k <= 15 && fields >> field; ++k) {  // field 3 is the state; 14 and 15 utime and stime
    if (k == 14) utime = std::stod(field);
    if (k == 15) stime = std::stod(field);
  }
  return (utime + stime) / static_cast<double>(sysconf(_SC_CLK_TCK));
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

// Runs `work` (handed the tally's latencies) as one turn of the tally's client.
void measure(Tally& t, pid_t slapd, const std::function<void(std::vector<std::chrono::nanoseconds>&)>& work) {
  reset_peak_rss();
  const auto start = Clock::now();
  const double cpu = cpu_seconds(), server = process_cpu_seconds(slapd);
  work(t.latency);
  t.seconds += std::chrono::duration<double>(Clock::now() - start).count();
  t.cpu += cpu_seconds() - cpu;
  t.slapd_cpu += process_cpu_seconds(slapd) - server;
  t.rss_mb = std::max(t.rss_mb, peak_rss_mb());
}

struct Figures {
  std::size_t ops;
  double seconds, cpu_us_per_op, slapd_us_per_op, rss_mb;
  std::string p50, p99;
  double ops_per_second() const { return static_cast<double>(ops) / seconds; }
};

Figures figures(std::size_t ops, Tally& t) {
  const double n = static_cast<double>(ops);
  Figures f{ops, t.seconds, t.cpu * 1e6 / n, t.slapd_cpu * 1e6 / n, t.rss_mb, {}, {}};
  auto percentile = [&](double p) {
    if (t.latency.empty()) return std::string("-");
    std::size_t k = std::min(t.latency.size() - 1, static_cast<std::size_t>(p * static_cast<double>(t.latency.size())));
    std::nth_element(t.latency.begin(), t.latency.begin() + static_cast<long>(k), t.latency.end());
    char text[32];
    std::snprintf(text, sizeof text, "%.0f", std::chrono::duration<double, std::micro>(t.latency[k]).count());
    return std::string(text);
  };
  f.p50 = percentile(0.50);
  f.p99 = percentile(0.99);
  return f;
}

void print(const char* phase, const std::string& client, const Figures& f) {
  std::printf("%-14s %-27s %8zu %8.2f %10.0f %8s %8s %9.1f %9.1f %8.1f\n", phase, client.c_str(), f.ops, f.seconds,
              f.ops_per_second(), f.p50.c_str(), f.p99.c_str(), f.cpu_us_per_op, f.slapd_us_per_op, f.rss_mb);
  std::fflush(stdout);
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

// Users [begin, end) of `ou`: added (generation 0), or their kChanged replaced.
std::vector<Operation> connector_ops(const std::string& ou, std::size_t begin, std::size_t end, int generation) {
  std::vector<Operation> ops;
  ops.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    ops.push_back(generation == 0 ? create_op(user_dn(ou, i), user(i, 0))
                                  : replace_op(user_dn(ou, i), changed_part(user(i, generation))));
  }
  return ops;
}

std::vector<RawOp> raw_ops(const std::string& ou, std::size_t begin, std::size_t end, int generation) {
  std::vector<RawOp> ops;
  ops.reserve(end - begin);
  for (std::size_t i = begin; i < end; ++i) {
    ops.push_back(generation == 0 ? RawOp{RawOp::Kind::add, user_dn(ou, i), user(i, 0)}
                                  : RawOp{RawOp::Kind::modify_replace, user_dn(ou, i), changed_part(user(i, generation))});
  }
  return ops;
}

// One at a time through the Connector interface: what the outbox did before pipelining.
void sequential_writes(connectors::ldap::LdapConnector& connector, const std::vector<Operation>& ops,
                       std::vector<std::chrono::nanoseconds>& latency) {
  for (const Operation& op : ops) {
    auto t0 = Clock::now();
    must(connector.apply(op), op.key);
    latency.push_back(Clock::now() - t0);
  }
}

// The planner's view of one entry: how many operations would make it agree.
std::size_t planned_ops(const std::string& dn, std::size_t i, const Attributes& observed) {
  mapping::Desired desired{dn, user(i, 1)};
  return reconcile::plan(desired, reconcile::Account{dn, observed}).size();
}

// Throws unless every write succeeded and came back with a version exactly when `versions` says.
void pipelined_writes(connectors::ldap::LdapConnector& connector, const std::vector<Operation>& ops, bool versions,
                      std::vector<std::chrono::nanoseconds>& latency) {
  std::size_t failures = 0, mismatched = 0;
  std::string first;
  connector.apply_all(ops, [&](const connectors::ldap::Completion& c) {
    latency.push_back(c.latency);
    if (!c.status && failures++ == 0) first = c.status.failure().code + " " + c.status.failure().message;
    if (c.status && c.status.value().version.empty() == versions) ++mismatched;
  });
  if (failures > 0) throw std::runtime_error(std::to_string(failures) + " operations failed, first: " + first);
  if (mismatched > 0) {
    throw std::runtime_error(std::to_string(mismatched) + " writes came back " +
                             (versions ? "without a version" : "with a version though record_versions is false"));
  }
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

void sequential_read_and_diff(connectors::ldap::LdapConnector& connector, const Options& o,
                              std::vector<std::chrono::nanoseconds>& latency) {
  std::size_t changes = 0;
  for (std::size_t i = 0; i < o.users; ++i) {
    const std::string dn = user_dn("seq", i);
    auto t0 = Clock::now();
    auto read = connector.read(dn, kAttributes);
    if (!read || !read.value()) throw std::runtime_error("read " + dn + " failed");
    changes += planned_ops(dn, i, read.value()->attributes);
    latency.push_back(Clock::now() - t0);
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

// A way of writing the users: the ops of users [begin, end) for a generation,
// made ready and handed back as the work to time.
struct Writer {
  std::string client;
  std::function<std::function<void(std::vector<std::chrono::nanoseconds>&)>(std::size_t, std::size_t, int)> prepare;
};

// Each writer writes every user once per generation, the writers taking turns
// slice by slice (the first to go rotating), so all of them meet the same
// database sizes. Returns each writer's figures, in `writers`' order.
std::vector<Figures> write_phase(const char* phase, const std::vector<Writer>& writers, int generation,
                                 const Options& o, pid_t slapd) {
  std::vector<Tally> tallies(writers.size());
  const std::size_t slices = std::min(o.slices, o.users);
  for (std::size_t slice = 0; slice < slices; ++slice) {
    const std::size_t begin = o.users * slice / slices, end = o.users * (slice + 1) / slices;
    for (std::size_t turn = 0; turn < writers.size(); ++turn) {
      const std::size_t k = (slice + turn) % writers.size();
      auto work = writers[k].prepare(begin, end, generation);
      measure(tallies[k], slapd, work);
    }
  }
  std::vector<Figures> out;
  for (std::size_t k = 0; k < writers.size(); ++k) {
    out.push_back(figures(o.users, tallies[k]));
    print(phase, writers[k].client, out.back());
  }
  return out;
}

// ops/s of `ours` over `floor`'s (writes), or seconds (reads): what the targets compare.
void verdict(const std::string& what, double ratio, const char* target) {
  std::printf("  %-66s %5.2fx  (target %s)\n", what.c_str(), ratio, target);
}

// What the Post-Read control costs a write phase: ops/s with it over without,
// and the CPU it adds per write in slapd and in this process.
void control_cost(const char* phase, const Figures& without, const Figures& with, const char* client) {
  std::printf("  %-14s %-12s %7.0f / %7.0f ops/s = %4.2fx, slapd %+6.1f us/op, client %+5.1f us/op\n", phase, client,
              with.ops_per_second(), without.ops_per_second(), with.ops_per_second() / without.ops_per_second(),
              with.slapd_us_per_op - without.slapd_us_per_op, with.cpu_us_per_op - without.cpu_us_per_op);
}

void run(const Options& o) {
  auto slapd = test::Slapd::start(test::SlapdOptions{.access_log = false, .durable = o.durable});
  const pid_t slapd_pid = slapd->pid();
  auto settings = test::settings_for(*slapd);
  connectors::ldap::LdapSettings tuning;
  tuning.window = o.window;
  tuning.connections = o.connections;
  tuning.page_size = o.page_size;
  tuning.record_versions = false;
  connectors::ldap::LdapConnector plain("bench", settings, tuning);
  tuning.record_versions = true;
  connectors::ldap::LdapConnector versioned("bench", settings, tuning);
  RawLdapClient raw(slapd->url(), slapd->bind_dn(), slapd->password());
  for (const char* ou : {"raw", "rawpr", "conn", "connv", "seq"}) add_ou(plain, ou);

  std::printf("ldap_bench: %zu users, window %zu, %zu connection(s), slapd mdb %s (pid %d), page size %d, "
              "writes in %zu slices\n",
              o.users, o.window, o.connections, o.durable ? "durable" : "dbnosync", static_cast<int>(slapd_pid),
              o.page_size, std::min(o.slices, o.users));
  std::printf("%-14s %-27s %8s %8s %10s %8s %8s %9s %9s %8s\n", "phase", "client", "ops", "seconds", "ops/s",
              "p50_us", "p99_us", "cpu_us/op", "slapd_us", "rss_MB");

  const auto raw_writer = [&](const char* ou, bool post_read) {
    return [&raw, &o, ou, post_read](std::size_t begin, std::size_t end, int generation) {
      return [ops = raw_ops(ou, begin, end, generation), &raw, &o, post_read](auto& latency) {
        raw.run(ops, o.window, post_read, latency);
      };
    };
  };
  const auto connector_writer = [](connectors::ldap::LdapConnector& connector, const char* ou, bool versions) {
    return [&connector, ou, versions](std::size_t begin, std::size_t end, int generation) {
      return [ops = connector_ops(ou, begin, end, generation), &connector, versions](auto& latency) {
        pipelined_writes(connector, ops, versions, latency);
      };
    };
  };
  // In this order below: raw and connector without the control, then both with it.
  const std::vector<Writer> writers{
      {"raw libldap", raw_writer("raw", false)},
      {"connector (no versions)", connector_writer(plain, "conn", false)},
      {"raw libldap + Post-Read", raw_writer("rawpr", true)},
      {"connector (record_versions)", connector_writer(versioned, "connv", true)},
  };
  const char* phases[2] = {"(a) add", "(b) modify x3"};
  std::vector<Figures> written[2];
  double peak_rss_mb = 0;
  for (int generation : {0, 1}) {
    written[generation] = write_phase(phases[generation], writers, generation, o, slapd_pid);
    for (const Figures& f : written[generation]) peak_rss_mb = std::max(peak_rss_mb, f.rss_mb);
    if (o.sequential) {
      Tally t;
      auto ops = connector_ops("seq", 0, o.users, generation);
      measure(t, slapd_pid, [&](auto& latency) { sequential_writes(versioned, ops, latency); });
      print(phases[generation], "connector apply()", figures(o.users, t));
    }
  }

  // Reads change nothing, so each runs read_rounds times, the clients taking
  // turns, and the fastest round is printed: load from others on a shared
  // machine only ever slows a round down.
  const char* phase = "(c) read+diff";
  const std::vector<std::pair<const char*, std::function<void()>>> readers{
      {"ldapsearch -E pr", [&] { ldapsearch_paged(*slapd, "ou=raw,dc=example,dc=org", o); }},
      {"raw libldap (no diff)", [&] { raw.paged_read("ou=raw,dc=example,dc=org", kAttributes, o.page_size); }},
      {"connector read_all+plan", [&] { paged_read_and_diff(plain, o); }},
  };
  std::vector<std::optional<Figures>> best(readers.size());
  for (int round = 0; round < o.read_rounds; ++round) {
    for (std::size_t k = 0; k < readers.size(); ++k) {
      Tally t;
      measure(t, slapd_pid, [&](auto&) { readers[k].second(); });
      Figures f = figures(o.users, t);
      if (!best[k] || f.seconds < best[k]->seconds) best[k] = f;
    }
  }
  for (std::size_t k = 0; k < readers.size(); ++k) print(phase, readers[k].first, *best[k]);
  peak_rss_mb = std::max(peak_rss_mb, best[2]->rss_mb);

  std::printf("%zu users:\n", o.users);
  for (int generation : {0, 1}) {
    const auto& f = written[generation];
    const std::string what = std::string(phases[generation]) + ": connector / raw libldap ops/s, ";
    verdict(what + "both with Post-Read", f[3].ops_per_second() / f[2].ops_per_second(), ">= 0.9");
    verdict(what + "both without", f[1].ops_per_second() / f[0].ops_per_second(), ">= 0.9");
  }
  verdict("(c) read+diff: connector seconds / ldapsearch seconds", best[2]->seconds / best[0]->seconds, "<= 1.5");
  std::printf("  %-66s %5.1f MB (target <= 300)\n", "peak RSS of the connector phases", peak_rss_mb);
  std::printf("cost of the Post-Read control (record_versions), with / without:\n");
  for (int generation : {0, 1}) {
    const auto& f = written[generation];
    control_cost(phases[generation], f[0], f[2], "raw libldap");
    control_cost(phases[generation], f[1], f[3], "connector");
  }
  std::fflush(stdout);
  if (o.sequential) {
    Tally t;
    measure(t, slapd_pid, [&](auto& latency) { sequential_read_and_diff(plain, o, latency); });
    print(phase, "connector read()", figures(o.users, t));
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
    else if (arg == "--slices") o.slices = number("--slices");
    else if (arg == "--durable") o.durable = true;
    else if (arg == "--sequential") o.sequential = true;
    else throw std::invalid_argument("unknown argument '" + arg + "'; see the comment at the top of ldap_bench.cpp");
  }
  if (std::find(o.sizes.begin(), o.sizes.end(), 0u) != o.sizes.end() || o.window == 0 || o.connections == 0 || o.page_size <= 0 || o.read_rounds <= 0 || o.slices == 0) throw std::invalid_argument("counts must be positive");
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
