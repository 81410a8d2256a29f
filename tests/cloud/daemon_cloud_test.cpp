// The real `idbridge` binary against the local SenseCore and Huawei Workspace
// servers: users pushed over SCIM meet accounts made before idbridge (one to
// correlate by email, one already at its key but drifted), the saved JSON
// plan says what will happen, `apply` does it, and the next plan is all no-op.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <regex>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "connectors/sensecore/sensecore_connector.h"
#include "tests/cloud/servers/example_servers.h"
#include "tests/cloud/servers/huawei_server.h"
#include "tests/cloud/servers/sensecore_server.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace idb::test::cloud {
namespace {

constexpr const char* kToken = "scim-token-cloud-e2e-3d9a";
constexpr const char* kSenseCoreSecret = "sc-e2e-secret-81f2";
constexpr const char* kHuaweiSecret = "hw-e2e-secret-c07e";
constexpr const char* kProject = "0bec5db98280d2d02fd6c00c2de791ce";
// The attributes a SenseCore mapping needs to create a user (the last lines of a mapping file).
constexpr const char* kSenseCoreAttributes = R"(    attributes:
      name: ["{name.givenName} {name.familyName}", displayName, userName]
      email: 'emails[type eq "work"].value'
      open_api_state: {value: disabled}
      mfa_state: {value: disabled}
      set_password_first_login: {value: "true"}
)";

SenseCoreServerOptions sensecore_options() {
  SenseCoreServerOptions o;
  o.access_key_id = "SCAK";
  o.access_key_secret = kSenseCoreSecret;
  return o;
}

HuaweiServerOptions huawei_options() {
  HuaweiServerOptions o;
  o.access_key_id = "HWAK";
  o.access_key_secret = kHuaweiSecret;
  o.project_id = kProject;
  return o;
}

// What every test here does with the real binary: a state directory and log
// of its own, runs of one-shot commands, a daemon to push users to over SCIM,
// and reading the JSON plan. A fixture says what its config holds (configure).
class DaemonRun : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("idb-cloud-daemon-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    log_ = dir_ / "idbridge.log";
  }

  void TearDown() override {
    daemon_.reset();
    const std::string log = read_file(log_);
    for (const auto& secret : secrets()) EXPECT_EQ(log.find(secret), std::string::npos);
    if (HasFailure()) std::cerr << "--- idbridge log ---\n" << log;
    fs::remove_all(dir_);
  }

  // The config, with every target at its server, or (reachable false) at an address nobody listens on.
  virtual void configure(bool reachable) = 0;
  virtual std::map<std::string, std::string> env() const = 0;
  // What must never reach the log.
  virtual std::vector<std::string> secrets() const = 0;

  fs::path config_file() const { return dir_ / "idbridge.yaml"; }

  // Runs idbridge with `args` and the config; its exit status. `out`: where
  // its output goes (the log when empty).
  int run(std::vector<std::string> args, const fs::path& out = {}) {
    args.insert(args.begin(), IDBRIDGE_BINARY);
    args.insert(args.end(), {"--config", config_file().string()});
    return Process(args, env(), out.empty() ? log_ : out).wait();
  }

  // Starts `idbridge serve` with the config as it is, and a SCIM client for it.
  void serve() {
    const int port = free_port();
    daemon_ = std::make_unique<Process>(std::vector<std::string>{IDBRIDGE_BINARY, "serve", "--config",
                                                                 config_file().string(), "--listen",
                                                                 "127.0.0.1:" + std::to_string(port)},
                                        env(), log_);
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port);
    client_->set_bearer_token_auth(kToken);
    ASSERT_TRUE(eventually([&] {
      auto res = client_->Get("/healthz");
      return res && res->status == 200;
    }));
  }

  // Pushes a sample user over SCIM; its id.
  std::string push(const std::string& name) {
    std::ifstream in(fs::path(IDB_SOURCE_DIR) / "examples" / "users" / (name + ".json"));
    auto res = client_->Post("/scim/v2/Users", json::parse(in).dump(), "application/scim+json");
    EXPECT_TRUE(res);
    EXPECT_EQ(res->status, 201) << res->body;
    return json::parse(res->body).value("id", "");
  }

  // Pushes users to a daemon whose targets are unreachable, so only the plan
  // and apply that follow ever touch the cloud servers.
  void push_while_unreachable(const std::vector<std::string>& names) {
    configure(false);
    serve();
    for (const auto& name : names) push(name);
    EXPECT_EQ(daemon_->stop(SIGTERM), 0);
    configure(true);
  }

  // `plan --format json` as it stands now; `status`: the exit status it must
  // have (3 while something needs attention, such as an open review).
  json plan_now(int status = 0) {
    const fs::path report = dir_ / "report.json";
    EXPECT_EQ(run({"plan", "--format", "json", "--output", report.string()}), status);
    return json::parse(read_file(report));
  }

  // The plan's entry for each user on `target`, by SCIM userName.
  static std::map<std::string, json> users_on(const json& report, const std::string& target) {
    std::map<std::string, json> out;
    for (const auto& t : report["targets"]) {
      if (t["name"] != target) continue;
      for (const auto& u : t["users"]) out[u["user_name"]] = u;
    }
    return out;
  }

  static json counts_on(const json& report, const std::string& target) {
    for (const auto& t : report["targets"]) {
      if (t["name"] == target) return t["counts"];
    }
    return {};
  }

  fs::path dir_, log_;
  std::unique_ptr<Process> daemon_;
  std::unique_ptr<httplib::Client> client_;
};

class CloudDaemon : public DaemonRun {
 protected:
  void SetUp() override {
    DaemonRun::SetUp();
    sensecore_.start();
    huawei_.start();
    std::ofstream(dir_ / "mapping.yaml") << R"(targets:
  workspace:
    key: "{externalId}"
    attributes:
      user_email: 'emails[type eq "work"].value'
      description: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department
  sensecore:
    key: "{userName}"
    correlate: [email]
)" << kSenseCoreAttributes;
  }

  // The config with both targets at these base URLs; `extra` is added to each target.
  void write_config(const std::string& workspace_url, const std::string& sensecore_url, const std::string& extra = "") {
    std::ofstream(config_file()) << "listen: 127.0.0.1:8080\n"
                                    "state_dir: " << (dir_ / "state").string() << "\n"
                                    "scim:\n  tokens:\n    - ${env:IDBRIDGE_SCIM_TOKEN}\n"
                                    "mapping: " << (dir_ / "mapping.yaml").string() << "\n"
                                    "retry:\n  initial_ms: 100\n  max_ms: 400\n"
                                    "targets:\n"
                                    "  - name: workspace\n"
                                    "    type: huawei\n"
                                    "    base_url: " << workspace_url << "\n"
                                    "    project_id: " << kProject << "\n"
                                    "    rate_limit: 0\n"
                                    "    access_key_id: HWAK\n"
                                    "    access_key_secret: ${env:HW_SECRET}\n"
                                 << extra <<
                                    "  - name: sensecore\n"
                                    "    type: sensecore\n"
                                    "    base_url: " << sensecore_url << "\n"
                                    "    rate_limit: 0\n"
                                    "    access_key_id: SCAK\n"
                                    "    access_key_secret: ${env:SC_SECRET}\n"
                                 << extra;
  }

  void configure(bool reachable) override {
    const std::string nowhere = "http://127.0.0.1:" + std::to_string(free_port());
    if (reachable) {
      write_config(huawei_.base_url(), sensecore_.base_url());
    } else {
      write_config(nowhere, nowhere);
    }
  }

  std::map<std::string, std::string> env() const override {
    return {{"IDBRIDGE_SCIM_TOKEN", kToken}, {"HW_SECRET", kHuaweiSecret}, {"SC_SECRET", kSenseCoreSecret}};
  }
  std::vector<std::string> secrets() const override { return {kToken, kSenseCoreSecret, kHuaweiSecret}; }

  SenseCoreServer sensecore_{sensecore_options()};
  HuaweiServer huawei_{huawei_options()};
};

TEST_F(CloudDaemon, PreExistingAccountsAreLinkedPlannedAppliedAndThenInLine) {
  // Made before idbridge: li.wei's SenseCore account under another username
  // (found by email), and his Workspace account at his key with a stale description.
  sensecore_.seed({{"username", "lw"},
                   {"name", "Old Name"},
                   {"email", "li.wei@example.org"},
                   {"console_state", "enabled"},
                   {"open_api_state", "disabled"},
                   {"mfa_state", "disabled"},
                   {"set_password_first_login", "true"}});
  huawei_.seed({{"user_name", "E1005"}, {"user_email", "li.wei@example.org"}, {"description", "old department"}});
  push_while_unreachable({"li.wei", "grace.hopper"});
  EXPECT_EQ(sensecore_.http().requests(), 0);
  EXPECT_EQ(huawei_.http().requests(), 0);

  const std::string plan_file = (dir_ / "plan.json").string(), report_file = (dir_ / "report.json").string();
  ASSERT_EQ(run({"plan", "--format", "json", "--output", report_file, "--save", plan_file}), 0);
  const json report = json::parse(read_file(report_file));
  auto sensecore = users_on(report, "sensecore");
  EXPECT_EQ(sensecore["li.wei"]["action"], "update") << report.dump(2);
  EXPECT_EQ(sensecore["li.wei"]["correlation"], "linked by email=li.wei@example.org to lw");
  EXPECT_EQ(sensecore["li.wei"]["key"], "lw -> li.wei");
  EXPECT_EQ(sensecore["li.wei"]["operations"][0]["kind"], "rename");
  EXPECT_EQ(sensecore["grace.hopper"]["action"], "create");
  auto workspace = users_on(report, "workspace");
  EXPECT_EQ(workspace["li.wei"]["action"], "update");
  EXPECT_EQ(workspace["grace.hopper"]["action"], "create");
  // A plan applies nothing.
  EXPECT_EQ(sensecore_.by_username("lw").value()["name"], "Old Name");
  EXPECT_EQ(huawei_.user_count(), 1u);

  ASSERT_EQ(run({"apply", plan_file}), 0);
  EXPECT_FALSE(sensecore_.by_username("lw"));
  const auto li = sensecore_.by_username("li.wei");
  ASSERT_TRUE(li);
  EXPECT_EQ((*li)["name"], "伟 李");
  EXPECT_TRUE(sensecore_.by_username("grace.hopper"));
  EXPECT_EQ(sensecore_.user_count(), 2u);  // linked and renamed, not created again
  EXPECT_EQ(huawei_.by_name("E1005").value()["description"], "研发部");
  EXPECT_TRUE(huawei_.by_name("E1002"));
  EXPECT_EQ(huawei_.user_count(), 2u);

  // In line: the next plan changes nothing, and finds every account by its
  // link, without listing either API.
  const int sensecore_lists = sensecore_.http().requests("GET", "/iam/idp/v1/users");
  const int workspace_lists = huawei_.http().requests("GET", std::string("/v2/") + kProject + "/users");
  ASSERT_EQ(run({"plan", "--format", "json", "--output", report_file}), 0);
  const json again = json::parse(read_file(report_file));
  for (const char* target : {"sensecore", "workspace"}) {
    const json counts = counts_on(again, target);
    EXPECT_EQ(counts["no-op"], 2) << target << again.dump(2);
    EXPECT_EQ(counts["create"], 0) << target;
    EXPECT_EQ(counts["update"], 0) << target;
  }
  EXPECT_EQ(sensecore_.http().requests("GET", "/iam/idp/v1/users"), sensecore_lists);
  EXPECT_EQ(huawei_.http().requests("GET", std::string("/v2/") + kProject + "/users"), workspace_lists);
}

// Issue 7: the baseline keeps the version each write answered with, so the
// next plan tells an account nobody touched since (unchanged) from one edited
// on the target (changed, both versions shown). Workspace gives no version.
TEST_F(CloudDaemon, ThePlanTellsWhetherTheTargetWroteTheAccountSinceOurWrite) {
  push_while_unreachable({"grace.hopper"});
  const std::string plan_file = (dir_ / "plan.json").string(), report_file = (dir_ / "report.json").string();
  ASSERT_EQ(run({"plan", "--save", plan_file}), 0);
  ASSERT_EQ(run({"apply", plan_file}), 0);
  const std::string written = sensecore_.by_username("grace.hopper").value()["update_time"];

  ASSERT_EQ(run({"plan", "--format", "json", "--output", report_file}), 0);
  json report = json::parse(read_file(report_file));
  EXPECT_EQ(users_on(report, "sensecore")["grace.hopper"]["since_written"], "unchanged") << report.dump(2);
  EXPECT_EQ(users_on(report, "workspace")["grace.hopper"]["since_written"], "unknown");

  // An administrator edits the account (another API client, as the console is).
  config::SenseCoreTarget console;
  console.http.base_url = sensecore_.base_url();
  console.http.rate_limit = 0;
  console.access_key_id = "SCAK";
  console.access_key_secret = {"", kSenseCoreSecret};
  ASSERT_TRUE(connectors::sensecore::SenseCoreConnector("console", console)
                  .apply({reconcile::Operation::Kind::modify, "grace.hopper", {}, {},
                          {{"name", reconcile::ChangeKind::replace, {"Amazing Grace"}}}})
                  .ok());
  const std::string edited = sensecore_.by_username("grace.hopper").value()["update_time"];
  ASSERT_NE(edited, written);

  ASSERT_EQ(run({"plan", "--format", "json", "--output", report_file}), 0);
  report = json::parse(read_file(report_file));
  json grace = users_on(report, "sensecore")["grace.hopper"];
  EXPECT_EQ(grace["since_written"], "changed") << report.dump(2);
  EXPECT_EQ(grace["target_version"]["written"], written);
  EXPECT_EQ(grace["target_version"]["observed"], edited);
  EXPECT_EQ(grace["action"], "update");
}

TEST_F(CloudDaemon, ADeletedUsersAccountsAreDeletedWhenThePolicySaysSo) {
  write_config(huawei_.base_url(), sensecore_.base_url(), "    delete:\n      policy: after_delete\n      grace_days: 0\n");
  serve();
  const std::string li = push("li.wei");
  push("grace.hopper");
  ASSERT_TRUE(eventually([&] { return sensecore_.by_username("li.wei") && huawei_.by_name("E1005"); }));
  ASSERT_EQ(client_->Delete("/scim/v2/Users/" + li)->status, 204);
  // Disabled, then (no grace period) deleted, in both APIs.
  EXPECT_TRUE(eventually([&] { return !sensecore_.by_username("li.wei") && !huawei_.by_name("E1005"); }));
  EXPECT_TRUE(sensecore_.by_username("grace.hopper"));
  EXPECT_TRUE(huawei_.by_name("E1002"));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
}

// examples/cloud.yaml against all five local servers, with a mapping that
// correlates on Authing, PDS, EIAM and Workspace (issue 7): "by the mapping's
// correlation keys in order; exactly one match -> link (reported); several
// -> conflict for review; none -> create".
class CloudCorrelation : public DaemonRun {
 protected:
  void SetUp() override {
    DaemonRun::SetUp();
    std::string config = read_file(fs::path(IDB_SOURCE_DIR) / "examples" / "cloud.yaml");
    config = std::regex_replace(config, std::regex("state_dir: .*"), "state_dir: " + (dir_ / "state").string());
    config = std::regex_replace(config, std::regex("mapping: .*"), "mapping: " + (dir_ / "mapping.yaml").string());
    std::ofstream(config_file()) << config;
    std::ofstream(dir_ / "mapping.yaml") << R"(targets:
  authing:
    key: "{externalId}"
    correlate: [email, username]
    attributes:
      username: userName
      name: ["{name.givenName} {name.familyName}", displayName, userName]
      email: 'emails[type eq "work"].value'
  pds:
    key: "{externalId}"
    correlate: [email]
    attributes:
      user_name: {from: userName, authoritative: create_only}   # PDS cannot change it
      nick_name: [displayName, "{name.givenName} {name.familyName}", userName]
      email: 'emails[type eq "work"].value'
  eiam:
    key: "{externalId}"
    correlate: [Email, Username]
    attributes:
      Username: userName
      DisplayName: [displayName, "{name.givenName} {name.familyName}", userName]
      Email: 'emails[type eq "work"].value'
  workspace:
    key: "{externalId}"
    correlate: [description]
    attributes:
      user_email: 'emails[type eq "work"].value'
      description: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber
  sensecore:
    key: "{userName}"
)" << kSenseCoreAttributes;
  }

  void configure(bool reachable) override { reachable_ = reachable; }

  std::map<std::string, std::string> env() const override {
    const std::string nowhere = "http://127.0.0.1:" + std::to_string(unreachable_port_);
    auto out = example_environment(reachable_ ? servers_.urls() : ExampleUrls{nowhere, nowhere, nowhere, nowhere, nowhere});
    out["IDBRIDGE_SCIM_TOKEN"] = kToken;
    return out;
  }
  std::vector<std::string> secrets() const override {
    std::vector<std::string> out{kToken};
    for (const auto& [name, value] : example_environment(servers_.urls())) {
      if (name.ends_with("_SECRET")) out.push_back(value);
    }
    return out;
  }

  // The review queue as `conflicts list --format json` prints it.
  json reviews() {
    const fs::path out = dir_ / "conflicts.json";
    fs::remove(out);
    EXPECT_EQ(run({"conflicts", "list", "--format", "json"}, out), 0);
    return json::parse(read_file(out));
  }

  ExampleServers servers_;
  bool reachable_ = true;
  int unreachable_port_ = free_port();
};

TEST_F(CloudCorrelation, OneMatchIsLinkedSeveralGoToReviewNoneIsCreated) {
  // Made before idbridge, each under its own key: li.wei's accounts, found by
  // email; Authing's made in the console has no externalId at all.
  servers_.authing.seed({{"userId", "62b1c0ffee"}, {"username", "lw"}, {"email", "li.wei@example.org"}, {"name", "Old"}});
  servers_.pds.seed({{"user_id", "console-lw"}, {"user_name", "li.wei"}, {"email", "li.wei@example.org"}, {"nick_name", "Old"},
                     {"status", "enabled"}});
  servers_.eiam.seed({{"UserId", "user_c1"}, {"UserExternalId", "user_c1"}, {"Username", "li.wei"},
                      {"Email", "li.wei@example.org"}, {"DisplayName", "Old"}});
  servers_.huawei.seed({{"user_name", "lw_old"}, {"description", "E1005"}});
  // Two accounts with grace.hopper's email on PDS and on EIAM: a person decides.
  for (const char* id : {"grace-a", "grace-b"}) {
    servers_.pds.seed({{"user_id", id}, {"user_name", id}, {"email", "grace.hopper@example.org"}, {"status", "enabled"}});
    servers_.eiam.seed({{"UserExternalId", id}, {"Username", id}, {"Email", "grace.hopper@example.org"}});
  }
  push_while_unreachable({"li.wei", "grace.hopper"});

  json plan = plan_now(3);  // the ambiguous ones need a person
  auto authing = users_on(plan, "authing");
  EXPECT_EQ(authing["li.wei"]["correlation"], "linked by email=li.wei@example.org to user_id:62b1c0ffee") << plan.dump(2);
  EXPECT_EQ(authing["li.wei"]["key"], "user_id:62b1c0ffee -> E1005");
  EXPECT_EQ(authing["li.wei"]["operations"][0]["kind"], "rename");
  EXPECT_EQ(authing["grace.hopper"]["action"], "create");  // none matched
  auto pds = users_on(plan, "pds");
  EXPECT_EQ(pds["li.wei"]["correlation"], "linked by email=li.wei@example.org to console-lw");
  EXPECT_EQ(pds["li.wei"]["key"], "console-lw -> E1005");
  EXPECT_EQ(pds["grace.hopper"]["correlation"], "ambiguous: 2 accounts match email=grace.hopper@example.org");
  auto eiam = users_on(plan, "eiam");
  EXPECT_EQ(eiam["li.wei"]["correlation"], "linked by Email=li.wei@example.org to user_c1");
  EXPECT_EQ(eiam["grace.hopper"]["correlation"], "ambiguous: 2 accounts match Email=grace.hopper@example.org");
  auto workspace = users_on(plan, "workspace");
  EXPECT_EQ(workspace["li.wei"]["correlation"], "linked by description=E1005 to lw_old");
  EXPECT_EQ(workspace["grace.hopper"]["action"], "create");

  ASSERT_EQ(run({"sync", "--once"}), 0);
  // Linked and brought in line, not created again.
  EXPECT_EQ(servers_.authing.find("userId", "62b1c0ffee").value()["externalId"], "E1005");
  EXPECT_EQ(servers_.authing.find("userId", "62b1c0ffee").value()["name"], "伟 李");
  EXPECT_EQ(servers_.authing.user_count(), 2u);  // and grace created
  EXPECT_EQ(servers_.pds.user("console-lw").value()["nick_name"], "伟 李");
  EXPECT_FALSE(servers_.pds.user("E1005"));
  EXPECT_EQ(servers_.pds.user_count(), 3u);
  EXPECT_EQ(servers_.eiam.by_external_id("user_c1").value()["DisplayName"], "伟 李");
  EXPECT_FALSE(servers_.eiam.by_external_id("E1005"));
  EXPECT_EQ(servers_.eiam.user_count(), 3u);
  EXPECT_EQ(servers_.huawei.by_name("lw_old").value()["user_email"], "li.wei@example.org");
  EXPECT_FALSE(servers_.huawei.by_name("E1005"));
  EXPECT_EQ(servers_.huawei.user_count(), 2u);
  std::map<std::string, json> open;
  for (const auto& item : reviews()) open[item["target"]] = item;
  ASSERT_EQ(open.size(), 2u) << reviews().dump(2);
  for (const char* target : {"pds", "eiam"}) {
    EXPECT_EQ(open[target]["kind"], "ambiguous");
    EXPECT_EQ(open[target]["user_name"], "grace.hopper");
    EXPECT_EQ(open[target]["observed"], json({"grace-a", "grace-b"}));
  }

  // In line: li.wei needs nothing anywhere.
  plan = plan_now(3);  // grace.hopper's reviews are still open
  for (const char* target : {"authing", "pds", "eiam", "workspace"}) {
    const json li = users_on(plan, target)["li.wei"];
    EXPECT_EQ(li["action"], "no-op") << target << plan.dump(2);
    EXPECT_EQ(li["key"], "E1005") << target;
    EXPECT_FALSE(li.contains("correlation")) << target;
  }

  // The person picks grace-b on PDS: linked to it, then written, and in line.
  const std::string id = std::to_string(open["pds"]["id"].get<int64_t>());
  ASSERT_EQ(run({"conflicts", "resolve", id, "--take", "target", "--key", "grace-b"}), 0);
  ASSERT_EQ(run({"sync", "--once"}), 0);
  EXPECT_EQ(servers_.pds.user("grace-b").value()["nick_name"], "Grace Hopper");
  EXPECT_FALSE(servers_.pds.user("E1002"));
  EXPECT_EQ(users_on(plan_now(3), "pds")["grace.hopper"]["action"], "no-op");  // EIAM's review stays open
}

// Issue 7's lifecycle on the cloud APIs: a user leaving a target's scope has
// the account there disabled (each API's own disable field), not left live;
// the other target, which has no scope, keeps managing it.
TEST_F(CloudDaemon, AUserWhoLeavesATargetsScopeHasTheAccountThereDisabled) {
  std::string mapping = read_file(dir_ / "mapping.yaml");
  mapping.replace(mapping.find("  sensecore:\n"), 13, "  sensecore:\n    scope: 'userType eq \"Employee\"'\n");
  std::ofstream(dir_ / "mapping.yaml") << mapping;
  write_config(huawei_.base_url(), sensecore_.base_url());
  serve();
  std::ifstream in(fs::path(IDB_SOURCE_DIR) / "examples/users/li.wei.json");
  json li = json::parse(in);
  li["userType"] = "Employee";
  auto res = client_->Post("/scim/v2/Users", li.dump(), "application/scim+json");
  ASSERT_TRUE(res && res->status == 201);
  const std::string id = json::parse(res->body)["id"];
  ASSERT_TRUE(eventually([&] { return sensecore_.by_username("li.wei") && huawei_.by_name("E1005"); }));
  EXPECT_EQ((*sensecore_.by_username("li.wei"))["console_state"], "enabled");

  li["userType"] = "Contractor";
  res = client_->Put("/scim/v2/Users/" + id, li.dump(), "application/scim+json");
  ASSERT_TRUE(res && res->status == 200);
  EXPECT_TRUE(eventually([&] { return (*sensecore_.by_username("li.wei"))["console_state"] == "disabled"; }));
  EXPECT_EQ((*huawei_.by_name("E1005"))["disabled"], false) << "in the workspace target's scope still";
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
  // Nothing left to do on either target.
  const json report = plan_now();
  EXPECT_EQ(counts_on(report, "sensecore")["no-op"], 1) << report.dump(2);
  EXPECT_EQ(counts_on(report, "workspace")["no-op"], 1) << report.dump(2);
}

}  // namespace
}  // namespace idb::test::cloud
