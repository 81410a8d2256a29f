// Full dry run (`idbridge plan`) of N users against a local slapd, beside one
// paged `ldapsearch` of the same subtree in the same run: the physical floor
// of reading the target. Prints wall times, the ratio, and the peak RSS of
// both the initial sync (one round planning every user) and the plan.
//
//   plan_bench [--users N] [--groups G] [--keep] [--sync-under "CMD ARGS"]   (default 10000 users, no groups;
//   the figure is 100000)
//   --groups G adds G SCIM groups of 5 members each and a group mapping: the plan also plans
//     G group entries, and one paged ldapsearch of the groups' subtree is timed beside it.
//   --keep leaves slapd running and the folder in place, to profile `plan` by hand.
//   --sync-under runs the initial sync under CMD (e.g. "valgrind --tool=callgrind
//   --callgrind-out-file=/tmp/sync.cg"), to profile it: it writes into an empty slapd only once.
// CPU times (user + system) are printed beside wall times: on a shared machine
// they, not the wall times, compare runs.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <unistd.h>

#include <nlohmann/json.hpp>

#include "state/store.h"
#include "tests/support/numbered_users.h"
#include "tests/support/process.h"
#include "tests/support/slapd.h"

namespace fs = std::filesystem;
using idb::test::Process;

namespace {

struct Run {
  double seconds;
  long rss_kb;
  int status;
  double cpu_seconds;
};

// User plus system CPU time slapd has used so far (s), from /proc.
double cpu_seconds_of(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), {});
  const auto close = text.rfind(')');
  if (close == std::string::npos) return 0;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  // After "pid (comm) ", utime and stime are the 12th and 13th fields.
  for (int i = 1; i <= 13 && fields >> field; ++i) {
    if (i >= 12) ticks += std::stod(field);
  }
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

Run timed(std::vector<std::string> argv, const std::map<std::string, std::string>& env, const fs::path& log) {
  const auto start = std::chrono::steady_clock::now();
  Process p(std::move(argv), env, log);
  // Unbounded: a 100k-user sync on a busy machine outlasts Process::wait's
  // minute. Looked at every millisecond: at 50 ms (as before) a 0.6 s
  // ldapsearch read as 0.60-0.65 s, up to a tenth of what is measured.
  while (p.running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const int status = p.wait();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {s, p.max_rss_kb(), status, p.cpu_seconds()};
}

}  // namespace

int main(int argc, char** argv) {
  int users = 10000;
  int groups = 0;
  bool keep = false;
  std::vector<std::string> sync_argv;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--users" && i + 1 < argc) users = std::stoi(argv[++i]);
    if (arg == "--groups" && i + 1 < argc) groups = std::stoi(argv[++i]);
    if (arg == "--keep") keep = true;
    if (arg == "--sync-under" && i + 1 < argc) {
      std::istringstream words(argv[++i]);
      for (std::string word; words >> word;) sync_argv.push_back(word);
    }
  }
  // fsyncs on a RAM disk cost nothing: the population step is not what is measured.
  const fs::path dir = fs::path(fs::exists("/dev/shm") ? "/dev/shm" : fs::temp_directory_path()) /
                       ("idb-plan-bench-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto slapd = idb::test::Slapd::start();

  {
    auto store = idb::state::Store::open(dir / "state");
    idb::test::store_numbered_users(*store, users, "user");
    for (int g = 0; g < groups; ++g) {
      idb::state::Group group;
      group.id = "10000000-0000-4000-8000-" + std::to_string(100000000000LL + g);
      group.display_name = "group" + std::to_string(g);
      group.version = 1;
      nlohmann::json members = nlohmann::json::array();
      for (int k = 0; k < 5 && k < users; ++k) {
        members.push_back({{"value", idb::test::numbered_user_id((g * 5 + k) % users)}});
      }
      group.resource = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:Group"}},
                        {"id", group.id},
                        {"displayName", group.display_name},
                        {"members", members}};
      store->insert_group(group, {"ldap"}, 0);
    }
  }

  std::ifstream in(fs::path(IDB_SOURCE_DIR) / "examples" / "quickstart.yaml");
  std::string config((std::istreambuf_iterator<char>(in)), {});
  fs::path mapping = fs::path(IDB_SOURCE_DIR) / "examples/mappings/quickstart.yaml";
  const std::string groups_base = "ou=groups," + slapd->base_dn();
  if (groups > 0) {
    std::ifstream quickstart(mapping);
    std::string text((std::istreambuf_iterator<char>(quickstart)), {});
    text += "    groups:\n      dn: \"cn={displayName}," + groups_base + "\"\n";
    mapping = dir / "mapping.yaml";
    std::ofstream(mapping) << text;
  }
  config.replace(config.find("mapping: mappings/quickstart.yaml"), 33, "mapping: " + mapping.string());
  config.replace(config.find("level: info"), 11, "level: warn");
  std::ofstream(dir / "idbridge.yaml") << config;
  const std::map<std::string, std::string> env = {
      {"IDBRIDGE_SCIM_TOKEN", "bench"}, {"IDBRIDGE_LDAP_URL", slapd->url()}, {"IDBRIDGE_LDAP_PASSWORD", slapd->password()}};
  const std::string state = (dir / "state").string(), cfg = (dir / "idbridge.yaml").string();

  sync_argv.insert(sync_argv.end(), {IDBRIDGE_BINARY, "sync", "--once", "--config", cfg, "--state-dir", state});
  const double slapd_before = cpu_seconds_of(slapd->pid());
  const Run sync = timed(sync_argv, env, dir / "sync.log");
  const double slapd_sync = cpu_seconds_of(slapd->pid()) - slapd_before;
  if (sync.status != 0) {
    std::cerr << "sync failed (" << sync.status << "), see " << dir / "sync.log" << "\n";
    return 1;
  }
  const double slapd_before_plan = cpu_seconds_of(slapd->pid());
  const Run plan = timed({IDBRIDGE_BINARY, "plan", "--config", cfg, "--state-dir", state, "--format", "json",
                          "--output", (dir / "plan.json").string()},
                         env, dir / "plan.log");
  const double slapd_plan = cpu_seconds_of(slapd->pid()) - slapd_before_plan;
  const Run search = timed({"/usr/bin/ldapsearch", "-x", "-LLL", "-H", slapd->url(), "-D", slapd->bind_dn(), "-y",
                            (slapd->dir() / "password").string(), "-E", "pr=1000/noprompt", "-b",
                            "ou=people," + slapd->base_dn(), "(objectClass=*)"},
                           {{"LDAPNOINIT", "1"}}, dir / "ldapsearch.out");
  const auto report = nlohmann::json::parse(std::ifstream(dir / "plan.json"));
  const auto& counts = report["targets"][0]["counts"];
  const int group_noops = groups > 0 ? report["targets"][0]["group_counts"]["no-op"].get<int>() : 0;

  std::printf("users: %d\n", users);
  std::printf("initial sync (sync --once: outbox batches of 256 users, pipelined): %.2f s, %.0f users/s, peak RSS %.1f MB\n",
              sync.seconds, users / sync.seconds, sync.rss_kb / 1024.0);
  std::printf("initial sync CPU: idbridge %.2f s, slapd %.2f s\n", sync.cpu_seconds, slapd_sync);
  std::printf("plan (full dry run, JSON report): %.2f s, %.0f users/s, peak RSS %.1f MB, exit %d, no-op %d\n",
              plan.seconds, users / plan.seconds, plan.rss_kb / 1024.0, plan.status, counts["no-op"].get<int>());
  std::printf("ldapsearch paged (1000/page) of the same subtree: %.2f s\n", search.seconds);
  std::printf("plan / ldapsearch: %.2fx\n", plan.seconds / search.seconds);
  std::printf("plan CPU: idbridge %.2f s, slapd %.2f s\n", plan.cpu_seconds, slapd_plan);
  if (groups > 0) {
    const Run group_search = timed({"/usr/bin/ldapsearch", "-x", "-LLL", "-H", slapd->url(), "-D", slapd->bind_dn(),
                                    "-y", (slapd->dir() / "password").string(), "-E", "pr=1000/noprompt", "-b",
                                    groups_base, "(objectClass=*)"},
                                   {{"LDAPNOINIT", "1"}}, dir / "ldapsearch-groups.out");
    std::printf("groups: %d (no-op %d); plan of users and groups: %.0f groups/s\n", groups, group_noops,
                groups / plan.seconds);
    std::printf("ldapsearch paged (1000/page) of the groups' subtree: %.2f s\n", group_search.seconds);
  }
  if (keep) {
    std::printf("kept: cd %s; IDBRIDGE_SCIM_TOKEN=bench IDBRIDGE_LDAP_URL=%s IDBRIDGE_LDAP_PASSWORD=%s %s plan --config %s "
                "--state-dir %s\n",
                dir.c_str(), slapd->url().c_str(), slapd->password().c_str(), IDBRIDGE_BINARY, cfg.c_str(),
                state.c_str());
    std::fflush(stdout);
    ::pause();  // until interrupted; the harness stops slapd on the way out
  }
  slapd.reset();
  fs::remove_all(dir);
  return plan.status == 0 && counts["no-op"].get<int>() == users && group_noops == groups ? 0 : 1;
}
