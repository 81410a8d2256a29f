// What one SCIM event costs the daemon on an LDAP target with a groups
// mapping: N users in G groups (user i in group i % G) synced once, then
// events one at a time, each drained by the same outbox worker as `serve`
// would (its accounts, then the group entries they affect). Prints the CPU
// time of one event's drain (this process only: slapd is not counted), per
// kind of event:
//   rename   userName changes: the account's DN, so its groups' member value
//   disable  active false: the account leaves its groups
//   title    an attribute no group reads
//
//   group_event_bench [--users N] [--groups G] [--events K] [--kind rename|disable|title]
//   (default 20000 users, 50 groups, 10 events of each kind)
//
// Instructions, repeatable on a busy machine, count only the events' drains:
//   valgrind --tool=callgrind --toggle-collect='*drain_event*' group_event_bench --kind rename
#include <time.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>

#include <unistd.h>

#include <spdlog/spdlog.h>

#include "connectors/ldap/dn.h"
#include "connectors/ldap/ldap_connector.h"
#include "daemon/group_sync.h"
#include "daemon/outbox_worker.h"
#include "state/store.h"
#include "tests/support/numbered_users.h"
#include "tests/support/slapd.h"

namespace fs = std::filesystem;
using namespace idb;

namespace {

double cpu_seconds() {
  timespec t{};
  ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_nsec) / 1e9;
}

std::string group_id(int g) { return "10000000-0000-4000-8000-" + std::to_string(100000000000LL + g); }

// Not inlined: callgrind's --toggle-collect names it.
[[gnu::noinline]] daemon::DrainSummary drain_event(daemon::OutboxWorker& worker) { return worker.drain_due(); }

}  // namespace

int main(int argc, char** argv) {
  int users = 20000, groups = 50, events = 10;
  std::vector<std::string> kinds{"rename", "disable", "title"};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--users" && i + 1 < argc) users = std::stoi(argv[++i]);
    if (arg == "--groups" && i + 1 < argc) groups = std::stoi(argv[++i]);
    if (arg == "--events" && i + 1 < argc) events = std::stoi(argv[++i]);
    if (arg == "--kind" && i + 1 < argc) kinds = {argv[++i]};
  }
  if (groups < 1 || users < groups || events < 1 || events * 3 > users) {
    std::cerr << "need 1 <= groups <= users and 1 <= 3 * events <= users\n";
    return 2;
  }
  spdlog::set_level(spdlog::level::warn);
  const fs::path dir = fs::path(fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path()) /
                       ("idb-group-event-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto slapd = test::Slapd::start();
  auto store = state::Store::open(dir / "state");
  test::store_numbered_users(*store, users, "user");
  for (int g = 0; g < groups; ++g) {
    nlohmann::json members = nlohmann::json::array();
    for (int i = g; i < users; i += groups) members.push_back({{"value", test::numbered_user_id(i)}});
    store->insert_group({group_id(g), "group" + std::to_string(g), std::nullopt,
                         {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:Group"}},
                          {"id", group_id(g)},
                          {"displayName", "group" + std::to_string(g)},
                          {"members", members}},
                         1},
                        {"ldap"}, 0);
  }

  std::ifstream in(fs::path(IDB_SOURCE_DIR) / "examples/mappings/quickstart.yaml");
  std::string yaml((std::istreambuf_iterator<char>(in)), {});
  yaml += "    groups:\n      dn: \"cn={displayName},ou=groups," + slapd->base_dn() + "\"\n";
  auto loaded = mapping::parse(yaml, "quickstart.yaml",
                               {{"ldap", "ldap", [](std::string_view v) { return connectors::ldap::escape_value(v); }}});
  if (!loaded.errors.empty()) {
    std::cerr << loaded.errors.front().to_string() << "\n";
    return 1;
  }
  const auto& mapping = loaded.targets.at("ldap");
  connectors::ldap::LdapConnector ldap("ldap", test::settings_for(*slapd));
  daemon::TargetBinding binding{&ldap, &mapping, {"employeeType", "disabled"}, reconcile::policies_for(mapping),
                                {.max_disables = users, .max_disable_percent = 100, .max_modifies = users,
                                 .max_modify_percent = 100},
                                {}};
  int64_t now = 1'000'000;
  daemon::OutboxWorker worker(*store, {binding}, config::RetryPolicy{}, [&] { return now; });

  // The first drain loads every account and group entry; its group sync is full, as after any start.
  const auto load = worker.drain_due();
  if (load.applied != users || store->account_links("ldap", "group:").size() != static_cast<std::size_t>(groups)) {
    std::cerr << "initial load: " << load.applied << " of " << users << " users applied\n";
    return 1;
  }
  std::printf("users %d, groups %d (%d members each), %d events of each kind\n", users, groups, users / groups,
              events);
  int next_user = 0;
  int status = 0;
  for (const auto& kind : kinds) {
    double cpu = 0;
    for (int e = 0; e < events; ++e, ++now) {
      auto user = store->get_user(test::numbered_user_id(next_user++));
      if (kind == "rename") {
        user->user_name += "-renamed";
        user->resource["userName"] = user->user_name;
      } else if (kind == "disable") {
        user->resource["active"] = false;
      } else {
        user->resource["title"] = "Lead";
      }
      ++user->version;
      store->replace_user(*user, {"ldap"}, now);
      const double before = cpu_seconds();
      const auto drained = drain_event(worker);
      cpu += cpu_seconds() - before;
      if (drained.applied != 1) {
        std::cerr << kind << " event " << e << ": " << drained.applied << " applied\n";
        status = 1;
      }
    }
    std::printf("%-8s one event's drain: %.2f ms CPU (mean of %d)\n", kind.c_str(), cpu / events * 1e3, events);
  }
  // Whatever path the drains took, a full plan of the group entries finds them in line.
  for (const auto& p : daemon::plan_groups(binding, *store)) {
    if (!p.operations.empty() || p.link_changes) {
      std::cerr << "group " << p.group_id << " not in line after the events: " << reconcile::to_string(p.kind) << "\n";
      status = 1;
    }
  }
  store.reset();
  fs::remove_all(dir);
  return status;
}
