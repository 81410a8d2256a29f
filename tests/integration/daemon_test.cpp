// The real `idbridge` binary against a real slapd: SCIM in, LDAP out, across
// restarts of either side.
#include <signal.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "state/store.h"
#include "tests/daemon/notify_socket.h"
#include "tests/cloud/servers/pds_server.h"
#include "tests/support/numbered_users.h"
#include "tests/support/process.h"
#include "tests/support/slapd_suite.h"

namespace fs = std::filesystem;
using nlohmann::json;
using idb::test::Process;

namespace {

constexpr const char* kToken = "scim-token-7f3a9c1e-never-logged";

using idb::test::eventually;

json sample_user(const std::string& name) {
  std::ifstream in(fs::path(IDB_SOURCE_DIR) / "examples" / "users" / (name + ".json"));
  return json::parse(in);
}

class Daemon : public idb::test::SlapdSuite<Daemon> {
 protected:
  void SetUp() override {
    if (!slapd_->running()) slapd_->restart();
    dir_ = fs::temp_directory_path() /
           ("idb-daemon-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    config_ = dir_ / "idbridge.yaml";
    // In the test's own folder, emptied above: a log named by pid alone outlived
    // its run, and a recycled pid read another run's lines.
    log_ = dir_ / "daemon.log";
    // The quickstart config, with the test's own mapping path and fast retries.
    std::ifstream in(fs::path(IDB_SOURCE_DIR) / "examples" / "quickstart.yaml");
    std::string text((std::istreambuf_iterator<char>(in)), {});
    text.replace(text.find("mapping: mappings/quickstart.yaml"), 33,
                 "mapping: " + (fs::path(IDB_SOURCE_DIR) / "examples/mappings/quickstart.yaml").string());
    text.replace(text.find("initial_ms: 500"), 15, "initial_ms: 100");
    text.replace(text.find("max_ms: 60000"), 13, "max_ms: 400");
    std::ofstream(config_) << text;
    people_ = "ou=people," + slapd_->base_dn();
    clear_people();
  }

  void TearDown() override {
    daemon_.reset();
    // Whatever a test did, no secret may have reached the daemon's log.
    const std::string log = idb::test::read_file(log_);
    EXPECT_EQ(log.find(kToken), std::string::npos);
    EXPECT_EQ(log.find(slapd_->password()), std::string::npos);
    if (HasFailure()) std::cerr << "--- idbridge log ---\n" << log;
    fs::remove_all(dir_);
  }

  void clear_people() {
    idb::test::ldap_delete_all(*slapd_, slapd_->base_dn(), "(uid=*)");
  }

  std::map<std::string, std::string> env() const {
    std::map<std::string, std::string> env = {{"IDBRIDGE_SCIM_TOKEN", kToken},
                                              {"IDBRIDGE_LDAP_URL", slapd_->url()},
                                              {"IDBRIDGE_LDAP_PASSWORD", slapd_->password()}};
    env.insert(extra_env_.begin(), extra_env_.end());
    return env;
  }

  int run(std::vector<std::string> args) {
    args.insert(args.begin(), IDBRIDGE_BINARY);
    return Process(args, env(), log_).wait();
  }

  void start_daemon(const std::vector<std::string>& extra = {}) {
    port_ = idb::test::free_port();
    std::vector<std::string> argv = {IDBRIDGE_BINARY, "serve", "--config", config_.string(), "--listen",
                                     "127.0.0.1:" + std::to_string(port_), "--state-dir", (dir_ / "state").string()};
    argv.insert(argv.end(), extra.begin(), extra.end());
    daemon_ = std::make_unique<Process>(argv, env(), log_);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_bearer_token_auth(kToken);
    ASSERT_TRUE(eventually([&] {
      auto res = client_->Get("/healthz");
      return res && res->status == 200;
    })) << idb::test::read_file(log_);
  }

  std::string create(const json& user) {
    auto res = client_->Post("/scim/v2/Users", user.dump(), "application/scim+json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 201) << res->body;
    return json::parse(res->body).value("id", "");
  }

  void replace(const std::string& id, const json& user) {
    auto res = client_->Put("/scim/v2/Users/" + id, user.dump(), "application/scim+json");
    ASSERT_TRUE(res);
    ASSERT_EQ(res->status, 200) << res->body;
  }

  std::optional<idb::mapping::Attributes> entry(const std::string& uid) {
    return idb::test::ldap_entry(*slapd_, "uid=" + uid + "," + people_);
  }

  // The entry exists and `attribute` holds exactly `values` (empty: absent).
  bool has(const std::string& uid, const std::string& attribute, const idb::mapping::Values& values) {
    const auto e = entry(uid);
    if (!e) return false;
    const auto it = e->find(attribute);
    return it == e->end() ? values.empty() : it->second == values;
  }

  // Points the config at a copy of the quickstart mapping with `from` replaced
  // by `to` (each call starts again from the quickstart's).
  void edit_mapping(const std::string& from, const std::string& to) {
    std::string mapping = idb::test::read_file(fs::path(IDB_SOURCE_DIR) / "examples/mappings/quickstart.yaml");
    ASSERT_NE(mapping.find(from), std::string::npos) << from;
    mapping.replace(mapping.find(from), from.size(), to);
    std::ofstream(dir_ / "mapping.yaml") << mapping;
    std::string config = idb::test::read_file(config_);
    const size_t at = config.find("mapping: ");
    config.replace(at, config.find('\n', at) - at, "mapping: " + (dir_ / "mapping.yaml").string());
    std::ofstream(config_) << config;
  }

  // The quickstart mapping, its ldap target scoped by `filter`.
  void scope_ldap(const std::string& filter) { edit_mapping("  ldap:\n", "  ldap:\n    scope: '" + filter + "'\n"); }

  void ldap_replace(const std::string& dn, const std::string& attribute, const std::string& value) {
    std::string cmd = "printf 'dn: " + dn + "\\nchangetype: modify\\nreplace: " + attribute + "\\n" + attribute +
                      ": " + value + "\\n' | LDAPNOINIT=1 ldapmodify -x -H " + slapd_->url() + " -D '" +
                      slapd_->bind_dn() + "' -y " + (slapd_->dir() / "password").string() + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }

  // Runs the binary with `args` plus --config and --state-dir; its stdout.
  std::string output_of(std::vector<std::string> args, int expected_status) {
    const fs::path out = dir_ / "stdout.txt";
    args.insert(args.begin(), IDBRIDGE_BINARY);
    for (const std::string& a : {std::string("--config"), config_.string(), std::string("--state-dir"),
                                 (dir_ / "state").string()}) {
      args.push_back(a);
    }
    std::string line;
    for (const auto& a : args) line += "'" + a + "' ";
    const std::string cmd = "env IDBRIDGE_SCIM_TOKEN=" + std::string(kToken) + " IDBRIDGE_LDAP_URL=" + slapd_->url() +
                            " IDBRIDGE_LDAP_PASSWORD='" + slapd_->password() + "' " + line + ">" + out.string() +
                            " 2>>" + log_.string();
    const int status = std::system(cmd.c_str());
    EXPECT_EQ(WEXITSTATUS(status), expected_status) << cmd;
    return idb::test::read_file(out);
  }

  size_t people_count() { return idb::test::ldap_search(*slapd_, people_, "(uid=*)", {"uid"}).size(); }

  fs::path dir_, config_, log_;
  std::string people_;
  int port_ = 0;
  std::map<std::string, std::string> extra_env_;  // e.g. systemd's NOTIFY_SOCKET
  std::unique_ptr<Process> daemon_;
  std::unique_ptr<httplib::Client> client_;
};

TEST_F(Daemon, PushedUsersReachLdapAndFollowEveryChange) {
  fs::remove(log_);
  start_daemon({"--log-format", "json"});
  const std::string ada = create(sample_user("ada.lovelace"));
  create(sample_user("li.wei"));

  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "cn", {"Ada Lovelace"}); }));
  auto e = *entry("ada.lovelace");
  EXPECT_EQ(e.at("givenName"), idb::mapping::Values{"Ada"});
  EXPECT_EQ(e.at("sn"), idb::mapping::Values{"Lovelace"});
  EXPECT_EQ(e.at("mail"), idb::mapping::Values{"ada.lovelace@example.org"});
  EXPECT_EQ(e.at("telephoneNumber"), idb::mapping::Values{"+1-555-0101"});
  EXPECT_EQ(e.at("displayName"), idb::mapping::Values{"Ada Lovelace"});
  EXPECT_EQ(e.count("employeeType"), 0u);
  ASSERT_TRUE(eventually([&] { return has("li.wei", "cn", {"伟 李"}); }));
  EXPECT_EQ(entry("li.wei")->at("departmentNumber"), idb::mapping::Values{"研发部"});

  json changed = sample_user("ada.lovelace");
  changed["title"] = "Countess";
  changed["phoneNumbers"] = json::array();
  replace(ada, changed);
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "title", {"Countess"}); }));
  EXPECT_TRUE(has("ada.lovelace", "telephoneNumber", {}));  // cleared at the source, removed on the target

  changed["active"] = false;
  replace(ada, changed);
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "employeeType", {"disabled"}); }));
  changed["active"] = "True";  // Entra ID's spelling
  replace(ada, changed);
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "employeeType", {}); }));

  ASSERT_EQ(client_->Delete("/scim/v2/Users/" + ada)->status, 204);
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "employeeType", {"disabled"}); }));
  EXPECT_EQ(entry("ada.lovelace")->at("cn"), idb::mapping::Values{"Ada Lovelace"});  // disabled, never deleted

  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  // --log-format json: every line is a JSON object.
  std::istringstream lines(idb::test::read_file(log_));
  int count = 0;
  for (std::string line; std::getline(lines, line); ++count) {
    const json parsed = json::parse(line, nullptr, false);
    ASSERT_TRUE(parsed.is_object()) << line;
    EXPECT_TRUE(parsed.contains("time") && parsed.contains("level") && parsed.contains("msg")) << line;
  }
  EXPECT_GT(count, 5);
}

TEST_F(Daemon, NothingIsLostOrDuplicatedAcrossOutagesAndRestarts) {
  // slapd is down: every SCIM write is still accepted, durably.
  slapd_->stop();
  start_daemon();
  std::vector<std::string> names;
  for (int i = 0; i < 10; ++i) {
    names.push_back("user" + std::to_string(i));
    create({{"userName", names.back()}, {"name", {{"givenName", "U"}, {"familyName", std::to_string(i)}}}});
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // let a few attempts fail
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  // Back up with a new daemon process: the outbox survived, and retries apply it.
  slapd_->restart();
  start_daemon();
  ASSERT_TRUE(eventually([&] { return people_count() == 10; }));

  // A hard kill right after more writes: acknowledged means durable.
  for (int i = 10; i < 30; ++i) {
    names.push_back("user" + std::to_string(i));
    create({{"userName", names.back()}, {"name", {{"givenName", "U"}, {"familyName", std::to_string(i)}}}});
  }
  daemon_->stop(SIGKILL);
  start_daemon();
  ASSERT_TRUE(eventually([&] { return people_count() == 30; }));
  for (const auto& n : names) EXPECT_TRUE(entry(n)) << n;
  auto list = client_->Get("/scim/v2/Users?count=100");
  EXPECT_EQ(json::parse(list->body)["totalResults"], 30);
}

TEST_F(Daemon, AChangedUserNameRenamesTheEntryAndTheNextPlanIsANoOp) {
  start_daemon();
  const std::string id = create({{"userName", "ren.old"}, {"name", {{"givenName", "Ren"}, {"familyName", "Old"}}}});
  ASSERT_TRUE(eventually([&] { return entry("ren.old").has_value(); }));
  replace(id, {{"userName", "ren.new"}, {"name", {{"givenName", "Ren"}, {"familyName", "New"}}}});
  ASSERT_TRUE(eventually([&] { return has("ren.new", "sn", {"New"}); })) << idb::test::read_file(log_);
  EXPECT_FALSE(entry("ren.old")) << "renamed (modrdn), not created again";
  EXPECT_TRUE(has("ren.new", "uid", {"ren.new"})) << "the old RDN value goes with the rename";
  EXPECT_EQ(people_count(), 1u) << "no twin";
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  // The baseline followed the entry: the next plan has nothing to do.
  const json report = json::parse(output_of({"plan", "--format", "json"}, 0));
  const auto& t = report["targets"][0];
  EXPECT_EQ(t["counts"]["no-op"], 1) << report.dump(2);
  EXPECT_EQ(t["users"][0]["key"], "uid=ren.new," + people_);
  EXPECT_EQ(t["users"][0]["operations"], json::array());
}

// Rules read User.groups as the SCIM endpoint computes it: a Group write
// re-plans the users whose groups it changes, and plan sees the same groups.
TEST_F(Daemon, GroupMembershipsReachTheMappingAndFollowGroupWrites) {
  edit_mapping("      o: {value: Example Org}\n",
               "      o: {value: Example Org}\n"
               "      businessCategory: {from: groups.display, all: true}\n"
               "      description: {value: administrator, when: 'groups[display eq \"Admins\"]'}\n");
  start_daemon();
  const std::string ada = create(sample_user("ada.lovelace"));
  create(sample_user("li.wei"));
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "cn", {"Ada Lovelace"}); }));
  EXPECT_TRUE(has("ada.lovelace", "businessCategory", {}));
  EXPECT_TRUE(has("ada.lovelace", "description", {}));

  auto post_group = [&](const json& group) {
    auto res = client_->Post("/scim/v2/Groups", group.dump(), "application/scim+json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 201) << res->body;
    return json::parse(res->body).value("id", "");
  };
  const std::string admins = post_group({{"displayName", "Admins"}, {"members", {{{"value", ada}}}}});
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "businessCategory", {"Admins"}); }))
      << idb::test::read_file(log_);
  EXPECT_TRUE(has("ada.lovelace", "description", {"administrator"}));
  // Through a nested group: Engineering holds Admins, so ada is in it too.
  post_group({{"displayName", "Engineering"}, {"members", {{{"value", admins}}}}});
  ASSERT_TRUE(eventually([&] {
    const auto e = entry("ada.lovelace");
    auto values = e && e->count("businessCategory") ? e->at("businessCategory") : idb::mapping::Values{};
    std::sort(values.begin(), values.end());
    return values == idb::mapping::Values{"Admins", "Engineering"};
  }));
  EXPECT_TRUE(has("li.wei", "businessCategory", {})) << "in no group";
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  // A plan computes the same groups: nothing to do.
  const json report = json::parse(output_of({"plan", "--format", "json"}, 0));
  EXPECT_EQ(report["targets"][0]["counts"]["no-op"], 2) << report.dump(2);

  // Leaving Admins (a PATCH of the group) takes both values away.
  start_daemon();
  const json leave = {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
                      {"Operations", {{{"op", "remove"}, {"path", "members[value eq \"" + ada + "\"]"}}}}};
  auto res = client_->Patch("/scim/v2/Groups/" + admins, leave.dump(), "application/scim+json");
  ASSERT_TRUE(res);
  ASSERT_TRUE(res->status == 200 || res->status == 204) << res->body;
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "businessCategory", {}); })) << idb::test::read_file(log_);
  EXPECT_TRUE(has("ada.lovelace", "description", {}));
  EXPECT_TRUE(has("ada.lovelace", "cn", {"Ada Lovelace"}));
}

TEST_F(Daemon, ADeletedUsersAccountIsDisabledThenDeletedWhenItsGracePeriodEnds) {
  start_daemon();
  const std::string id = create(sample_user("grace.hopper"));
  ASSERT_TRUE(eventually([&] { return entry("grace.hopper").has_value(); }));
  ASSERT_EQ(client_->Delete("/scim/v2/Users/" + id)->status, 204);
  ASSERT_TRUE(eventually([&] { return has("grace.hopper", "employeeType", {"disabled"}); }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  // The quickstart deletes 30 days after the disable: the plan says when.
  json report = json::parse(output_of({"plan", "--format", "json"}, 0));
  json user = report["targets"][0]["users"][0];
  EXPECT_EQ(user["action"], "no-op") << report.dump(2);
  ASSERT_TRUE(user.contains("delete_due")) << report.dump(2);
  EXPECT_GT(user["delete_due"].get<std::string>(), report["generated_at"].get<std::string>());
  EXPECT_NE(output_of({"plan"}, 0).find("account delete due at " + user["delete_due"].get<std::string>()),
            std::string::npos);
  output_of({"sync", "--once"}, 0);  // exit 0: a delete waiting for its time is not stuck work
  EXPECT_TRUE(entry("grace.hopper"));

  // With no grace period left the plan deletes it, and applying does.
  std::string config = idb::test::read_file(config_);
  config.replace(config.find("grace_days: 30"), 14, "grace_days: 0");
  std::ofstream(config_) << config;
  report = json::parse(output_of({"plan", "--format", "json"}, 0));
  user = report["targets"][0]["users"][0];
  EXPECT_EQ(user["action"], "delete") << report.dump(2);
  EXPECT_EQ(user["operations"], json::array({{{"kind", "delete"}, {"key", "uid=grace.hopper," + people_}}}));
  EXPECT_EQ(report["targets"][0]["counts"]["delete"], 1);
  EXPECT_TRUE(entry("grace.hopper")) << "a plan applies nothing";
  output_of({"sync", "--once"}, 0);
  EXPECT_FALSE(entry("grace.hopper"));
  report = json::parse(output_of({"plan", "--format", "json"}, 0));
  EXPECT_EQ(report["targets"][0]["users"][0]["action"], "skip") << report.dump(2);
}

TEST_F(Daemon, SyncOncePushesEverythingAndReportsByExitStatus) {
  slapd_->stop();
  start_daemon();
  create(sample_user("grace.hopper"));
  create(sample_user("alan.turing"));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  const std::vector<std::string> sync = {"sync", "--once", "--config", config_.string(), "--state-dir",
                                         (dir_ / "state").string()};
  EXPECT_EQ(run(sync), 1);  // target down: changes still waiting
  slapd_->restart();
  EXPECT_EQ(run(sync), 0);
  EXPECT_TRUE(has("grace.hopper", "cn", {"Grace Hopper"}));
  EXPECT_TRUE(has("alan.turing", "cn", {"Alan Turing"}));

  // An administrator's edit on the target is put back by the next full sync.
  ldap_replace("uid=grace.hopper," + people_, "cn", "Amazing Grace");
  EXPECT_TRUE(has("grace.hopper", "cn", {"Amazing Grace"}));
  EXPECT_EQ(run(sync), 0);
  EXPECT_TRUE(has("grace.hopper", "cn", {"Grace Hopper"}));
}

TEST_F(Daemon, PlanReportsEverythingAndAppliesNothing) {
  start_daemon();
  std::vector<std::string> ids;
  for (int i = 0; i < 12; ++i) {
    ids.push_back(create({{"userName", "p" + std::to_string(i)}, {"name", {{"givenName", "P"}, {"familyName", "Q"}}}}));
  }
  ASSERT_TRUE(eventually([&] { return people_count() == 12; }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  const std::vector<std::string> plan = {"plan", "--config", config_.string(), "--state-dir", (dir_ / "state").string(),
                                         "--format", "json", "--output", (dir_ / "plan.json").string()};
  EXPECT_EQ(run(plan), 0);
  json report = json::parse(idb::test::read_file(dir_ / "plan.json"));
  EXPECT_EQ(report["targets"][0]["counts"]["no-op"], 12);
  // Issue 7: each account's version is the one the daemon's write left.
  for (const auto& u : report["targets"][0]["users"]) {
    EXPECT_EQ(u["since_written"], "unchanged") << u.dump();
    EXPECT_FALSE(u.contains("target_version")) << "evidence only for an edit";
  }
  const auto csn = [&](const std::string& uid) {
    return idb::test::ldap_entry(*slapd_, "uid=" + uid + "," + people_, {"entryCSN"}).value()["entryCSN"].at(0);
  };
  const std::string written = csn("p3");

  // An administrator edits one entry: the plan says it will be reverted, and does not revert it.
  ldap_replace("uid=p3," + people_, "cn", "Edited");
  EXPECT_EQ(run(plan), 0);
  report = json::parse(idb::test::read_file(dir_ / "plan.json"));
  const auto& t = report["targets"][0];
  EXPECT_EQ(t["counts"]["update"], 1);
  json edited;
  for (const auto& u : t["users"]) {
    if (u["user_name"] == "p3") edited = u;
  }
  ASSERT_TRUE(edited.is_object()) << report.dump(2);
  EXPECT_EQ(edited["action"], "update");
  EXPECT_EQ(edited["attributes"][0]["attribute"], "cn");
  EXPECT_EQ(edited["attributes"][0]["verdict"], "revert_drift");
  EXPECT_EQ(edited["attributes"][0]["observed"], json({"Edited"}));
  EXPECT_EQ(edited["attributes"][0]["result"], json({"P Q"}));
  EXPECT_TRUE(has("p3", "cn", {"Edited"}));  // dry run: nothing applied
  // The versions are the evidence: the one our write left, and the administrator's.
  EXPECT_EQ(edited["since_written"], "changed");
  EXPECT_EQ(edited["target_version"], json({{"written", written}, {"observed", csn("p3")}}));
  EXPECT_NE(csn("p3"), written);
  for (const auto& u : t["users"]) {
    if (u["user_name"] != "p3") {
      EXPECT_EQ(u["since_written"], "unchanged") << u.dump();
    }
  }

  // A feed that deletes every user at once is held by the guard: exit 3, nothing applied.
  // (slapd is down while the daemon takes the deletes, so they wait in the outbox.)
  slapd_->stop();
  start_daemon();
  for (const auto& id : ids) ASSERT_EQ(client_->Delete("/scim/v2/Users/" + id)->status, 204);
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  slapd_->restart();
  std::vector<std::string> text_plan = plan;
  text_plan[6] = "text";
  EXPECT_EQ(run(text_plan), 3);
  const std::string text = idb::test::read_file(dir_ / "plan.json");
  EXPECT_NE(text.find("12 disable"), std::string::npos) << text;
  EXPECT_NE(text.find("HELD: would disable 12 of 12 accounts (100.0%)"), std::string::npos) << text;
  std::vector<std::string> html_plan = plan;
  html_plan[6] = "html";
  html_plan[8] = (dir_ / "plan.html").string();
  EXPECT_EQ(run(html_plan), 3);
  EXPECT_NE(idb::test::read_file(dir_ / "plan.html").find("<table id=\"plan\" data-rows=\""), std::string::npos);
  EXPECT_FALSE(has("p0", "employeeType", {"disabled"}));

  // The held plan, saved, is applied only with --approve.
  const std::vector<std::string> save = {"plan", "--config", config_.string(), "--state-dir", (dir_ / "state").string(),
                                         "--output", (dir_ / "report.txt").string(), "--save", (dir_ / "held.json").string()};
  EXPECT_EQ(run(save), 3);
  const std::vector<std::string> apply = {"apply", (dir_ / "held.json").string(), "--config", config_.string(),
                                          "--state-dir", (dir_ / "state").string()};
  EXPECT_EQ(run(apply), 3);
  EXPECT_FALSE(has("p0", "employeeType", {"disabled"}));
  std::vector<std::string> approved = apply;
  approved.push_back("--approve");
  EXPECT_EQ(run(approved), 0);
  for (int i = 0; i < 12; ++i) EXPECT_TRUE(has("p" + std::to_string(i), "employeeType", {"disabled"})) << i;
}

// record_versions: false on the LDAP target: the daemon's writes ask for no
// version, so the plan cannot tell whether anyone wrote the account since.
TEST_F(Daemon, WithoutRecordedVersionsThePlanCannotTellWhetherTheAccountWasWrittenSince) {
  std::string config = idb::test::read_file(config_);
  const std::string base = "    base_dn: dc=example,dc=org\n";
  ASSERT_NE(config.find(base), std::string::npos);
  config.replace(config.find(base), base.size(), base + "    record_versions: false\n");
  std::ofstream(config_) << config;
  start_daemon();
  create(sample_user("grace.hopper"));
  ASSERT_TRUE(eventually([&] { return people_count() == 1; }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  const json report = json::parse(output_of({"plan", "--format", "json"}, 0));
  const auto& user = report["targets"][0]["users"][0];
  EXPECT_EQ(user["action"], "no-op") << report.dump(2);
  EXPECT_EQ(user["since_written"], "unknown") << user.dump();
}

// Beyond a couple of thousand users the plan is made in ranges, on several
// threads: every user is in the report once, in report order, and the edits
// in the first, a middle and the last range are each found.
TEST_F(Daemon, APlanMadeInRangesReportsEveryUserOnceInOrder) {
  constexpr int kUsers = 2100;
  // Each user is stored durably: on a RAM disk, where there is one, its fsyncs cost nothing.
  const fs::path state = (fs::exists("/dev/shm") ? fs::path("/dev/shm") : dir_) /
                         ("idb-ranges-" + std::to_string(::getpid()));
  fs::remove_all(state);
  idb::test::store_numbered_users(*idb::state::Store::open(state), kUsers, "r");
  ASSERT_EQ(run({"sync", "--once", "--config", config_.string(), "--state-dir", state.string()}), 0);
  const std::vector<int> edited = {3, 1300, kUsers - 2};
  for (int i : edited) ldap_replace("uid=r" + std::to_string(i) + "," + people_, "sn", "Edited");

  EXPECT_EQ(run({"plan", "--config", config_.string(), "--state-dir", state.string(), "--format", "json",
                 "--output", (dir_ / "plan.json").string()}),
            0);
  const json report = json::parse(idb::test::read_file(dir_ / "plan.json"));
  const auto& t = report["targets"][0];
  EXPECT_EQ(t["counts"]["no-op"], kUsers - 3);
  EXPECT_EQ(t["counts"]["update"], 3);
  ASSERT_EQ(t["users"].size(), static_cast<size_t>(kUsers));
  std::set<std::string> seen, updated;
  std::string previous;
  for (const auto& u : t["users"]) {
    const std::string key = u["key"];
    EXPECT_LT(previous, key);
    previous = key;
    seen.insert(u["user_name"].get<std::string>());
    if (u["action"] == "update") updated.insert(u["user_name"].get<std::string>());
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kUsers));
  EXPECT_EQ(updated, (std::set<std::string>{"r3", "r1300", "r" + std::to_string(kUsers - 2)}));
  fs::remove_all(state);
}

TEST_F(Daemon, ApplyDoesExactlyTheSavedPlanOrRefuses) {
  start_daemon();
  for (const char* name : {"ada.lovelace", "grace.hopper", "alan.turing"}) create(sample_user(name));
  ASSERT_TRUE(eventually([&] { return people_count() == 3; }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  auto edit = [&](const std::string& uid, const std::string& cn) {
    ldap_replace("uid=" + uid + "," + people_, "cn", cn);
  };
  edit("ada.lovelace", "Edited Ada");
  edit("grace.hopper", "Edited Grace");
  const std::string state = (dir_ / "state").string(), saved = (dir_ / "saved.json").string();
  EXPECT_EQ(run({"plan", "--config", config_.string(), "--state-dir", state, "--output", (dir_ / "r.txt").string(),
                 "--save", saved}),
            0);
  EXPECT_EQ(json::parse(idb::test::read_file(saved))["targets"][0]["counts"]["update"], 2);

  edit("grace.hopper", "Edited Again");  // after review: this item must not be applied blindly
  fs::remove(log_);
  EXPECT_EQ(run({"apply", saved, "--config", config_.string(), "--state-dir", state}), 3);
  EXPECT_TRUE(has("ada.lovelace", "cn", {"Ada Lovelace"}));
  EXPECT_TRUE(has("grace.hopper", "cn", {"Edited Again"}));
  const std::string out = idb::test::read_file(log_);
  EXPECT_NE(out.find("(user ada.lovelace): applied"), std::string::npos) << out;
  EXPECT_NE(out.find("(user grace.hopper): refused, the user or the account changed since the plan was made"),
            std::string::npos)
      << out;
  EXPECT_NE(out.find("apply: 1 applied, 1 refused, 0 failed"), std::string::npos) << out;

  // A plan is applied once: afterwards its items no longer match.
  EXPECT_EQ(run({"apply", saved, "--config", config_.string(), "--state-dir", state}), 3);
  // Garbage is not a plan.
  std::ofstream(dir_ / "junk.json") << "{\"schema_version\": 99}";
  EXPECT_EQ(run({"apply", (dir_ / "junk.json").string(), "--config", config_.string(), "--state-dir", state}), 2);
  // And a fresh plan after all this shows the one remaining edit, nothing else.
  EXPECT_EQ(run({"plan", "--config", config_.string(), "--state-dir", state, "--format", "json", "--output",
                 (dir_ / "again.json").string()}),
            0);
  const json again = json::parse(idb::test::read_file(dir_ / "again.json"));
  EXPECT_EQ(again["targets"][0]["counts"]["update"], 1);
  EXPECT_EQ(again["targets"][0]["counts"]["no-op"], 2);
}

TEST_F(Daemon, UsersOutsideATargetsScopeAreLeftAlone) {
  scope_ldap("userType eq \"Employee\"");

  start_daemon();
  json employee = sample_user("ada.lovelace"), contractor = sample_user("grace.hopper");
  employee["userType"] = "Employee";
  contractor["userType"] = "Contractor";
  create(employee);
  create(contractor);
  ASSERT_TRUE(eventually([&] { return entry("ada.lovelace").has_value(); }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  EXPECT_FALSE(entry("grace.hopper"));
  EXPECT_EQ(idb::test::read_file(log_).find("dead letters"), std::string::npos);  // skipped, not failed
  EXPECT_EQ(run({"plan", "--config", config_.string(), "--state-dir", (dir_ / "state").string(), "--format", "json",
                 "--output", (dir_ / "p.json").string()}),
            0);
  const json report = json::parse(idb::test::read_file(dir_ / "p.json"));
  EXPECT_EQ(report["targets"][0]["counts"]["skip"], 1);
  EXPECT_EQ(report["targets"][0]["counts"]["no-op"], 1);
}

TEST_F(Daemon, AUserWhoLeavesATargetsScopeHasTheAccountDisabled) {
  scope_ldap("userType eq \"Employee\"");

  start_daemon();
  json ada = sample_user("ada.lovelace"), grace = sample_user("grace.hopper");
  ada["userType"] = grace["userType"] = "Employee";
  const std::string ada_id = create(ada);
  create(grace);
  ASSERT_TRUE(eventually([&] { return entry("ada.lovelace") && entry("grace.hopper"); }));
  // An event moves ada out of the scope: the account idbridge wrote is disabled, not left live.
  ada["userType"] = "Contractor";
  replace(ada_id, ada);
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "employeeType", {"disabled"}); })) << idb::test::read_file(log_);
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  EXPECT_TRUE(has("ada.lovelace", "cn", {"Ada Lovelace"})) << "only disabled: it keeps what was written";
  EXPECT_TRUE(has("grace.hopper", "employeeType", {}));

  // A plan now finds nothing to do: ada's account is as leaving the scope left it.
  json report = json::parse(output_of({"plan", "--format", "json"}, 0));
  EXPECT_EQ(report["targets"][0]["counts"]["no-op"], 2) << report.dump(2);
  EXPECT_EQ(report["targets"][0]["counts"]["disable"], 0) << report.dump(2);

  // The scope itself changes: grace leaves it too. The plan says so and why; sync applies it.
  scope_ldap("userType eq \"Manager\"");
  report = json::parse(output_of({"plan", "--format", "json"}, 0));
  EXPECT_EQ(report["targets"][0]["counts"]["disable"], 1) << report.dump(2);
  for (const auto& user : report["targets"][0]["users"]) {
    EXPECT_EQ(user["out_of_scope"], "userType eq \"Manager\"") << user.dump(2);
    EXPECT_FALSE(user.contains("delete_due")) << "leaving the scope is no SCIM delete (policy after_delete)";
    EXPECT_EQ(user["action"], user["key"] == "uid=grace.hopper," + people_ ? "disable" : "no-op") << user.dump(2);
  }
  const std::string plan_text = output_of({"plan"}, 0);
  EXPECT_NE(plan_text.find("[ldap] disable uid=grace.hopper," + people_), std::string::npos) << plan_text;
  EXPECT_NE(plan_text.find("    out of scope: userType eq \"Manager\"\n"), std::string::npos) << plan_text;
  EXPECT_TRUE(has("grace.hopper", "employeeType", {})) << "a plan applies nothing";
  output_of({"sync", "--once"}, 0);
  EXPECT_TRUE(has("grace.hopper", "employeeType", {"disabled"}));
  report = json::parse(output_of({"plan", "--format", "json"}, 0));
  EXPECT_EQ(report["targets"][0]["counts"]["no-op"], 2) << report.dump(2);

  // Back in the scope, both are enabled again like re-activated users.
  scope_ldap("userType pr");
  output_of({"sync", "--once"}, 0);
  EXPECT_TRUE(has("ada.lovelace", "employeeType", {}));
  EXPECT_TRUE(has("grace.hopper", "employeeType", {}));
}

TEST_F(Daemon, CommandLineExitStatuses) {
  EXPECT_EQ(run({"version"}), 0);
  EXPECT_EQ(run({"--help"}), 0);
  EXPECT_EQ(run({"serve", "--help"}), 0);
  EXPECT_EQ(run({}), 2);
  EXPECT_EQ(run({"frobnicate"}), 2);
  EXPECT_EQ(run({"serve"}), 2);                        // --config is required
  EXPECT_EQ(run({"serve", "--config"}), 2);            // and needs a value
  EXPECT_EQ(run({"serve", "--config", "x", "--bogus"}), 2);
  EXPECT_EQ(run({"sync", "--config", config_.string()}), 2);  // --once is required
  EXPECT_EQ(run({"check-config", config_.string()}), 0);

  std::ofstream(dir_ / "bad.yaml") << "listen: nowhere\nscim:\n  tokens: [plain-text-token]\n";
  EXPECT_EQ(run({"check-config", (dir_ / "bad.yaml").string()}), 2);
  EXPECT_EQ(run({"serve", "--config", (dir_ / "bad.yaml").string()}), 2);
  const std::string log = idb::test::read_file(log_);
  EXPECT_NE(log.find((dir_ / "bad.yaml").string() + ":1:9: 'listen' must be HOST:PORT"), std::string::npos) << log;
  EXPECT_EQ(log.find("plain-text-token"), std::string::npos) << "a rejected inline secret is not echoed";

  // The listening port taken: a runtime failure, not a config error.
  start_daemon();
  EXPECT_EQ(run({"serve", "--config", config_.string(), "--listen", "127.0.0.1:" + std::to_string(port_),
                 "--state-dir", (dir_ / "state2").string()}),
            1);
}

TEST_F(Daemon, TellsSystemdItIsReadyAliveAndStopping) {
  idb::test::NotifySocket systemd(false);
  extra_env_ = {{"NOTIFY_SOCKET", systemd.address()}, {"WATCHDOG_USEC", "200000"}};
  start_daemon();
  // READY comes once the SCIM socket listens, then a ping every 100 ms (half of WATCHDOG_USEC).
  std::string first = systemd.receive();
  if (first == "WATCHDOG=1") first = systemd.receive();
  EXPECT_EQ(first.rfind("READY=1\nSTATUS=serving SCIM at 127.0.0.1:", 0), 0u) << first;
  EXPECT_EQ(systemd.receive(), "WATCHDOG=1");
  EXPECT_EQ(systemd.receive(), "WATCHDOG=1");
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  std::string m;
  do m = systemd.receive();
  while (m == "WATCHDOG=1");  // pings sent before the signal
  EXPECT_EQ(m, "STOPPING=1");
}

TEST_F(Daemon, MetricsCountRequestsAppliedChangesAndWhatIsWaiting) {
  start_daemon();
  create(sample_user("ada.lovelace"));
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "cn", {"Ada Lovelace"}); }));
  ASSERT_EQ(client_->Get("/scim/v2/Users/nonexistent")->status, 404);

  httplib::Client anonymous("127.0.0.1", port_);  // Prometheus scrapes without the SCIM token
  const std::vector<std::string> expected = {
      "idbridge_http_requests_total{method=\"POST\",code=\"201\"} 1\n",
      "idbridge_http_requests_total{method=\"GET\",code=\"404\"} 1\n",
      "idbridge_outbox_applied_total 1\n", "idbridge_outbox_pending{target=\"ldap\"} 0\n",
      "idbridge_dead_letters{target=\"ldap\"} 0\n", "idbridge_users 1\n",
      "# TYPE idbridge_outbox_applied_total counter\n", "idbridge_outbox_dead_lettered_total 0\n",
      "idbridge_full_syncs_total 0\n", "idbridge_review_open{target=\"ldap\"} 0\n",
      "idbridge_guard_held{target=\"ldap\"} 0\n"};
  std::string page;
  // A request is counted just after its answer is sent, and a drain just after
  // its last write, so the page may lag the test by a moment.
  eventually([&] {
    auto res = anonymous.Get("/metrics");
    if (!res || res->status != 200) return false;
    EXPECT_EQ(res->get_header_value("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
    page = res->body;
    return std::all_of(expected.begin(), expected.end(),
                       [&](const std::string& line) { return page.find(line) != std::string::npos; });
  });
  for (const auto& line : expected) EXPECT_NE(page.find(line), std::string::npos) << line << "\n" << page;
  EXPECT_EQ(page.find(kToken), std::string::npos);
}

TEST_F(Daemon, ScheduledFullSyncPutsBackATargetSideEdit) {
  std::string text = idb::test::read_file(config_);
  text.replace(text.find("interval_s: 3600"), 16, "interval_s: 1");
  std::ofstream(config_) << text;
  start_daemon();
  create(sample_user("grace.hopper"));
  ASSERT_TRUE(eventually([&] { return has("grace.hopper", "cn", {"Grace Hopper"}); }));
  ldap_replace("uid=grace.hopper," + people_, "cn", "Amazing Grace");
  // No SCIM change follows: only the schedule can find the drift.
  ASSERT_TRUE(eventually([&] { return has("grace.hopper", "cn", {"Grace Hopper"}); }));
  EXPECT_EQ(client_->Get("/metrics")->body.find("idbridge_full_syncs_total 0\n"), std::string::npos);
}

TEST_F(Daemon, SighupAppliesANewMappingToEveryUserAndKeepsTheRunningOneWhenTheNewIsBroken) {
  edit_mapping("o: {value: Example Org}", "o: {value: Example Org}");  // a mapping file of the test's own
  const fs::path mapping = dir_ / "mapping.yaml";
  const std::string original = idb::test::read_file(mapping);
  start_daemon();
  create(sample_user("ada.lovelace"));
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "o", {"Example Org"}); }));

  // New rules, and a key only a restart applies.
  std::string renamed = original;
  renamed.replace(renamed.find("Example Org"), 11, "Example Corp");
  std::ofstream(mapping) << renamed;
  std::string config = idb::test::read_file(config_);
  config.replace(config.find("initial_ms: 100"), 15, "initial_ms: 200");
  std::ofstream(config_) << config;
  ASSERT_TRUE(daemon_->signal(SIGHUP));
  // The user is re-planned with the new rules though nothing changed at the source.
  ASSERT_TRUE(eventually([&] { return has("ada.lovelace", "o", {"Example Corp"}); }));
  // The audit log names the reload as the cause, not a full sync.
  EXPECT_TRUE(eventually([&] {
    return output_of({"audit", "--user", "ada.lovelace"}, 0)
               .find("  applied  source: config reload\n    o: replace [\"Example Corp\"]\n") != std::string::npos;
  })) << output_of({"audit", "--user", "ada.lovelace"}, 0);
  EXPECT_NE(idb::test::read_file(log_).find("reload: 'retry' changed; not applied until idbridge restarts"),
            std::string::npos);

  // A broken mapping: the error is logged where it is, and the running rules stay.
  std::string broken = renamed;
  broken.replace(broken.find("title: title"), 12, "title: {from: title, transform: [shout]}");
  std::ofstream(mapping) << broken;
  ASSERT_TRUE(daemon_->signal(SIGHUP));
  const std::string at = mapping.string() + ":";
  ASSERT_TRUE(eventually([&] {
    return idb::test::read_file(log_).find("reload: the mapping has errors; the running rules are kept") !=
           std::string::npos;
  }));
  const std::string log = idb::test::read_file(log_);
  const size_t error = log.find("reload: " + at);
  ASSERT_NE(error, std::string::npos) << log;
  EXPECT_NE(log.find("unknown transform 'shout'", error), std::string::npos) << log.substr(error, 300);
  create(sample_user("grace.hopper"));
  ASSERT_TRUE(eventually([&] { return has("grace.hopper", "o", {"Example Corp"}); }));
  EXPECT_TRUE(daemon_->running());
}

TEST_F(Daemon, RefusedCredentialsStopOnlyThatTargetOnce) {
  // A PDS target whose secret the API refuses, beside the LDAP one.
  idb::test::cloud::PdsServerOptions pds_options;
  pds_options.access_key_id = "LTAI-test";
  pds_options.access_key_secret = "the-real-secret";
  idb::test::cloud::PdsServer pds(pds_options);
  pds.start();
  const std::string wrong_secret = "pds-wrong-secret-5c0d";
  extra_env_["IDBRIDGE_PDS_SECRET"] = wrong_secret;
  std::ofstream(config_, std::ios::app) << "  - name: pds\n"
                                           "    type: pds\n"
                                           "    domain_id: bj1\n"
                                           "    base_url: " << pds.base_url() << "\n"
                                           "    rate_limit: 0\n"
                                           "    access_key_id: LTAI-test\n"
                                           "    access_key_secret: ${env:IDBRIDGE_PDS_SECRET}\n";
  std::ifstream in(fs::path(IDB_SOURCE_DIR) / "examples/mappings/quickstart.yaml");
  std::string mapping((std::istreambuf_iterator<char>(in)), {});
  mapping += "  pds:\n"
             "    key: \"{externalId}\"\n"
             "    attributes:\n"
             "      nick_name: [displayName, userName]\n";
  std::ofstream(dir_ / "mapping.yaml") << mapping;
  std::string text = idb::test::read_file(config_);
  const auto at = text.find("mapping: ");
  text.replace(at, text.find('\n', at) - at, "mapping: " + (dir_ / "mapping.yaml").string());
  std::ofstream(config_) << text;

  start_daemon();
  create(sample_user("grace.hopper"));
  create(sample_user("alan.turing"));
  // LDAP carries on...
  EXPECT_TRUE(eventually([&] { return has("grace.hopper", "cn", {"Grace Hopper"}) && has("alan.turing", "cn", {"Alan Turing"}); }));
  // ...while PDS, refused once, is asked nothing more: no retry loop against its API.
  std::this_thread::sleep_for(std::chrono::milliseconds(800));
  EXPECT_EQ(pds.http().requests(), 1);
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  const std::string log = idb::test::read_file(log_);
  const std::string stopped = "pds: target stopped";
  ASSERT_NE(log.find(stopped), std::string::npos) << log;
  EXPECT_EQ(log.find(stopped, log.find(stopped) + 1), std::string::npos) << "logged more than once";
  EXPECT_NE(log.find("InvalidSignature"), std::string::npos);
  EXPECT_EQ(log.find(wrong_secret), std::string::npos);
  EXPECT_EQ(log.find("acs LTAI-test:"), std::string::npos);  // no signature either

  // The plan says the target is stopped and why, reading it once.
  const fs::path report = dir_ / "plan.txt";
  EXPECT_EQ(run({"plan", "--config", config_.string(), "--state-dir", (dir_ / "state").string(), "--output",
                 report.string()}),
            1);
  const std::string plan = idb::test::read_file(report);
  EXPECT_NE(plan.find("[STOPPED: pds:HTTP 401 InvalidSignature"), std::string::npos) << plan;
  EXPECT_NE(plan.find("check the target's access key"), std::string::npos) << plan;
  EXPECT_EQ(pds.http().requests(), 2);
  EXPECT_EQ(idb::test::read_file(log_).find(wrong_secret), std::string::npos);
}

}  // namespace

namespace {

TEST_F(Daemon, ManualAttributesWaitInTheReviewQueueUntilAPersonDecides) {
  edit_mapping("      title: title\n", "      title: {from: title, authoritative: manual}\n");
  start_daemon();
  create({{"userName", "m1"}, {"name", {{"givenName", "M"}, {"familyName", "One"}}}, {"title", "Engineer"}});
  ASSERT_TRUE(eventually([&] { return people_count() == 1; }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  // A manual attribute is never written by itself: the new account lacks it and a review item says why.
  EXPECT_TRUE(has("m1", "title", {}));
  json items = json::parse(output_of({"conflicts", "list", "--format", "json"}, 0));
  ASSERT_EQ(items.size(), 1u) << items.dump(2);
  EXPECT_EQ(items[0]["kind"], "attribute");
  EXPECT_EQ(items[0]["attribute"], "title");
  EXPECT_EQ(items[0]["user_name"], "m1");
  EXPECT_EQ(items[0]["source"], json({"Engineer"}));
  EXPECT_EQ(items[0]["observed"], json::array());
  const std::string id = std::to_string(items[0]["id"].get<int64_t>());

  // The plan shows the open item and exits 3; a full sync does not open a second one.
  std::string report = output_of({"plan", "--format", "json"}, 3);
  EXPECT_EQ(json::parse(report)["targets"][0]["review"][0]["id"], items[0]["id"]) << report;
  output_of({"sync", "--once"}, 0);
  EXPECT_EQ(json::parse(output_of({"conflicts", "list", "--format", "json"}, 0)).size(), 1u);

  // Take source: the value is written now, the item closed, the next plan clean.
  EXPECT_NE(output_of({"conflicts", "resolve", id, "--take", "source"}, 0).find("wrote title"), std::string::npos);
  EXPECT_TRUE(has("m1", "title", {"Engineer"}));
  EXPECT_NE(output_of({"audit", "--user", "m1"}, 0)
                .find("  ldap  update  uid=m1," + people_ + "  user m1 (" + items[0]["user_id"].get<std::string>() +
                      ")  applied  source: conflicts resolve #" + id + " --take source\n    title: replace [\"Engineer\"]\n"),
            std::string::npos);
  EXPECT_EQ(output_of({"conflicts", "list", "--format", "json"}, 0), "[]\n");
  output_of({"plan"}, 0);
  output_of({"conflicts", "resolve", id, "--take", "source"}, 2);  // closed already

  // An administrator edits it on the target: a new item; take target keeps the edit for good.
  ldap_replace("uid=m1," + people_, "title", "Chief Engineer");
  output_of({"sync", "--once"}, 0);
  items = json::parse(output_of({"conflicts", "list", "--format", "json"}, 0));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["observed"], json({"Chief Engineer"}));
  const std::string text = output_of({"conflicts", "show", std::to_string(items[0]["id"].get<int64_t>())}, 0);
  EXPECT_NE(text.find("title: target holds [\"Chief Engineer\"], source wants [\"Engineer\"]"), std::string::npos)
      << text;
  output_of({"conflicts", "resolve", std::to_string(items[0]["id"].get<int64_t>()), "--take", "target"}, 0);
  report = output_of({"plan", "--format", "json"}, 0);
  const json user = json::parse(report)["targets"][0]["users"][0];
  EXPECT_EQ(user["conflict"], false) << report;
  EXPECT_EQ(user["attributes"][0]["verdict"], "keep_target") << report;
  output_of({"sync", "--once"}, 0);
  EXPECT_TRUE(has("m1", "title", {"Chief Engineer"}));
  EXPECT_EQ(output_of({"conflicts", "list", "--format", "json"}, 0), "[]\n");
  EXPECT_NE(output_of({"conflicts", "list", "--all"}, 0).find("(closed: target)"), std::string::npos);
}

TEST_F(Daemon, TwoUsersMappedToOneAccountAreAReviewItemNamingBoth) {
  // The account key comes from the name, so two people called alike collide.
  edit_mapping("dn: \"uid={userName},", "dn: \"cn={name.givenName} {name.familyName},");
  start_daemon();
  create({{"userName", "ann.lee"}, {"name", {{"givenName", "Ann"}, {"familyName", "Lee"}}}, {"title", "First"}});
  ASSERT_TRUE(eventually([&] { return people_count() == 1; }));
  create({{"userName", "ann.lee2"}, {"name", {{"givenName", "Ann"}, {"familyName", "Lee"}}}, {"title", "Second"}});
  json items;
  ASSERT_TRUE(eventually([&] {
    items = json::parse(output_of({"conflicts", "list", "--format", "json"}, 0));
    return items.size() == 1;
  }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  EXPECT_EQ(items[0]["kind"], "uniqueness");
  EXPECT_EQ(items[0]["user_name"], "ann.lee2");
  const std::string detail = items[0]["detail"];
  EXPECT_NE(detail.find("user ann.lee2"), std::string::npos) << detail;
  EXPECT_NE(detail.find("the account of user ann.lee ("), std::string::npos) << detail;
  // The first user's account was not taken over.
  const auto entry = idb::test::ldap_entry(*slapd_, "cn=Ann Lee," + people_);
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->at("title"), idb::mapping::Values{"First"});

  // The plan shows it and would do nothing for the second user; a link to the other's account is refused.
  const json report = json::parse(output_of({"plan", "--format", "json"}, 3));
  EXPECT_EQ(report["targets"][0]["counts"]["review"], 1);
  const std::string id = std::to_string(items[0]["id"].get<int64_t>());
  output_of({"conflicts", "resolve", id, "--take", "target"}, 1);
  // Renamed at the source, the user gets an account of its own once tried again.
  start_daemon();
  const auto second = json::parse(client_->Get("/scim/v2/Users?filter=userName%20eq%20%22ann.lee2%22")->body);
  replace(second["Resources"][0]["id"],
          {{"userName", "ann.lee2"}, {"name", {{"givenName", "Ann"}, {"familyName", "Lee-Smith"}}}, {"title", "Second"}});
  ASSERT_TRUE(eventually([&] { return people_count() == 2; }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  EXPECT_EQ(output_of({"conflicts", "list", "--format", "json"}, 0), "[]\n");  // closed as gone
}

// The batch a guard held, named by its last "guard holds batch ID" log line.
std::string held_batch(const std::string& log) {
  const std::string mark = "guard holds batch ";
  const size_t at = log.rfind(mark);
  return at == std::string::npos ? "" : log.substr(at + mark.size(), 12);
}

TEST_F(Daemon, TheDaemonHoldsABatchBeyondItsGuardsUntilApproved) {
  std::string config = idb::test::read_file(config_);
  config += "    guards: {max_modifies: 3, percent_floor: 100}\n";
  std::ofstream(config_) << config;
  const auto edit = [&](int i, const std::string& title) {
    ldap_replace("uid=g" + std::to_string(i) + "," + people_, "title", title);
  };
  const auto title_of = [&](int i) { return entry("g" + std::to_string(i))->at("title"); };
  start_daemon();
  for (int i = 0; i < 8; ++i) create({{"userName", "g" + std::to_string(i)}, {"title", "T"}});
  ASSERT_TRUE(eventually([&] { return people_count() == 8; }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  // Three drifted entries: at the limit, reverted.
  for (int i = 0; i < 3; ++i) edit(i, "Edited");
  output_of({"sync", "--once"}, 0);
  EXPECT_TRUE(has("g0", "title", {"T"}));
  // Four: over it. Nothing is applied; the log and the plan name the batch.
  for (int i = 0; i < 4; ++i) edit(i, "Edited");
  output_of({"sync", "--once"}, 1);
  for (int i = 0; i < 4; ++i) EXPECT_TRUE(has("g" + std::to_string(i), "title", {"Edited"})) << i;
  const std::string first = held_batch(idb::test::read_file(log_));
  ASSERT_EQ(first.size(), 12u) << idb::test::read_file(log_);
  EXPECT_NE(idb::test::read_file(log_).find("guard holds batch " + first +
                                            ": 4 change(s) (4 update(s), 0 disable(s), 0 delete(s), 0 create(s)): would modify 4 "
                                            "accounts, more than the limit of 3"),
            std::string::npos);
  std::string plan = output_of({"plan"}, 3);
  EXPECT_NE(plan.find("HELD: the daemon holds batch " + first + " (4 update(s)"), std::string::npos) << plan;
  EXPECT_NE(plan.find("would modify 4 accounts, more than the limit of 3"), std::string::npos) << plan;
  // Judged again unchanged, it is the same batch.
  output_of({"sync", "--once"}, 1);
  EXPECT_EQ(held_batch(idb::test::read_file(log_)), first);

  // The batch grows after the administrator saw it: approving what was seen is refused.
  edit(4, "Edited");
  output_of({"sync", "--once"}, 1);
  const std::string second = held_batch(idb::test::read_file(log_));
  EXPECT_NE(second, first);
  output_of({"approve", "--target", "ldap", "--batch", first}, 2);
  EXPECT_NE(idb::test::read_file(log_).find("now holds batch " + second + ", not " + first), std::string::npos);
  EXPECT_NE(output_of({"approve", "--target", "ldap", "--batch", second}, 0)
                .find("approved batch " + second + " (5 update(s), 0 disable(s), 0 delete(s), 0 create(s)"),
            std::string::npos);

  // After the approval g0 is edited again and three more drift: those are not
  // what was approved. The other four approved changes are applied; the four
  // new ones are a new batch, held.
  edit(0, "Edited again");
  for (int i = 5; i < 8; ++i) edit(i, "Edited");
  output_of({"sync", "--once"}, 1);
  for (int i = 1; i < 5; ++i) EXPECT_EQ(title_of(i), idb::mapping::Values{"T"}) << i;
  EXPECT_EQ(title_of(0), idb::mapping::Values{"Edited again"});
  for (int i = 5; i < 8; ++i) EXPECT_EQ(title_of(i), idb::mapping::Values{"Edited"}) << i;
  EXPECT_NE(idb::test::read_file(log_).find("batch " + second +
                                            " held by a guard (would modify 5 accounts, more than the limit of 3) "
                                            "approved by an administrator: 4 of its change(s) in line now; 1 changed "
                                            "since and are judged again"),
            std::string::npos);
  const std::string third = held_batch(idb::test::read_file(log_));
  EXPECT_NE(third, second);
  EXPECT_NE(output_of({"plan"}, 3).find("HELD: the daemon holds batch " + third + " (4 update(s)"), std::string::npos);

  // The running daemon keeps holding it, and says so in /metrics.
  start_daemon();
  ASSERT_TRUE(eventually([&] {
    return client_->Get("/metrics")->body.find("idbridge_guard_held{target=\"ldap\"} 1\n") != std::string::npos;
  }));
  EXPECT_TRUE(has("g0", "title", {"Edited again"}));
  EXPECT_NE(output_of({"approve", "--target", "ldap"}, 0).find("approved batch " + third), std::string::npos);
  create({{"userName", "g8"}});  // any change wakes the daemon, which applies the approved batch
  for (int i : {0, 5, 6, 7}) {
    EXPECT_TRUE(eventually([&] { return has("g" + std::to_string(i), "title", {"T"}); })) << i;
  }
  // An approved batch counts as held until it is applied.
  EXPECT_TRUE(eventually([&] {
    return client_->Get("/metrics")->body.find("idbridge_guard_held{target=\"ldap\"} 0\n") != std::string::npos;
  }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  output_of({"approve", "--target", "ldap"}, 2);  // nothing held any more
  output_of({"approve", "--target", "nope"}, 2);
  // The audit log names the approved batch as the source of what it applied.
  EXPECT_NE(output_of({"audit", "--user", "g1"}, 0).find("  applied  source: approved batch " + second + "\n"),
            std::string::npos);
}

TEST_F(Daemon, AHeldTargetsGroupEntriesWaitForTheApproval) {
  const std::string groups = "ou=groups," + slapd_->base_dn();
  idb::test::ldap_delete_all(*slapd_, slapd_->base_dn(), "(objectClass=groupOfNames)");
  edit_mapping("      o: {value: Example Org}\n",
               "      o: {value: Example Org}\n    groups:\n      dn: \"cn={displayName}," + groups + "\"\n");
  std::string config = idb::test::read_file(config_);
  config += "    guards: {max_disables: 2, percent_floor: 100}\n";
  std::ofstream(config_) << config;
  const auto staff_members = [&] {
    const auto e = idb::test::ldap_entry(*slapd_, "cn=Staff," + groups);
    auto values = e && e->count("member") ? e->at("member") : idb::mapping::Values{};
    std::sort(values.begin(), values.end());
    return values;
  };
  const auto dn = [&](int i) { return "uid=m" + std::to_string(i) + "," + people_; };
  start_daemon();
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(create({{"userName", "m" + std::to_string(i)}}));
  ASSERT_TRUE(eventually([&] { return people_count() == 5; }));
  auto res = client_->Post("/scim/v2/Groups", json({{"displayName", "Staff"}, {"members", {{{"value", ids[0]}}}}}).dump(),
                           "application/scim+json");
  ASSERT_TRUE(res);
  ASSERT_EQ(res->status, 201) << res->body;
  const std::string staff = json::parse(res->body).value("id", "");
  ASSERT_TRUE(eventually([&] { return staff_members() == idb::mapping::Values{dn(0)}; })) << idb::test::read_file(log_);
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  // While the directory is down (so the next run judges it all at once)
  // three users are deleted at the source, over the limit of two disables,
  // and m1 joins Staff.
  slapd_->stop();
  start_daemon();
  for (int i = 2; i < 5; ++i) {
    auto deleted = client_->Delete("/scim/v2/Users/" + ids[i]);
    ASSERT_TRUE(deleted);
    ASSERT_EQ(deleted->status, 204) << deleted->body;
  }
  const json join = {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
                     {"Operations", {{{"op", "add"}, {"path", "members"}, {"value", {{{"value", ids[1]}}}}}}}};
  res = client_->Patch("/scim/v2/Groups/" + staff, join.dump(), "application/scim+json");
  ASSERT_TRUE(res);
  ASSERT_TRUE(res->status == 200 || res->status == 204) << res->body;
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  slapd_->restart();

  // Held: the disables wait, and so does the membership change, though m1's account is there to name.
  output_of({"sync", "--once"}, 1);
  const std::string batch = held_batch(idb::test::read_file(log_));
  ASSERT_EQ(batch.size(), 12u) << idb::test::read_file(log_);
  EXPECT_EQ(staff_members(), idb::mapping::Values{dn(0)});
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(has("m" + std::to_string(i), "employeeType", {})) << i;
  EXPECT_NE(idb::test::read_file(log_).find("ldap: group entries not synced while the guard holds batch " + batch +
                                            "; they follow once it is approved and applied"),
            std::string::npos);
  // The plan shows the group's change as held with the users; its saved form is not applied without --approve.
  const std::string saved = (dir_ / "plan.json").string();
  const std::string plan = output_of({"plan", "--save", saved}, 3);
  EXPECT_NE(plan.find("target ldap groups: 0 create, 1 update, 0 rename, 0 delete, 0 no-op, 0 error  [HELD with the "
                      "users: applied only after approval]"),
            std::string::npos)
      << plan;
  EXPECT_NE(output_of({"apply", saved}, 3).find("4 item(s) not applied"), std::string::npos);
  EXPECT_EQ(staff_members(), idb::mapping::Values{dn(0)});

  // Approved and applied: the group entry follows in the same run.
  output_of({"approve", "--target", "ldap", "--batch", batch}, 0);
  output_of({"sync", "--once"}, 0);
  for (int i = 2; i < 5; ++i) EXPECT_TRUE(has("m" + std::to_string(i), "employeeType", {"disabled"})) << i;
  EXPECT_EQ(staff_members(), (idb::mapping::Values{dn(0), dn(1)}));
  const json told = json::parse(output_of({"audit", "--format", "json", "--user", staff}, 0));
  ASSERT_EQ(told.size(), 2u) << told.dump(2);
  EXPECT_EQ(told[1]["action"], "group update");
}

TEST_F(Daemon, EveryChangeToATargetIsAuditedWithItsSourceAndNoSecret) {
  const std::string secret = "Initial-pa55word-never-audited";
  // A PIN the mapping marks secret, though nothing in its name says so.
  const std::string pin = "PIN-4417-never-audited";
  edit_mapping("      o: {value: Example Org}", "      o: {value: Example Org}\n      userPassword: {value: " + secret +
                                                   "}\n      roomNumber: {value: " + pin + ", secret: true}");
  start_daemon();
  const std::string id = create(sample_user("ada.lovelace"));
  ASSERT_TRUE(eventually([&] { return people_count() == 1; }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  // A SCIM write: one row, every attribute written, the password's value not.
  json rows = json::parse(output_of({"audit", "--format", "json"}, 0));
  ASSERT_EQ(rows.size(), 1u) << rows.dump(2);
  const json& created = rows[0];
  EXPECT_EQ(created["target"], "ldap");
  EXPECT_EQ(created["user_id"], id);
  EXPECT_EQ(created["user_name"], "ada.lovelace");
  EXPECT_EQ(created["action"], "create");
  EXPECT_EQ(created["key"], "uid=ada.lovelace," + people_);
  EXPECT_EQ(created["outcome"], "applied");
  EXPECT_EQ(created["error"], nullptr);
  EXPECT_EQ(created["source"], "event");
  std::map<std::string, json> changes;
  for (const auto& c : created["changes"]) changes[c["attribute"]] = c;
  EXPECT_EQ(changes["cn"], (json{{"attribute", "cn"}, {"change", "set"}, {"values", {"Ada Lovelace"}}}));
  EXPECT_EQ(changes["userPassword"], (json{{"attribute", "userPassword"}, {"change", "set"}, {"secret", true}}));
  EXPECT_EQ(changes["roomNumber"], (json{{"attribute", "roomNumber"}, {"change", "set"}, {"secret", true}}));
  EXPECT_TRUE(has("ada.lovelace", "userPassword", {secret})) << "written, only not audited";
  EXPECT_TRUE(has("ada.lovelace", "roomNumber", {pin}));

  // A target-side edit put back by a full sync, then one put back by a saved plan.
  ldap_replace("uid=ada.lovelace," + people_, "cn", "Edited");
  output_of({"sync", "--once"}, 0);
  ldap_replace("uid=ada.lovelace," + people_, "cn", "Edited again");
  const std::string saved = (dir_ / "saved.json").string();
  output_of({"plan", "--save", saved}, 0);
  output_of({"apply", saved}, 0);
  rows = json::parse(output_of({"audit", "--format", "json", "--since", "1h"}, 0));
  ASSERT_EQ(rows.size(), 3u) << rows.dump(2);
  for (const auto& [row, source] : {std::pair{rows[1], std::string("full sync")}, {rows[2], "apply " + saved}}) {
    EXPECT_EQ(row["action"], "update");
    EXPECT_EQ(row["source"], source);
    EXPECT_EQ(row["changes"], (json::array({{{"attribute", "cn"}, {"change", "replace"}, {"values", {"Ada Lovelace"}}}})));
  }
  EXPECT_LT(rows[0]["id"], rows[1]["id"]);

  // Filters, the text form, and never the secret in either.
  EXPECT_EQ(json::parse(output_of({"audit", "--format", "json", "--target", "nope"}, 0)).size(), 0u);
  EXPECT_EQ(json::parse(output_of({"audit", "--format", "json", "--user", "ADA.LOVELACE"}, 0)).size(), 3u);
  EXPECT_EQ(json::parse(output_of({"audit", "--format", "json", "--user", id}, 0)).size(), 3u);
  EXPECT_EQ(json::parse(output_of({"audit", "--format", "json", "--since", "2999-01-01"}, 0)).size(), 0u);
  const std::string text = output_of({"audit"}, 0);
  EXPECT_NE(text.find("  ldap  create  uid=ada.lovelace," + people_ + "  user ada.lovelace (" + id +
                      ")  applied  source: event\n"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    userPassword: set (secret, not recorded)\n"), std::string::npos) << text;
  EXPECT_NE(text.find("    roomNumber: set (secret, not recorded)\n"), std::string::npos) << text;
  EXPECT_EQ(text.find(secret), std::string::npos);
  EXPECT_EQ(text.find(pin), std::string::npos);
  output_of({"audit", "--since", "last week"}, 2);
  output_of({"audit", "--format", "xml"}, 2);

  // A password changed on the target: the plan puts it back, by name, and
  // shows neither value in any format.
  const std::string on_target = "Target-side-pa55word";
  ldap_replace("uid=ada.lovelace," + people_, "userPassword", on_target);
  ldap_replace("uid=ada.lovelace," + people_, "roomNumber", "PIN-edited-on-target");
  const std::string plan_json = output_of({"plan", "--format", "json"}, 0);
  const json planned = json::parse(plan_json);
  const json& ada = planned["targets"][0]["users"][0];
  EXPECT_EQ(ada["action"], "update") << plan_json;
  ASSERT_EQ(ada["operations"].size(), 1u) << plan_json;
  std::map<std::string, json> planned_changes;
  for (const auto& c : ada["operations"][0]["changes"]) planned_changes[c["attribute"]] = c;
  EXPECT_EQ(planned_changes["userPassword"]["values"], json({"********"})) << plan_json;
  EXPECT_EQ(planned_changes["roomNumber"]["values"], json({"********"})) << plan_json;
  for (const auto& format : {"json", "text", "html"}) {
    const std::string plan = output_of({"plan", "--format", format}, 0);
    EXPECT_NE(plan.find("userPassword"), std::string::npos) << plan;
    EXPECT_NE(plan.find("roomNumber"), std::string::npos) << plan;
    for (const std::string& value : {secret, on_target, pin, std::string("PIN-edited-on-target")}) {
      EXPECT_EQ(plan.find(value), std::string::npos) << value << " in " << plan;
    }
  }
}

// A full sync that finds a user's event still pending (the target was down)
// applies both: the audit log names both, and a later pass only itself.
TEST_F(Daemon, AFullSyncNamesTheEventItFindsPending) {
  slapd_->stop();
  start_daemon();
  create(sample_user("ada.lovelace"));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  slapd_->restart();
  output_of({"sync", "--once"}, 0);
  ASSERT_TRUE(has("ada.lovelace", "cn", {"Ada Lovelace"}));
  json rows = json::parse(output_of({"audit", "--format", "json"}, 0));
  ASSERT_EQ(rows.size(), 1u) << rows.dump(2);
  EXPECT_EQ(rows[0]["action"], "create");
  EXPECT_EQ(rows[0]["source"], "event, full sync");

  ldap_replace("uid=ada.lovelace," + people_, "cn", "Edited");
  output_of({"sync", "--once"}, 0);
  rows = json::parse(output_of({"audit", "--format", "json"}, 0));
  ASSERT_EQ(rows.size(), 2u) << rows.dump(2);
  EXPECT_EQ(rows[1]["action"], "update");
  EXPECT_EQ(rows[1]["source"], "full sync");
}

// `plan` says exactly what the daemon will hold: both judge the same changes
// against the accounts idbridge manages on the target (a baseline each). Here
// 20, of which 4 were deleted by hand: they are created again, not counted.
TEST_F(Daemon, PlanAndTheDaemonHoldAlikeAtThePercentBoundary) {
  std::string config = idb::test::read_file(config_);
  config += "    guards: {max_disable_percent: 25, percent_floor: 1}\n";
  std::ofstream(config_) << config;
  const auto id = [](int i) { return "00000000-0000-4000-8000-" + std::to_string(100000000000LL + i); };
  struct Row {
    int disables;
    std::optional<std::string> held;
  };
  const Row rows[] = {{4, std::nullopt},
                      {5, std::nullopt},  // exactly 25% of 20 (31% of the 16 accounts left on the target)
                      {6, "would disable 6 of 20 accounts (30.0%), more than the limit of 25.0%"}};
  for (const Row& row : rows) {
    SCOPED_TRACE(row.disables);
    fs::remove_all(dir_ / "state");
    clear_people();
    {
      auto store = idb::state::Store::open(dir_ / "state");
      for (int i = 0; i < 20; ++i) {
        idb::state::User u;
        u.id = id(i);
        u.user_name = "m" + std::to_string(i);
        u.version = 1;
        u.resource = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}}, {"id", u.id},
                      {"userName", u.user_name}, {"active", true}};
        ASSERT_EQ(store->insert_user(u, {"ldap"}, 0), idb::state::WriteStatus::ok);
      }
    }
    output_of({"sync", "--once"}, 0);
    ASSERT_EQ(people_count(), 20u);
    for (int i = 16; i < 20; ++i) {
      const std::string cmd = "LDAPNOINIT=1 ldapdelete -x -H " + slapd_->url() + " -D '" + slapd_->bind_dn() +
                              "' -y " + (slapd_->dir() / "password").string() + " 'uid=m" + std::to_string(i) + "," +
                              people_ + "'";
      ASSERT_EQ(std::system(cmd.c_str()), 0);
    }
    {
      auto store = idb::state::Store::open(dir_ / "state");
      for (int i = 0; i < row.disables; ++i) {
        auto u = *store->get_user(id(i));
        u.resource["active"] = false;
        u.version = 2;
        ASSERT_EQ(store->replace_user(u, {"ldap"}, 1), idb::state::WriteStatus::ok);
      }
    }
    const json report = json::parse(output_of({"plan", "--format", "json"}, row.held ? 3 : 0));
    const auto& target = report["targets"][0];
    EXPECT_EQ(target["counts"]["disable"], row.disables);
    EXPECT_EQ(target["counts"]["create"], 4);
    EXPECT_EQ(target["held"], row.held ? json(*row.held) : json(nullptr));

    output_of({"sync", "--once"}, row.held ? 1 : 0);
    EXPECT_EQ(has("m0", "employeeType", {"disabled"}), !row.held);
    if (row.held) {
      EXPECT_NE(idb::test::read_file(log_).find("(0 update(s), " + std::to_string(row.disables) + " disable(s), 0 delete(s), 4 create(s)): " + *row.held), std::string::npos);
    }
  }
}

}  // namespace

namespace {

json employee(const std::string& user_name, const std::string& number) {
  return {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User",
                       "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}},
          {"userName", user_name},
          {"name", {{"givenName", "G"}, {"familyName", user_name}}},
          {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", {{"employeeNumber", number}}}};
}

TEST_F(Daemon, AccountsMadeBeforeIdbridgeAreCorrelatedPlannedAppliedAndThenInLine) {
  edit_mapping("    object_classes:", "    correlate: [employeeNumber]\n    object_classes:");
  // The directory already holds u1's account under another name, and two accounts claiming u2's number.
  const auto add = [&](const std::string& uid, const std::string& number) {
    std::string cmd = "printf 'dn: uid=" + uid + "," + people_ +
                      "\\nobjectClass: inetOrgPerson\\nuid: " + uid + "\\nsn: Old\\ncn: Old Name\\nemployeeNumber: " +
                      number + "\\n' | LDAPNOINIT=1 ldapadd -x -H " + slapd_->url() + " -D '" + slapd_->bind_dn() +
                      "' -y " + (slapd_->dir() / "password").string() + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  };
  // Its parent may not be there yet (idbridge makes parents as it needs them): made, or already there.
  std::string parent = "printf 'dn: " + people_ + "\\nobjectClass: organizationalUnit\\nou: people\\n' | LDAPNOINIT=1 ldapadd -x -H " +
                       slapd_->url() + " -D '" + slapd_->bind_dn() + "' -y " + (slapd_->dir() / "password").string() +
                       " >/dev/null 2>&1";
  std::system(parent.c_str());
  add("legacy1", "E1");
  add("dup-a", "E2");
  add("dup-b", "E2");
  // The users arrive while the directory is down, so only the plan decides.
  slapd_->stop();
  start_daemon();
  for (const auto& [name, number] : {std::pair{"u1", "E1"}, {"u2", "E2"}, {"u3", "E3"}}) create(employee(name, number));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  slapd_->restart();

  json report = json::parse(output_of({"plan", "--format", "json", "--save", (dir_ / "plan.json").string()}, 3));
  std::map<std::string, json> users;
  for (const auto& u : report["targets"][0]["users"]) users[u["user_name"]] = u;
  EXPECT_EQ(users["u1"]["action"], "update");
  EXPECT_EQ(users["u1"]["correlation"], "linked by employeeNumber=E1 to uid=legacy1," + people_);
  EXPECT_EQ(users["u1"]["key"], "uid=legacy1," + people_ + " -> uid=u1," + people_);
  EXPECT_EQ(users["u1"]["operations"][0]["kind"], "rename");
  EXPECT_EQ(users["u2"]["action"], "skip");
  EXPECT_EQ(users["u2"]["conflict"], true);
  EXPECT_EQ(users["u2"]["correlation"], "ambiguous: 2 accounts match employeeNumber=E2");
  const json& review = report["targets"][0]["review"][0];
  EXPECT_EQ(review["kind"], "ambiguous");
  EXPECT_EQ(review["id"], 0);  // found by the plan, not queued yet
  EXPECT_EQ(review["observed"], json({"uid=dup-a," + people_, "uid=dup-b," + people_}));
  EXPECT_EQ(users["u3"]["action"], "create");

  // Apply the reviewed plan: u1's account is renamed and taken over, u3 created, u2 left alone.
  output_of({"apply", (dir_ / "plan.json").string()}, 0);
  EXPECT_FALSE(entry("legacy1"));
  EXPECT_TRUE(has("u1", "employeeNumber", {"E1"}));
  EXPECT_TRUE(has("u1", "cn", {"G u1"}));
  EXPECT_TRUE(has("u3", "employeeNumber", {"E3"}));
  EXPECT_FALSE(entry("u2"));

  // The daemon's pass queues the ambiguity; an administrator links one candidate.
  output_of({"sync", "--once"}, 0);
  const json items = json::parse(output_of({"conflicts", "list", "--format", "json"}, 0));
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["kind"], "ambiguous");
  const std::string id = std::to_string(items[0]["id"].get<int64_t>());
  output_of({"conflicts", "resolve", id, "--take", "target", "--key", "uid=nobody," + people_}, 2);
  output_of({"conflicts", "resolve", id, "--take", "target", "--key", "uid=dup-b," + people_}, 0);
  // The daemon applies what is left in its outbox when it starts: only the resolution.
  start_daemon();
  ASSERT_TRUE(eventually([&] { return has("u2", "employeeNumber", {"E2"}); }));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  EXPECT_FALSE(entry("dup-b"));
  EXPECT_TRUE(entry("dup-a"));  // not ours: left alone
  const json rows = json::parse(output_of({"audit", "--format", "json", "--user", "u2"}, 0));
  ASSERT_EQ(rows.size(), 1u) << rows.dump(2);
  EXPECT_EQ(rows[0]["action"], "rename") << rows.dump(2);
  EXPECT_EQ(rows[0]["previous_key"], "uid=dup-b," + people_) << rows.dump(2);
  EXPECT_EQ(rows[0]["source"], "conflicts resolve #" + id + " --take target");

  // Everything in line: the next plan changes nothing.
  report = json::parse(output_of({"plan", "--format", "json"}, 0));
  const json& counts = report["targets"][0]["counts"];
  EXPECT_EQ(counts["no-op"], 3) << report.dump(2);
  EXPECT_EQ(counts["create"], 0);
  EXPECT_EQ(counts["update"], 0);
  EXPECT_EQ(counts["review"], 0);
}

}  // namespace

namespace {

// The dry run shows what will happen to group entries, and apply does exactly that.
TEST_F(Daemon, PlanShowsGroupEntryChangesAndApplyMakesThem) {
  const std::string groups = "ou=groups," + slapd_->base_dn();
  const auto ldap = [&](const std::string& tool, const std::string& ldif) {
    std::string cmd = "printf '" + ldif + "' | LDAPNOINIT=1 " + tool + " -x -H " + slapd_->url() + " -D '" +
                      slapd_->bind_dn() + "' -y " + (slapd_->dir() / "password").string() + " >/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;
  };
  // Group entries an earlier test left.
  idb::test::ldap_delete_all(*slapd_, slapd_->base_dn(), "(objectClass=groupOfNames)");
  edit_mapping("      o: {value: Example Org}\n",
               "      o: {value: Example Org}\n    groups:\n      dn: \"cn={displayName}," + groups + "\"\n");
  const auto members_of = [&](const std::string& cn) {
    const auto e = idb::test::ldap_entry(*slapd_, "cn=" + cn + "," + groups);
    auto values = e && e->count("member") ? e->at("member") : idb::mapping::Values{};
    std::sort(values.begin(), values.end());
    return values;
  };
  const std::string ada = "uid=ada.lovelace," + people_, grace = "uid=grace.hopper," + people_,
                    alan = "uid=alan.turing," + people_;
  start_daemon();
  std::map<std::string, std::string> ids;
  for (const char* name : {"ada.lovelace", "grace.hopper", "alan.turing"}) ids[name] = create(sample_user(name));
  ASSERT_TRUE(eventually([&] { return people_count() == 3; }));
  const auto post_group = [&](const json& group) {
    auto res = client_->Post("/scim/v2/Groups", group.dump(), "application/scim+json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 201) << res->body;
    return json::parse(res->body).value("id", "");
  };
  const std::string admins_id = post_group(
      {{"displayName", "Admins"}, {"members", {{{"value", ids["ada.lovelace"]}}, {{"value", ids["grace.hopper"]}}}}});
  const std::string staff = post_group({{"displayName", "Staff"}, {"members", {{{"value", ids["alan.turing"]}}}}});
  ASSERT_TRUE(eventually([&] { return members_of("Admins").size() == 2 && members_of("Staff").size() == 1; }))
      << idb::test::read_file(log_);
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);

  // Drift on both sides: while the directory is down (so only the plan
  // decides) Staff is renamed at the source and a new user joins Admins; then
  // grace is taken out of Admins by hand.
  slapd_->stop();
  start_daemon();
  const auto patch = [&](const std::string& group, const json& operation) {
    const json body = {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}}, {"Operations", {operation}}};
    auto res = client_->Patch("/scim/v2/Groups/" + group, body.dump(), "application/scim+json");
    ASSERT_TRUE(res);
    ASSERT_TRUE(res->status == 200 || res->status == 204) << res->body;
  };
  patch(staff, {{"op", "replace"}, {"path", "displayName"}, {"value", "Operators"}});
  const std::string li = "uid=li.wei," + people_;
  patch(admins_id, {{"op", "add"}, {"path", "members"}, {"value", {{{"value", create(sample_user("li.wei"))}}}}});
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  slapd_->restart();
  ldap("ldapmodify", "dn: cn=Admins," + groups + "\\nchangetype: modify\\ndelete: member\\nmember: " + grace + "\\n");
  ASSERT_EQ(members_of("Admins"), idb::mapping::Values{ada});

  const std::string saved = (dir_ / "plan.json").string();
  const json report = json::parse(output_of({"plan", "--format", "json", "--save", saved}, 0));
  const json& target = report["targets"][0];
  EXPECT_EQ(target["group_counts"],
            json({{"create", 0}, {"update", 1}, {"rename", 1}, {"delete", 0}, {"no-op", 0}, {"error", 0}}))
      << target.dump(2);
  ASSERT_EQ(target["groups"].size(), 2u) << target.dump(2);
  const json& admins = target["groups"][0];
  EXPECT_EQ(admins["key"], "cn=Admins," + groups);
  EXPECT_EQ(admins["action"], "update");
  // li's account is created by the same plan, before the groups, as the daemon does it.
  EXPECT_EQ(admins["members_added"], json({grace, li}));
  EXPECT_EQ(admins["members_removed"], json::array());
  const json& operators = target["groups"][1];
  EXPECT_EQ(operators["name"], "Operators");
  EXPECT_EQ(operators["key"], "cn=Staff," + groups + " -> cn=Operators," + groups);
  EXPECT_EQ(operators["action"], "rename");
  EXPECT_EQ(operators["operations"][0]["kind"], "rename");
  EXPECT_EQ(target["counts"]["no-op"], 3) << "the users are in line";
  EXPECT_EQ(target["counts"]["create"], 1);
  EXPECT_EQ(json::parse(idb::test::read_file(saved))["targets"][0]["groups"], target["groups"]);
  // Nothing was applied by the dry run.
  EXPECT_EQ(members_of("Admins"), idb::mapping::Values{ada});
  EXPECT_TRUE(idb::test::ldap_entry(*slapd_, "cn=Staff," + groups));

  const std::string applied = output_of({"apply", saved}, 0);
  EXPECT_NE(applied.find("[ldap] group update cn=Admins," + groups + " (group Admins): applied"), std::string::npos)
      << applied;
  EXPECT_NE(applied.find("apply: 3 applied, 0 refused, 0 failed"), std::string::npos) << applied;
  EXPECT_EQ(members_of("Admins"), (idb::mapping::Values{ada, grace, li}));
  EXPECT_FALSE(idb::test::ldap_entry(*slapd_, "cn=Staff," + groups)) << "no stale group left granting access";
  EXPECT_EQ(members_of("Operators"), idb::mapping::Values{alan});
  // The audit log tells a group entry's life under the group's id: made by the daemon, renamed by the plan.
  const json told = json::parse(output_of({"audit", "--format", "json", "--user", staff}, 0));
  ASSERT_EQ(told.size(), 2u) << told.dump(2);
  EXPECT_EQ(told[0]["action"], "group create");
  EXPECT_EQ(told[0]["source"], "group sync");
  EXPECT_EQ(told[1]["action"], "group rename");
  EXPECT_EQ(told[1]["user_name"], "Operators");
  EXPECT_EQ(told[1]["previous_key"], "cn=Staff," + groups);
  EXPECT_EQ(told[1]["key"], "cn=Operators," + groups);
  EXPECT_EQ(told[1]["source"], "apply " + saved);

  // In line now: the next plan has no group change.
  const json again = json::parse(output_of({"plan", "--format", "json"}, 0));
  EXPECT_EQ(again["targets"][0]["group_counts"]["no-op"], 2) << again.dump(2);
  EXPECT_EQ(again["targets"][0]["group_counts"]["update"], 0);
  EXPECT_EQ(again["targets"][0]["group_counts"]["rename"], 0);

  // A reviewed plan whose entry moved again before apply is refused, not applied blindly.
  ldap("ldapmodify", "dn: cn=Admins," + groups + "\\nchangetype: modify\\ndelete: member\\nmember: " + grace + "\\n");
  output_of({"plan", "--format", "json", "--save", saved}, 0);
  ldap("ldapmodify", "dn: cn=Admins," + groups + "\\nchangetype: modify\\nadd: member\\nmember: " + alan + "\\n");
  const std::string refused = output_of({"apply", saved}, 3);
  EXPECT_NE(refused.find("(group Admins): refused, the group, its members' accounts or its entry changed since the plan was made"),
            std::string::npos)
      << refused;
  EXPECT_EQ(members_of("Admins"), (idb::mapping::Values{ada, alan, li}));
}

}  // namespace
