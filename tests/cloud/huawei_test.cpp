// The Huawei Workspace connector against the faithful local Workspace server.
#include <gtest/gtest.h>


#include "connectors/huawei/huawei_connector.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/huawei.h"
#include "tests/cloud/harness.h"
#include "tests/cloud/servers/huawei_server.h"

namespace idb::connectors::huawei {
namespace {

using test::cloud::converge;
using test::cloud::Fault;
using test::cloud::HuaweiServer;
using test::cloud::HuaweiServerOptions;
using test::cloud::LogCapture;
using test::cloud::TempState;

const std::string kSecret = "hw-secret-2b8c41";
const std::string kIamPassword = "iam-pass-93e7d1";
const reconcile::DisableMark kMark{"disabled", "true"};

HuaweiServerOptions server_options() {
  HuaweiServerOptions o;
  o.access_key_id = "HWAK";
  o.access_key_secret = kSecret;
  o.iam_password = kIamPassword;
  return o;
}

class HuaweiTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }

  config::HuaweiTarget settings() {
    config::HuaweiTarget t;
    t.http.base_url = server_.base_url();
    t.http.timeout_ms = 300;
    t.http.rate_limit = 0;
    t.project_id = "0bec5db98280d2d02fd6c00c2de791ce";
    t.access_key_id = "HWAK";
    t.access_key_secret = {"${env:HW_SK}", kSecret};
    return t;
  }

  config::HuaweiTarget token_settings() {
    config::HuaweiTarget t = settings();
    t.auth = "token";
    t.access_key_id.clear();
    t.access_key_secret = {};
    t.iam_url = server_.base_url();  // the local server is IAM too
    t.iam_domain = "example-account";
    t.iam_user = "idbridge";
    t.iam_password = {"${env:HW_IAM_PASSWORD}", kIamPassword};
    return t;
  }

  mapping::Desired li() {
    return {"li_wei",
            {{"user_name", {"li_wei"}},
             {"user_email", {"li.wei@example.org"}},
             {"description", {"API test user."}},
             {"next_login_change_password", {"true"}}}};
  }

  LogCapture logs_;
  HuaweiServer server_{server_options()};
};

TEST_F(HuaweiTest, LinkedAccountsAreUpdatedWithoutListing) {
  const std::string list = "/v2/" + settings().project_id + "/users";
  TempState state;
  server_.seed({{"user_name", "li_wei2"}});
  HuaweiConnector connector("huawei", settings(), false, &state.store());
  ASSERT_TRUE(converge(connector, li(), false, kMark).status.ok());
  const std::string id = (*server_.by_name("li_wei"))["id"];
  EXPECT_EQ(state.store().account_id("huawei", "li_wei"), id);

  const int lists_before = server_.http().requests("GET", list);
  for (const char* text : {"one", "two", "three"}) {
    mapping::Desired changed = li();
    changed.attributes["description"] = {text};
    ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  }
  ASSERT_TRUE(converge(connector, li(), true, kMark).status.ok());  // disabled: through the link too
  EXPECT_EQ((*server_.by_name("li_wei"))["disabled"], true);
  EXPECT_EQ(server_.http().requests("GET", list), lists_before);
  EXPECT_EQ(server_.http().requests("PUT", list + "/" + id), 4);

  // A stale link: one search finds the account again and relinks it.
  state.store().link_account("huawei", "li_wei", "0000");
  const reconcile::AttributeChange description{"description", reconcile::ChangeKind::replace, {"four"}};
  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::modify, "li_wei", {}, {}, {description}}).ok());
  EXPECT_EQ((*server_.by_name("li_wei"))["description"], "four");
  EXPECT_EQ(state.store().account_id("huawei", "li_wei"), id);
  EXPECT_EQ(server_.http().requests("GET", list), lists_before + 1);
  EXPECT_EQ(server_.user_count(), 2u);
}

// Correlation: the list's description filter (fuzzy here, its match being
// undocumented) narrowed to exact matches, each read in full; user_name
// cannot change, so the rename that makes the account ours links our key to
// its id. E-mail cannot be searched at all.
TEST_F(HuaweiTest, CorrelationListsByDescriptionExactlyAndARenameLinksOurKeyToTheAccount) {
  TempState state;
  server_.seed({{"user_name", "lw_old"}, {"description", "E1005"}, {"user_email", "old@example.org"}});
  server_.seed({{"user_name", "other"}, {"description", "E10050"}});  // the filter matches it too: not exact
  HuaweiConnector connector("huawei", settings(), false, &state.store());
  EXPECT_TRUE(connector.can_find_by("description"));
  EXPECT_FALSE(connector.can_find_by("user_email"));
  auto found = connector.find_by("description", "E1005", {"user_email"});
  ASSERT_TRUE(found.ok()) << found.failure().message;
  ASSERT_EQ(found.value().size(), 1u);
  EXPECT_EQ(found.value()[0].key, "lw_old");
  EXPECT_EQ(found.value()[0].attributes["user_email"], mapping::Values{"old@example.org"});
  EXPECT_EQ(found.value()[0].version, "");  // Workspace has none

  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::rename, "lw_old", "li_wei", {}, {}}).ok());
  const std::string id = (*server_.by_name("lw_old"))["id"];
  EXPECT_EQ(state.store().account_id("huawei", "li_wei"), id);
  mapping::Desired desired = li();
  desired.attributes["description"] = {"E1005"};
  // The account keeps its user_name, so mapping one to write is refused, not repeated every round.
  auto refused = converge(connector, desired, false, kMark);
  ASSERT_FALSE(refused.status.ok());
  EXPECT_NE(refused.status.failure().message.find("cannot change"), std::string::npos);
  desired.attributes.erase("user_name");  // as `authoritative: create_only` leaves it after creation
  ASSERT_TRUE(converge(connector, desired, false, kMark).status.ok());
  EXPECT_EQ((*server_.by_name("lw_old"))["user_email"], li().attributes.at("user_email").front());
  EXPECT_FALSE(server_.by_name("li_wei"));
  EXPECT_EQ(server_.user_count(), 2u);
  EXPECT_EQ(converge(connector, desired, false, kMark).rounds, 1);

  auto taken = connector.apply({reconcile::Operation::Kind::rename, "other", "li_wei", {}, {}});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.failure().kind, FailureKind::conflict);
}

TEST_F(HuaweiTest, DeleteRemovesTheAccountAndItsLinkAndARepeatSucceeds) {
  TempState state;
  server_.seed({{"user_name", "li_wei2"}});
  HuaweiConnector connector("huawei", settings(), false, &state.store());
  ASSERT_TRUE(converge(connector, li(), false, kMark).status.ok());
  const std::string id = (*server_.by_name("li_wei"))["id"];
  const reconcile::Operation remove{reconcile::Operation::Kind::remove, "li_wei", {}, {}, {}};
  ASSERT_TRUE(connector.apply(remove).ok());
  EXPECT_FALSE(server_.by_name("li_wei"));
  EXPECT_FALSE(state.store().account_id("huawei", "li_wei"));
  EXPECT_TRUE(connector.apply(remove).ok());  // gone already: a repeat after a crash
  EXPECT_EQ(server_.http().requests("DELETE", "/v2/" + settings().project_id + "/users/" + id), 1);
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(HuaweiTest, RoundTripCreateUpdateReadDisableEnable) {
  // A look-alike name: the list filter is fuzzy and must not be mistaken for the user.
  server_.seed({{"user_name", "li_wei2"}});
  HuaweiConnector connector("huawei", settings());
  auto created = converge(connector, li(), false, kMark);
  ASSERT_TRUE(created.status.ok()) << created.status.failure().message;
  auto stored = server_.by_name("li_wei");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["user_email"], "li.wei@example.org");
  EXPECT_EQ((*stored)["next_login_change_password"], true);

  mapping::Desired changed = li();
  changed.attributes["user_email"] = {"wei.li@example.org"};
  changed.attributes["description"] = {};
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  auto read = connector.read("li_wei", {"user_email", "description", "disabled"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->attributes["user_email"], mapping::Values{"wei.li@example.org"});
  EXPECT_EQ(read.value()->attributes.count("description"), 0u);
  EXPECT_EQ(read.value()->attributes.count("disabled"), 0u);

  ASSERT_TRUE(converge(connector, changed, true, kMark).status.ok());
  EXPECT_EQ((*server_.by_name("li_wei"))["disabled"], true);
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.by_name("li_wei"))["disabled"], false);
  EXPECT_EQ(converge(connector, changed, false, kMark).rounds, 1);
  EXPECT_EQ(server_.user_count(), 2u);
  EXPECT_EQ((*server_.by_name("li_wei2")).value("user_email", ""), "");
}

TEST_F(HuaweiTest, FieldLimitsAreCheckedBeforeSending) {
  HuaweiConnector connector("huawei", settings());
  const struct {
    std::string key;
    mapping::Attributes attributes;
    std::string message;
  } cases[] = {
      {"1abc", {}, "must be 1 to 20 letters, digits, '_' or '-', not starting with a digit"},
      {"li wei", {}, "must be 1 to 20 letters"},
      {std::string(21, 'a'), {}, "must be 1 to 20 letters"},
      {"li", {{"description", {std::string(256, 'd')}}}, "'description' is 256 characters long; at most 255"},
      {"li", {{"active_type", {"SELF"}}}, "'active_type' must be one of USER_ACTIVATE, ADMIN_ACTIVATE"},
      {"li", {{"account_expires", {"tomorrow"}}}, "'account_expires' must be 0 or a time"},
      {"li", {{"enable_change_password", {"1"}}}, "'enable_change_password' must be true or false"},
      {"li", {{"user_name", {"other"}}}, "sets 'user_name' to something other than the key"},
      {"li", {{"mobile", {"1"}}}, "attribute 'mobile' is not a field of the huawei user"},
  };
  for (const auto& c : cases) {
    auto status = connector.apply({reconcile::Operation::Kind::create, c.key, {}, c.attributes, {}});
    ASSERT_FALSE(status.ok()) << c.message;
    EXPECT_EQ(status.failure().code, "huawei:invalid");
    EXPECT_NE(status.failure().message.find(c.message), std::string::npos) << status.failure().message;
  }
  EXPECT_FALSE(connector.apply({reconcile::Operation::Kind::rename, "li", "lee", {}, {}}).ok());
  EXPECT_EQ(server_.http().requests(), 0);
}

TEST_F(HuaweiTest, AuthenticationFailuresStopTheTarget) {
  auto wrong = settings();
  wrong.access_key_secret.value = "not-the-secret";
  auto read = HuaweiConnector("huawei", wrong).read("li", {"user_email"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
  EXPECT_EQ(read.failure().code, "huawei:HTTP 401 APIG.0301");
  EXPECT_NE(read.failure().message.find("signature does not match"), std::string::npos);

  HuaweiServerOptions o = server_options();
  o.clock_offset = std::chrono::minutes(-16);
  HuaweiServer earlier(o);
  earlier.start();
  auto s = settings();
  s.http.base_url = earlier.base_url();
  auto stale = HuaweiConnector("huawei", s).read("li", {"user_email"});
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.failure().message.find("too far from server time"), std::string::npos);
}

TEST_F(HuaweiTest, CredentialsWithoutPermissionStopTheTarget) {
  HuaweiServerOptions o = server_options();
  o.permitted = false;
  HuaweiServer denied(o);
  denied.start();
  for (auto s : {settings(), token_settings()}) {
    s.http.base_url = denied.base_url();
    s.iam_url = denied.base_url();
    auto read = HuaweiConnector("huawei", s).read("li_wei", {"user_email"});
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
    EXPECT_EQ(read.failure().code, "huawei:HTTP 403 APIG.0302");
    EXPECT_NE(read.failure().message.find("access denied to the whole API"), std::string::npos) << read.failure().message;
  }
}

TEST_F(HuaweiTest, TamperedBodyIsRejected) {
  http::Options o;
  o.base_url = server_.base_url();
  o.max_attempts = 1;
  http::Client client("raw", o);
  auto sign_then = [&](std::function<void(http::Request&)> spoil) {
    return [&client, spoil](http::Request& r) {
      const std::string date = signing::iso8601_basic(signing::Clock::now());
      r.headers = {{"content-type", "application/json"}, {"host", client.host()}, {"x-sdk-date", date}};
      const auto canonical = signing::huawei::canonical_request(r.method, r.path, r.query, r.headers,
                                                                signing::hex(signing::sha256(r.body)));
      r.headers.emplace_back("authorization", signing::huawei::authorization(
                                                  "HWAK", canonical.signed_headers,
                                                  signing::huawei::signature(kSecret, signing::huawei::string_to_sign(
                                                                                          date, canonical.request))));
      spoil(r);
    };
  };
  const http::Request create{"POST", "/v2/0bec5db98280d2d02fd6c00c2de791ce/users", {}, {}, R"({"user_name":"eve"})", false};
  auto tampered = client.send(create, sign_then([](http::Request& r) { r.body = R"({"user_name":"mallory"})"; }));
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(tampered.value().status, 401);
  auto honest = client.send(create, sign_then([](http::Request&) {}));
  ASSERT_TRUE(honest.ok());
  EXPECT_EQ(honest.value().status, 200);
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(HuaweiTest, DuplicateIsAConflictAndMissingAbsent) {
  server_.seed({{"user_name", "li"}});
  HuaweiConnector connector("huawei", settings());
  auto dup = connector.apply({reconcile::Operation::Kind::create, "li", {}, {}, {}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.failure().kind, FailureKind::conflict);
  auto missing = connector.read("nobody", {"user_email"});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value());
  auto gone = connector.apply(
      {reconcile::Operation::Kind::modify, "nobody", {}, {}, {{"user_email", reconcile::ChangeKind::replace, {"a@b.c"}}}});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.failure().kind, FailureKind::retry);
}

TEST_F(HuaweiTest, InjectedFaultsConvergeWithoutDuplicateCreates) {
  HuaweiConnector connector("huawei", settings());
  server_.http().inject(Fault::status_code(429, "0"));
  server_.http().inject(Fault::status_code(503));
  server_.http().inject(Fault::drop(true).on("/v2/0bec5db98280d2d02fd6c00c2de791ce/users"));
  server_.http().inject(Fault::slow(500));
  auto result = converge(connector, li(), false, kMark);
  ASSERT_TRUE(result.status.ok()) << result.status.failure().message;
  EXPECT_EQ(server_.user_count(), 1u);
  mapping::Desired changed = li();
  changed.attributes["user_email"] = {"wei.li@example.org"};
  server_.http().inject(Fault::status_code(500), 4);
  server_.http().inject(Fault::drop(true));
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.by_name("li_wei"))["user_email"], "wei.li@example.org");
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(HuaweiTest, SecretsNeverReachLogsOrFailures) {
  std::string failures;
  {
    HuaweiConnector connector("huawei", settings());
    server_.http().inject(Fault::status_code(503), 2);
    failures += converge(connector, li(), false, kMark).failures;
    auto bad = settings();
    bad.access_key_secret.value = kSecret + "x";
    HuaweiConnector wrong("huawei", bad);
    failures += converge(wrong, li(), true, kMark).failures;
  }
  const std::string logged = logs_.text() + failures;
  EXPECT_FALSE(logged.empty());
  EXPECT_EQ(logged.find(kSecret), std::string::npos);
  EXPECT_EQ(logged.find("Signature="), std::string::npos);
}

TEST_F(HuaweiTest, IamTokenModeRoundTripsWithOneToken) {
  HuaweiConnector connector("huawei", token_settings());
  ASSERT_TRUE(converge(connector, li(), false, kMark).status.ok());
  auto changed = li();
  changed.attributes["description"] = {"Moved."};
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  ASSERT_TRUE(converge(connector, changed, true, kMark).status.ok());
  const auto stored = server_.by_name("li_wei");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["description"], "Moved.");
  EXPECT_EQ((*stored)["disabled"], true);
  EXPECT_EQ(server_.tokens_issued(), 1);  // cached across every call
  EXPECT_EQ(logs_.text().find(kIamPassword), std::string::npos);
}

TEST_F(HuaweiTest, ExpiredIamTokenIsFetchedAgainOnce) {
  HuaweiConnector connector("huawei", token_settings());
  ASSERT_TRUE(connector.read("li_wei", {"user_email"}).ok());
  server_.expire_tokens();
  ASSERT_TRUE(connector.read("li_wei", {"user_email"}).ok());
  EXPECT_EQ(server_.tokens_issued(), 2);
}

TEST_F(HuaweiTest, IamTokenIsRenewedBeforeItExpiresByIamsClock) {
  HuaweiServerOptions o = server_options();
  o.token_lifetime = std::chrono::seconds(2);  // renewed after half its life
  o.clock_offset = std::chrono::hours(-5);     // IAM's clock is far off ours: only the lifetime counts
  HuaweiServer short_lived(o);
  short_lived.start();
  auto s = token_settings();
  s.http.base_url = s.iam_url = short_lived.base_url();
  HuaweiConnector connector("huawei", s);
  EXPECT_EQ(test::cloud::tokens_over_half_life([&] { return connector.read("li_wei", {"user_email"}).ok(); },
                                               [&] { return short_lived.tokens_issued(); }),
            (std::vector<int>{1, 1, 2}));
}

TEST_F(HuaweiTest, RefusedIamLoginStopsTheTarget) {
  for (auto wrong : {&config::HuaweiTarget::iam_user, &config::HuaweiTarget::iam_domain}) {
    auto s = token_settings();
    s.*wrong = "someone-else";
    auto read = HuaweiConnector("huawei", s).read("li_wei", {"user_email"});
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
    EXPECT_EQ(read.failure().code, "huawei:iam:HTTP 401 Unauthorized");
    EXPECT_NE(read.failure().message.find("The username or password is wrong."), std::string::npos);
  }
  auto s = token_settings();
  s.iam_password.value = "not-the-password";
  auto read = HuaweiConnector("huawei", s).read("li_wei", {"user_email"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
  EXPECT_EQ(read.failure().message.find("not-the-password"), std::string::npos);

  // A token IAM never issued is refused by the gateway in Workspace's error shape.
  httplib::Client raw("127.0.0.1", server_.http().port());
  auto forged = raw.Get("/v2/0bec5db98280d2d02fd6c00c2de791ce/users", {{"X-Auth-Token", "forged"}});
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(nlohmann::json::parse(forged->body)["error_code"], "APIG.0307");
  EXPECT_EQ(logs_.text().find("not-the-password"), std::string::npos);
}

}  // namespace
}  // namespace idb::connectors::huawei
