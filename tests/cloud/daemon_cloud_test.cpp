// The real `idbridge` binary against the local SenseCore and Huawei Workspace
// servers: users pushed over SCIM meet accounts made before idbridge (one to
// correlate by email, one already at its key but drifted), the saved JSON
// plan says what will happen, `apply` does it, and the next plan is all no-op.
#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <memory>

#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include "connectors/sensecore/sensecore_connector.h"
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

class CloudDaemon : public ::testing::Test {
 protected:
  void SetUp() override {
    sensecore_.start();
    huawei_.start();
    dir_ = fs::temp_directory_path() / ("idb-cloud-daemon-" + std::to_string(::getpid()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    log_ = dir_ / "idbridge.log";
    std::ofstream(dir_ / "mapping.yaml") << R"(targets:
  workspace:
    key: "{externalId}"
    attributes:
      user_email: 'emails[type eq "work"].value'
      description: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department
  sensecore:
    key: "{userName}"
    correlate: [email]
    attributes:
      name: ["{name.givenName} {name.familyName}", displayName, userName]
      email: 'emails[type eq "work"].value'
      open_api_state: {value: disabled}
      mfa_state: {value: disabled}
      set_password_first_login: {value: "true"}
)";
  }

  void TearDown() override {
    daemon_.reset();
    const std::string log = read_file(log_);
    for (const char* secret : {kToken, kSenseCoreSecret, kHuaweiSecret}) EXPECT_EQ(log.find(secret), std::string::npos);
    if (HasFailure()) std::cerr << "--- idbridge log ---\n" << log;
    fs::remove_all(dir_);
  }

  // The config with both targets at these base URLs; `extra` is added to each target.
  void write_config(const std::string& workspace_url, const std::string& sensecore_url, const std::string& extra = "") {
    std::ofstream(dir_ / "idbridge.yaml") << "listen: 127.0.0.1:8080\n"
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

  std::map<std::string, std::string> env() const {
    return {{"IDBRIDGE_SCIM_TOKEN", kToken}, {"HW_SECRET", kHuaweiSecret}, {"SC_SECRET", kSenseCoreSecret}};
  }

  // Runs idbridge with `args` and the config; its exit status.
  int run(std::vector<std::string> args) {
    args.insert(args.begin(), IDBRIDGE_BINARY);
    args.insert(args.end(), {"--config", (dir_ / "idbridge.yaml").string()});
    return Process(args, env(), log_).wait();
  }

  // Starts `idbridge serve` with the config as it is, and a SCIM client for it.
  void serve() {
    const int port = free_port();
    daemon_ = std::make_unique<Process>(std::vector<std::string>{IDBRIDGE_BINARY, "serve", "--config",
                                                                 (dir_ / "idbridge.yaml").string(), "--listen",
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
    const std::string nowhere = "http://127.0.0.1:" + std::to_string(free_port());
    write_config(nowhere, nowhere);
    serve();
    for (const auto& name : names) push(name);
    EXPECT_EQ(daemon_->stop(SIGTERM), 0);
    write_config(huawei_.base_url(), sensecore_.base_url());
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

  SenseCoreServer sensecore_{sensecore_options()};
  HuaweiServer huawei_{huawei_options()};
  fs::path dir_, log_;
  std::unique_ptr<Process> daemon_;
  std::unique_ptr<httplib::Client> client_;
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

}  // namespace
}  // namespace idb::test::cloud
