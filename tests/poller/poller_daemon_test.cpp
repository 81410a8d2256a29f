// The real `idbridge` polling the reference SCIM server into a real slapd:
// `sync --once` polls before it pushes, `serve` polls on the source's interval.
#include <signal.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "tests/poller/ref_server.h"
#include "tests/support/process.h"
#include "tests/support/slapd_suite.h"

namespace {

namespace fs = std::filesystem;
using idb::test::Process;
using idb::test::RefServer;

constexpr const char* kScimToken = "scim-token-4b1d-never-logged";

using idb::test::eventually;

class PollerDaemon : public idb::test::SlapdSuite<PollerDaemon> {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("idb-poller-daemon-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    log_ = dir_ / "idbridge.log";
    idb::test::ldap_delete_all(*slapd_, people(), "(uid=*)");
  }

  void TearDown() override {
    daemon_.reset();
    const std::string log = idb::test::read_file(log_);
    for (const std::string secret : {std::string(RefServer::kToken), std::string(kScimToken), slapd_->password()}) {
      EXPECT_EQ(log.find(secret), std::string::npos) << "a secret reached the log";
    }
    if (HasFailure()) std::cerr << "--- idbridge log ---\n" << log;
    ref_.reset();
    fs::remove_all(dir_);
  }

  void write_config(const std::string& source_url) {
    std::ofstream(dir_ / "idbridge.yaml")
        << "scim: {tokens: ['${env:IDBRIDGE_SCIM_TOKEN}']}\n"
        << "mapping: " << (fs::path(IDB_SOURCE_DIR) / "examples/mappings/quickstart.yaml").string() << "\n"
        << "retry: {initial_ms: 100, max_ms: 400}\n"
        << "targets:\n"
        << "  - {name: ldap, type: ldap, url: '${env:IDBRIDGE_LDAP_URL}', bind_dn: '" << slapd_->bind_dn()
        << "', bind_password: '${env:IDBRIDGE_LDAP_PASSWORD}', base_dn: '" << slapd_->base_dn() << "'}\n"
        << "sources:\n"
        << "  - {name: hr, type: scim, base_url: '" << source_url
        << "', auth: {bearer: '${env:HR_SCIM_TOKEN}'}, interval: 1s, page_size: 2}\n";
  }

  std::map<std::string, std::string> env() const {
    return {{"IDBRIDGE_SCIM_TOKEN", kScimToken},
            {"IDBRIDGE_LDAP_URL", slapd_->url()},
            {"IDBRIDGE_LDAP_PASSWORD", slapd_->password()},
            {"HR_SCIM_TOKEN", RefServer::kToken}};
  }
  std::vector<std::string> args(const std::vector<std::string>& command) const {
    std::vector<std::string> argv{IDBRIDGE_BINARY};
    argv.insert(argv.end(), command.begin(), command.end());
    argv.insert(argv.end(), {"--config", (dir_ / "idbridge.yaml").string(), "--state-dir", (dir_ / "state").string()});
    return argv;
  }

  std::string people() const { return "ou=people," + slapd_->base_dn(); }
  size_t people_count() { return idb::test::ldap_search(*slapd_, people(), "(uid=*)", {"uid"}).size(); }
  std::optional<idb::mapping::Attributes> entry(const std::string& uid) {
    return idb::test::ldap_entry(*slapd_, "uid=" + uid + "," + people());
  }
  bool disabled(const std::string& uid) {
    const auto e = entry(uid);
    return e && e->count("employeeType") && e->at("employeeType") == idb::mapping::Values{"disabled"};
  }

  fs::path dir_, log_;
  std::unique_ptr<RefServer> ref_;
  std::unique_ptr<Process> daemon_;
};

TEST_F(PollerDaemon, sync_once_polls_the_source_before_it_pushes) {
  ref_ = std::make_unique<RefServer>(dir_, 3);
  write_config(ref_->url());
  EXPECT_EQ(Process(args({"sync", "--once"}), env(), log_).wait(), 0);
  EXPECT_EQ(people_count(), 3u);
  const auto user = entry("seed.user2@example.com");
  ASSERT_TRUE(user);
  EXPECT_EQ(user->at("sn"), idb::mapping::Values{"User2"});
  EXPECT_EQ(user->at("mail"), idb::mapping::Values{"seed.user2@example.com"});
}

// examples/hr-poll.yaml as shipped, its environment pointed at the reference
// server and slapd: the example cannot rot.
TEST_F(PollerDaemon, the_shipped_example_polls_into_ldap) {
  ref_ = std::make_unique<RefServer>(dir_, 2);
  auto environment = env();
  environment["IDBRIDGE_HR_SCIM_URL"] = ref_->url();
  environment["IDBRIDGE_HR_SCIM_TOKEN"] = RefServer::kToken;
  const fs::path example = fs::path(IDB_SOURCE_DIR) / "examples/hr-poll.yaml";
  EXPECT_EQ(Process({IDBRIDGE_BINARY, "check-config", example.string()}, environment, log_).wait(), 0);
  EXPECT_EQ(Process({IDBRIDGE_BINARY, "sync", "--once", "--config", example.string(), "--state-dir", (dir_ / "state").string()},
                    environment, log_)
                .wait(),
            0);
  EXPECT_EQ(people_count(), 2u);
  EXPECT_TRUE(entry("seed.user1@example.com"));
}

TEST_F(PollerDaemon, sync_once_fails_when_the_source_cannot_be_polled) {
  write_config("http://127.0.0.1:" + std::to_string(idb::test::free_port()) + "/scim/v2");
  EXPECT_EQ(Process(args({"sync", "--once"}), env(), log_).wait(), 1);
  EXPECT_NE(idb::test::read_file(log_).find("source hr: poll failed"), std::string::npos);
}

TEST_F(PollerDaemon, serve_polls_on_the_interval_and_disables_who_left) {
  ref_ = std::make_unique<RefServer>(dir_, 3);
  write_config(ref_->url());
  const int port = idb::test::free_port();
  daemon_ = std::make_unique<Process>(args({"serve", "--listen", "127.0.0.1:" + std::to_string(port)}), env(), log_);
  ASSERT_TRUE(eventually([&] { return people_count() == 3; }));
  // Scraped as Prometheus would: the first poll saw and created the three.
  httplib::Client admin("127.0.0.1", port);
  const auto metrics = admin.Get("/metrics");
  ASSERT_TRUE(metrics && metrics->status == 200);
  for (const char* sample : {"idbridge_source_users_total{outcome=\"seen\",source=\"hr\"} 3",
                             "idbridge_source_users_total{outcome=\"created\",source=\"hr\"} 3",
                             "idbridge_source_poll_errors_total{source=\"hr\"} 0"}) {
    EXPECT_NE(metrics->body.find(sample), std::string::npos) << sample << " in\n" << metrics->body;
  }
  EXPECT_NE(metrics->body.find("idbridge_source_polls_total{source=\"hr\"} "), std::string::npos);
  EXPECT_NE(metrics->body.find("idbridge_source_last_success_timestamp_seconds{source=\"hr\"} 1"), std::string::npos)
      << "a Unix time in seconds";

  ref_->create("new.hire@example.com");
  ref_->remove(ref_->users()[0]["id"]);
  EXPECT_TRUE(eventually([&] { return entry("new.hire@example.com").has_value(); }));
  EXPECT_TRUE(eventually([&] { return disabled("seed.user1@example.com"); }));
  EXPECT_FALSE(disabled("seed.user2@example.com"));
  EXPECT_EQ(daemon_->stop(SIGTERM), 0);
}

}  // namespace
