// The SenseCore IAM connector against the faithful local SenseCore server.
#include <gtest/gtest.h>

#include "connectors/sensecore/sensecore_connector.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/sensecore.h"
#include "tests/cloud/harness.h"
#include "tests/cloud/servers/sensecore_server.h"

namespace idb::connectors::sensecore {
namespace {

using test::cloud::converge;
using test::cloud::Fault;
using test::cloud::LogCapture;
using test::cloud::SenseCoreServer;
using test::cloud::SenseCoreServerOptions;
using test::cloud::TempState;

const std::string kSecret = "sc-secret-5e61d0";
const reconcile::DisableMark kMark{"console_state", "disabled"};

SenseCoreServerOptions server_options() {
  SenseCoreServerOptions o;
  o.access_key_id = "SCAK";
  o.access_key_secret = kSecret;
  return o;
}

class SenseCoreTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }

  config::SenseCoreTarget settings() {
    config::SenseCoreTarget t;
    t.http.base_url = server_.base_url();
    t.http.timeout_ms = 300;
    t.http.rate_limit = 0;
    t.access_key_id = "SCAK";
    t.access_key_secret = {"${env:SC_SK}", kSecret};
    return t;
  }

  mapping::Desired zhao() {
    return {"zhaoliu",
            {{"name", {"赵六"}},
             {"email", {"zhaoliu@example.cn"}},
             {"phone", {"13900001111"}},
             {"region_code", {"86"}},
             {"open_api_state", {"enabled"}},
             {"mfa_state", {"disabled"}},
             {"set_password_first_login", {"true"}}}};
  }

  LogCapture logs_;
  SenseCoreServer server_{server_options()};
};

TEST_F(SenseCoreTest, RoundTripCreateUpdateReadDisableEnableRename) {
  for (int i = 0; i < 120; ++i) server_.seed({{"username", "user" + std::to_string(i)}, {"name", "x"}});  // forces paging
  SenseCoreConnector connector("sensecore", settings());
  auto created = converge(connector, zhao(), false, kMark);
  ASSERT_TRUE(created.status.ok()) << created.status.failure().message;
  auto stored = server_.by_username("zhaoliu");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["name"], "赵六");
  EXPECT_EQ((*stored)["console_state"], "enabled");  // re-enabled value set by the lifecycle
  const std::string password = (*stored)["password"];
  EXPECT_GE(password.size(), 8u);
  EXPECT_LE(password.size(), 32u);

  mapping::Desired changed = zhao();
  changed.attributes["email"] = {};
  changed.attributes["name"] = {"Zhao Liu"};
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  auto read = connector.read("zhaoliu", {"name", "email", "console_state"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->attributes["name"], mapping::Values{"Zhao Liu"});
  EXPECT_EQ(read.value()->attributes.count("email"), 0u);
  EXPECT_EQ(read.value()->attributes.count("console_state"), 0u);
  EXPECT_EQ((*server_.by_username("zhaoliu"))["phone"], "13900001111");  // not in the mask: untouched

  ASSERT_TRUE(converge(connector, changed, true, kMark).status.ok());
  EXPECT_EQ((*server_.by_username("zhaoliu"))["console_state"], "disabled");
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.by_username("zhaoliu"))["console_state"], "enabled");
  EXPECT_EQ(converge(connector, changed, false, kMark).rounds, 1);

  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::rename, "zhaoliu", "zhao.liu", {}, {}}).ok());
  EXPECT_TRUE(server_.by_username("zhao.liu"));
  EXPECT_EQ(server_.user_count(), 121u);
}

// Issue 7: every write hands back the account's version (the update_time of
// the User it answers with), which a read finds unchanged, and which a write
// by anyone else moves.
TEST_F(SenseCoreTest, WritesAndReadsCarryTheAccountsUpdateTimeAsItsVersion) {
  SenseCoreConnector connector("sensecore", settings());
  const std::vector<std::string> attributes{"name"};
  const auto stored_version = [&](const std::string& username) {
    return server_.by_username(username).value()["update_time"].get<std::string>();
  };
  auto created = connector.apply({reconcile::Operation::Kind::create, "zhaoliu", {}, zhao().attributes, {}});
  ASSERT_TRUE(created.ok()) << created.failure().message;
  EXPECT_EQ(created.value().version, stored_version("zhaoliu"));
  auto modified = connector.apply(
      {reconcile::Operation::Kind::modify, "zhaoliu", {}, {}, {{"name", reconcile::ChangeKind::replace, {"Zhao Liu"}}}});
  ASSERT_TRUE(modified.ok()) << modified.failure().message;
  EXPECT_EQ(modified.value().version, stored_version("zhaoliu"));
  EXPECT_NE(modified.value().version, created.value().version);
  auto disabled = connector.apply(
      {reconcile::Operation::Kind::modify, "zhaoliu", {}, {}, {{"console_state", reconcile::ChangeKind::replace, {"disabled"}}}});
  ASSERT_TRUE(disabled.ok()) << disabled.failure().message;
  EXPECT_EQ(disabled.value().version, stored_version("zhaoliu"));
  auto renamed = connector.apply({reconcile::Operation::Kind::rename, "zhaoliu", "zhao.liu", {}, {}});
  ASSERT_TRUE(renamed.ok()) << renamed.failure().message;
  EXPECT_EQ(renamed.value().version, stored_version("zhao.liu"));
  EXPECT_NE(renamed.value().version, disabled.value().version);
  auto read = connector.read("zhao.liu", attributes);
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->version, renamed.value().version);

  // Someone else's write (another client, as the console would) moves it.
  SenseCoreConnector console("console", settings());
  ASSERT_TRUE(console.apply({reconcile::Operation::Kind::modify, "zhao.liu", {}, {},
                             {{"name", reconcile::ChangeKind::replace, {"Console"}}}}).ok());
  auto edited = connector.read("zhao.liu", attributes);
  ASSERT_TRUE(edited.ok() && edited.value());
  EXPECT_NE(edited.value()->version, renamed.value().version);
  EXPECT_EQ(edited.value()->version, stored_version("zhao.liu"));
  // Correlation's search answers with it as well.
  auto found = connector.find_by("username", "zhao.liu", attributes);
  ASSERT_TRUE(found.ok() && found.value().size() == 1);
  EXPECT_EQ(found.value().front().version, edited.value()->version);
}

TEST_F(SenseCoreTest, LinkedAccountsAreUpdatedWithoutListingAndFollowedThroughARename) {
  constexpr const char* kList = "/iam/idp/v1/users";
  TempState state;
  for (int i = 0; i < 120; ++i) server_.seed({{"username", "user" + std::to_string(i)}, {"name", "x"}});
  {
    SenseCoreConnector connector("sensecore", settings(), false, &state.store());
    ASSERT_TRUE(converge(connector, zhao(), false, kMark).status.ok());
  }
  const std::string id = (*server_.by_username("zhaoliu"))["id"];
  EXPECT_EQ(state.store().account_id("sensecore", "zhaoliu"), id);  // linked by the create

  // A new connector on the same state (a restart): three updates, not one list call.
  SenseCoreConnector connector("sensecore", settings(), false, &state.store());
  const int lists_before = server_.http().requests("GET", kList);
  for (const char* name : {"Zhao 1", "Zhao 2", "Zhao 3"}) {
    mapping::Desired changed = zhao();
    changed.attributes["name"] = {name};
    ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  }
  EXPECT_EQ((*server_.by_username("zhaoliu"))["name"], "Zhao 3");
  EXPECT_EQ(server_.http().requests("GET", kList), lists_before);
  EXPECT_EQ(server_.http().requests("PATCH", std::string(kList) + "/" + id), 3);

  // Renamed on our side: the link moves with the account, and someone else
  // taking the old name later does not make it ours.
  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::rename, "zhaoliu", "zhao.liu", {}, {}}).ok());
  server_.seed({{"username", "zhaoliu"}, {"name", "someone else"}});
  EXPECT_EQ(state.store().account_id("sensecore", "zhao.liu"), id);
  EXPECT_FALSE(state.store().account_id("sensecore", "zhaoliu"));
  auto renamed = connector.read("zhao.liu", {"name", "username"});
  ASSERT_TRUE(renamed.ok() && renamed.value());
  EXPECT_EQ(renamed.value()->attributes["name"], mapping::Values{"Zhao 3"});
  EXPECT_EQ(server_.http().requests("GET", kList), lists_before);

  // A stale link (the id is gone): one search finds the account again and relinks it.
  state.store().link_account("sensecore", "zhao.liu", "gone-id");
  auto relinked = connector.read("zhao.liu", {"name"});
  ASSERT_TRUE(relinked.ok() && relinked.value());
  EXPECT_EQ(relinked.value()->attributes["name"], mapping::Values{"Zhao 3"});
  EXPECT_EQ(state.store().account_id("sensecore", "zhao.liu"), id);
  EXPECT_GT(server_.http().requests("GET", kList), lists_before);
  state.store().link_account("sensecore", "zhao.liu", "gone-id");
  const reconcile::AttributeChange rename_display{"name", reconcile::ChangeKind::replace, {"Zhao 4"}};
  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::modify, "zhao.liu", {}, {}, {rename_display}}).ok());
  EXPECT_EQ((*server_.by_username("zhao.liu"))["name"], "Zhao 4");
  EXPECT_EQ(state.store().account_id("sensecore", "zhao.liu"), id);
  EXPECT_EQ(server_.user_count(), 122u);
}

TEST_F(SenseCoreTest, CorrelationFindsAccountsByUsernameOrEmailAndLinksThem) {
  TempState state;
  server_.seed({{"username", "zl"}, {"name", "Zhao"}, {"email", "zhaoliu@example.cn"}});
  server_.seed({{"username", "zl2"}, {"name", "Zhao"}, {"email", "zhaoliu@example.cn.other"}});
  SenseCoreConnector connector("sensecore", settings(), false, &state.store());
  EXPECT_TRUE(connector.can_find_by("email"));
  EXPECT_FALSE(connector.can_find_by("phone"));
  auto found = connector.find_by("email", "zhaoliu@example.cn", {"name", "email"});
  ASSERT_TRUE(found.ok());
  ASSERT_EQ(found.value().size(), 1u);  // exact matches only
  EXPECT_EQ(found.value()[0].key, "zl");
  EXPECT_EQ(found.value()[0].attributes["name"], mapping::Values{"Zhao"});
  EXPECT_EQ(state.store().account_id("sensecore", "zl"), (*server_.by_username("zl"))["id"]);
  auto none = connector.find_by("username", "nobody", {"name"});
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none.value().empty());
  EXPECT_FALSE(connector.find_by("phone", "1", {"name"}).ok());
}

TEST_F(SenseCoreTest, DeleteRemovesTheAccountAndItsLinkAndARepeatSucceeds) {
  TempState state;
  server_.seed({{"username", "other"}, {"name", "x"}});
  SenseCoreConnector connector("sensecore", settings(), false, &state.store());
  ASSERT_TRUE(converge(connector, zhao(), false, kMark).status.ok());
  const std::string id = (*server_.by_username("zhaoliu"))["id"];
  const reconcile::Operation remove{reconcile::Operation::Kind::remove, "zhaoliu", {}, {}, {}};
  ASSERT_TRUE(connector.apply(remove).ok());
  EXPECT_FALSE(server_.by_username("zhaoliu"));
  EXPECT_FALSE(state.store().account_id("sensecore", "zhaoliu"));
  EXPECT_TRUE(connector.apply(remove).ok());  // gone already: a repeat after a crash
  EXPECT_EQ(server_.http().requests("DELETE", "/iam/idp/v1/users/" + id), 1);
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(SenseCoreTest, UpdateMethodIsConfigurable) {
  auto s = settings();
  s.update_method = "PUT";
  SenseCoreConnector connector("sensecore", s);
  ASSERT_TRUE(converge(connector, zhao(), false, kMark).status.ok());
  mapping::Desired changed = zhao();
  changed.attributes["name"] = {"Zhao"};
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.by_username("zhaoliu"))["name"], "Zhao");
}

TEST_F(SenseCoreTest, FieldLimitsAreCheckedBeforeSending) {
  SenseCoreConnector connector("sensecore", settings());
  const struct {
    std::string key;
    mapping::Attributes attributes;
    std::string message;
  } cases[] = {
      {"", {}, "the key (SenseCore username) must be 1 to 64 characters"},
      {std::string(65, 'u'), {}, "must be 1 to 64 characters"},
      {"u", {{"name", {std::string(65, 'n')}}}, "'name' is 65 characters long; at most 64"},
      {"u", {{"email", {"nope"}}}, "'email' must be an email address"},
      {"u", {{"region_code", {"+86"}}}, "'region_code' must be a country code in digits"},
      {"u", {{"password", {"x"}}}, "attribute 'password' is not a field of the sensecore user"},
      {"u", {{"name", {"n"}}}, "SenseCore needs 'open_api_state' to create a user; map it"},
  };
  for (const auto& c : cases) {
    auto status = connector.apply({reconcile::Operation::Kind::create, c.key, {}, c.attributes, {}});
    ASSERT_FALSE(status.ok()) << c.message;
    EXPECT_EQ(status.failure().code, "sensecore:invalid");
    EXPECT_NE(status.failure().message.find(c.message), std::string::npos) << status.failure().message;
  }
  EXPECT_EQ(server_.http().requests(), 0);
}

TEST_F(SenseCoreTest, AuthenticationFailuresStopTheTarget) {
  auto wrong = settings();
  wrong.access_key_secret.value = "not-the-secret";
  auto read = SenseCoreConnector("sensecore", wrong).read("u", {"name"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
  EXPECT_EQ(read.failure().code, "sensecore:HTTP 401 invalidAuthenticationType");
  EXPECT_NE(read.failure().message.find("signature does not match"), std::string::npos);

  SenseCoreServerOptions o = server_options();
  o.clock_offset = std::chrono::minutes(6);
  SenseCoreServer later(o);
  later.start();
  auto s = settings();
  s.http.base_url = later.base_url();
  auto stale = SenseCoreConnector("sensecore", s).read("u", {"name"});
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.failure().message.find("x-date is too far from server time"), std::string::npos);
}

TEST_F(SenseCoreTest, AKeyWithoutPermissionStopsTheTarget) {
  SenseCoreServerOptions o = server_options();
  o.permitted = false;
  SenseCoreServer denied(o);
  denied.start();
  auto s = settings();
  s.http.base_url = denied.base_url();
  SenseCoreConnector connector("sensecore", s);
  for (const auto& failure : {connector.read("u", {"name"}).failure(),
                              connector.apply({reconcile::Operation::Kind::create, "u", {}, zhao().attributes, {}}).failure()}) {
    EXPECT_EQ(failure.kind, FailureKind::stop_target);
    EXPECT_EQ(failure.code, "sensecore:HTTP 403 permissionDenied");
    EXPECT_NE(failure.message.find("access denied to the whole API"), std::string::npos) << failure.message;
    EXPECT_NE(failure.message.find("the access key may not manage users"), std::string::npos) << failure.message;
  }
}

TEST_F(SenseCoreTest, RequestTargetVariantIsVerifiedToo) {
  http::Options o;
  o.base_url = server_.base_url();
  o.max_attempts = 1;
  http::Client client("raw", o);
  auto sign = [&](std::string target_method) {
    return [&client, target_method](http::Request& r) {
      const signing::Headers signed_headers{{"date", signing::http_date(signing::Clock::now())},
                                            {"host", client.host()},
                                            {"@request-target", target_method + " " + r.path + http::encode_query(r.query)}};
      r.headers = {signed_headers[0], signed_headers[1]};
      r.headers.emplace_back("authorization", signing::sensecore::authorization(
                                                  "SCAK", signed_headers,
                                                  signing::sensecore::signature(kSecret, signing::sensecore::string_to_sign(signed_headers))));
    };
  };
  const http::Request list{"GET", "/iam/idp/v1/users", {{"page_size", "100"}, {"page_token", "1"}}, {}, "", true};
  auto honest = client.send(list, sign("get"));
  ASSERT_TRUE(honest.ok());
  EXPECT_EQ(honest.value().status, 200);
  auto other_target = client.send(list, sign("post"));
  ASSERT_TRUE(other_target.ok());
  EXPECT_EQ(other_target.value().status, 401);
}

TEST_F(SenseCoreTest, DuplicateIsAConflict) {
  server_.seed({{"username", "zhaoliu"}, {"name", "someone"}});
  SenseCoreConnector connector("sensecore", settings());
  auto created = connector.apply({reconcile::Operation::Kind::create, "zhaoliu", {}, zhao().attributes, {}});
  ASSERT_FALSE(created.ok());
  EXPECT_EQ(created.failure().kind, FailureKind::conflict);
  EXPECT_EQ(created.failure().code, "sensecore:HTTP 409 userAlreadyExists");
}

TEST_F(SenseCoreTest, InjectedFaultsConvergeWithoutDuplicateCreates) {
  SenseCoreConnector connector("sensecore", settings());
  server_.http().inject(Fault::status_code(429, "0"));
  server_.http().inject(Fault::status_code(503));
  server_.http().inject(Fault::drop(true).on("/iam/idp/v1/users"));
  server_.http().inject(Fault::slow(500));
  ASSERT_TRUE(converge(connector, zhao(), false, kMark).status.ok());
  EXPECT_EQ(server_.user_count(), 1u);
  mapping::Desired changed = zhao();
  changed.attributes["name"] = {"Zhao Liu"};
  server_.http().inject(Fault::status_code(500), 4);
  server_.http().inject(Fault::drop(true));
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.by_username("zhaoliu"))["name"], "Zhao Liu");
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(SenseCoreTest, SecretsAndPasswordsNeverReachLogsOrFailures) {
  std::string failures;
  {
    SenseCoreConnector connector("sensecore", settings());
    server_.http().inject(Fault::status_code(503), 2);
    failures += converge(connector, zhao(), false, kMark).failures;
    auto bad = settings();
    bad.access_key_secret.value = kSecret + "x";
    SenseCoreConnector wrong("sensecore", bad);
    failures += converge(wrong, zhao(), true, kMark).failures;
  }
  const std::string logged = logs_.text() + failures;
  EXPECT_FALSE(logged.empty());
  EXPECT_EQ(logged.find(kSecret), std::string::npos);
  EXPECT_EQ(logged.find(std::string((*server_.by_username("zhaoliu"))["password"])), std::string::npos);
  EXPECT_EQ(logged.find("signature=\""), std::string::npos);
}

}  // namespace
}  // namespace idb::connectors::sensecore
