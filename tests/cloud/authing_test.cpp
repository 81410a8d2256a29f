// The Authing connector against the faithful local Authing server.
#include <gtest/gtest.h>


#include "connectors/authing/authing_connector.h"
#include "connectors/signing/authing.h"
#include "connectors/signing/crypto.h"
#include "tests/cloud/harness.h"
#include "tests/cloud/servers/authing_server.h"

namespace idb::connectors::authing {
namespace {

using test::cloud::AuthingServer;
using test::cloud::AuthingServerOptions;
using test::cloud::converge;
using test::cloud::Fault;
using test::cloud::LogCapture;

const std::string kSecret = "SK_very_secret_4f2a9c";
const reconcile::DisableMark kMark{"status", "Suspended"};

AuthingServerOptions server_options() {
  AuthingServerOptions o;
  o.access_key_id = "pool_62a1";
  o.access_key_secret = kSecret;
  o.custom_fields = {"school"};
  return o;
}

class AuthingTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }

  config::AuthingTarget settings(std::string auth = "signature") {
    config::AuthingTarget t;
    t.http.base_url = server_.base_url();
    t.http.timeout_ms = 300;
    t.http.rate_limit = 0;
    t.auth = std::move(auth);
    t.access_key_id = "pool_62a1";
    t.access_key_secret = {"${env:AUTHING_SK}", kSecret};
    return t;
  }

  mapping::Desired ada() {
    return {"emp-1001",
            {{"username", {"ada"}},
             {"name", {"Ada Lovelace"}},
             {"nickname", {"Ada"}},
             {"email", {"ada@example.org"}},
             {"city", {"London"}},
             {"emailVerified", {"true"}},
             {"customData.school", {"北京大学"}}}};
  }

  LogCapture logs_;
  AuthingServer server_{server_options()};
};

TEST_F(AuthingTest, RoundTripCreateUpdateReadDisableEnable) {
  AuthingConnector connector("authing", settings());
  auto created = converge(connector, ada(), false, kMark);
  ASSERT_TRUE(created.status.ok()) << created.status.failure().message;
  auto stored = server_.find("externalId", "emp-1001");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["username"], "ada");
  EXPECT_EQ((*stored)["emailVerified"], true);
  EXPECT_EQ((*stored)["customData"]["school"], "北京大学");
  EXPECT_EQ((*stored)["status"], "Activated");

  mapping::Desired changed = ada();
  changed.attributes["nickname"] = {"Countess"};
  changed.attributes["city"] = {};  // the source no longer has it: cleared
  auto updated = converge(connector, changed, false, kMark);
  ASSERT_TRUE(updated.status.ok()) << updated.status.failure().message;
  auto read = connector.read("emp-1001", {"nickname", "city", "name", "status", "customData.school"});
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read.value());
  EXPECT_EQ(read.value()->attributes["nickname"], mapping::Values{"Countess"});
  EXPECT_EQ(read.value()->attributes.count("city"), 0u);
  EXPECT_EQ(read.value()->attributes.count("status"), 0u);  // Activated is "no mark"
  EXPECT_EQ(read.value()->attributes["customData.school"], mapping::Values{"北京大学"});

  ASSERT_TRUE(converge(connector, changed, true, kMark).status.ok());
  EXPECT_EQ((*server_.find("externalId", "emp-1001"))["status"], "Suspended");
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.find("externalId", "emp-1001"))["status"], "Activated");
  EXPECT_EQ(server_.user_count(), 1u);
  EXPECT_EQ(converge(connector, changed, false, kMark).rounds, 1);  // nothing left to do
}

// Issue 7: a write hands back the account's version (the updatedAt of the
// UserDto it answers with), which a read then finds unchanged.
TEST_F(AuthingTest, WritesAndReadsCarryTheAccountsUpdateTimeAsItsVersion) {
  AuthingConnector connector("authing", settings());
  auto created = connector.apply({reconcile::Operation::Kind::create, ada().key, {}, ada().attributes, {}});
  ASSERT_TRUE(created.ok()) << created.failure().message;
  EXPECT_EQ(created.value().version, (*server_.find("externalId", "emp-1001"))["updatedAt"]);
  auto modified = connector.apply(
      {reconcile::Operation::Kind::modify, ada().key, {}, {}, {{"nickname", reconcile::ChangeKind::replace, {"Countess"}}}});
  ASSERT_TRUE(modified.ok()) << modified.failure().message;
  EXPECT_EQ(modified.value().version, (*server_.find("externalId", "emp-1001"))["updatedAt"]);
  auto read = connector.read(ada().key, {"nickname"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->version, modified.value().version);
  EXPECT_FALSE(read.value()->version.empty());
}

TEST_F(AuthingTest, DeleteRemovesTheAccountAndARepeatSucceeds) {
  server_.seed({{"externalId", "someone-else"}, {"username", "bob"}});
  AuthingConnector connector("authing", settings());
  ASSERT_TRUE(converge(connector, ada(), false, kMark).status.ok());
  const reconcile::Operation remove{reconcile::Operation::Kind::remove, "emp-1001", {}, {}, {}};
  ASSERT_TRUE(connector.apply(remove).ok());
  EXPECT_FALSE(server_.find("externalId", "emp-1001"));
  EXPECT_TRUE(connector.apply(remove).ok());  // gone already: a repeat after a crash
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(AuthingTest, MappedStatusIsReportedAsItIs) {
  AuthingConnector connector("authing", settings(), /*status_mapped=*/true);
  mapping::Desired desired = ada();
  desired.attributes["status"] = {"Activated"};
  ASSERT_TRUE(converge(connector, desired, false, kMark).status.ok());
  EXPECT_EQ(converge(connector, desired, false, kMark).rounds, 1);  // no endless re-sends of Activated
  ASSERT_TRUE(converge(connector, desired, true, kMark).status.ok());
  EXPECT_EQ((*server_.find("externalId", "emp-1001"))["status"], "Suspended");
  ASSERT_TRUE(converge(connector, desired, false, kMark).status.ok());
  EXPECT_EQ((*server_.find("externalId", "emp-1001"))["status"], "Activated");
}

TEST_F(AuthingTest, AddressesAccountsByTheConfiguredKeyType) {
  auto s = settings();
  s.key_type = "username";
  AuthingConnector connector("authing", s);
  mapping::Desired desired{"grace", {{"name", {"Grace Hopper"}}, {"email", {"grace@example.org"}}}};
  ASSERT_TRUE(converge(connector, desired, false, kMark).status.ok());
  EXPECT_TRUE(server_.find("username", "grace"));
  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::rename, "grace", "ghopper", {}, {}}).ok());
  EXPECT_TRUE(server_.find("username", "ghopper"));
  EXPECT_FALSE(server_.find("username", "grace"));
}

TEST_F(AuthingTest, CorrelationFindsAnAccountByAUniqueFieldAndTakesItOver) {
  server_.seed({{"externalId", "legacy-7"}, {"username", "ada"}, {"email", "ada@example.org"}, {"name", "A. L."}});
  server_.seed({{"username", "bob"}, {"email", "bob@example.org"}});  // no externalId (made in the console)
  AuthingConnector connector("authing", settings());
  EXPECT_TRUE(connector.can_find_by("email"));
  EXPECT_FALSE(connector.can_find_by("nickname"));
  auto found = connector.find_by("email", "ada@example.org", {"name", "username"});
  ASSERT_TRUE(found.ok()) << found.failure().message;
  ASSERT_EQ(found.value().size(), 1u);
  EXPECT_EQ(found.value()[0].key, "legacy-7");
  EXPECT_EQ(found.value()[0].attributes["name"], mapping::Values{"A. L."});
  EXPECT_EQ(found.value()[0].version, (*server_.find("externalId", "legacy-7"))["updatedAt"]);
  auto nobody = connector.find_by("email", "nobody@example.org", {"name"});
  ASSERT_TRUE(nobody.ok());
  EXPECT_TRUE(nobody.value().empty());

  // What the planner then does with the link: rename to our key, update, no create.
  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::rename, "legacy-7", "emp-1001", {}, {}}).ok());
  ASSERT_TRUE(converge(connector, ada(), false, kMark).status.ok());
  EXPECT_EQ((*server_.find("externalId", "emp-1001"))["name"], "Ada Lovelace");
  EXPECT_EQ(server_.user_count(), 2u);
}

// The old note "accounts without our key are not auto-linked" no longer
// holds: one made in the console (no externalId) is offered under its own
// userId, read and renamed by it, and the rename gives it our key.
TEST_F(AuthingTest, CorrelationOffersAnAccountWithoutOurKeyUnderItsOwnUserId) {
  server_.seed({{"userId", "62b1c0ffee"}, {"username", "ada"}, {"email", "ada@example.org"}, {"name", "A. L."}});
  AuthingConnector connector("authing", settings());
  for (const char* attribute : {"email", "username"}) {
    auto found = connector.find_by(attribute, attribute == std::string("email") ? "ada@example.org" : "ada", {"name"});
    ASSERT_TRUE(found.ok()) << found.failure().message;
    ASSERT_EQ(found.value().size(), 1u) << attribute;
    EXPECT_EQ(found.value()[0].key, "user_id:62b1c0ffee");
    EXPECT_EQ(found.value()[0].attributes["name"], mapping::Values{"A. L."});
  }
  auto read = connector.read("user_id:62b1c0ffee", {"name"});  // as `conflicts resolve --take target` reads a candidate
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->key, "user_id:62b1c0ffee");

  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::rename, "user_id:62b1c0ffee", "emp-1001", {}, {}}).ok());
  EXPECT_EQ((*server_.find("userId", "62b1c0ffee"))["externalId"], "emp-1001");
  ASSERT_TRUE(converge(connector, ada(), false, kMark).status.ok());
  EXPECT_EQ((*server_.find("externalId", "emp-1001"))["name"], "Ada Lovelace");
  EXPECT_EQ(server_.user_count(), 1u);
  // Our own keys never take that form.
  auto refused = connector.apply({reconcile::Operation::Kind::rename, "emp-1001", "user_id:x", {}, {}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.failure().kind, FailureKind::permanent);
}

TEST_F(AuthingTest, ManagementTokenIsCachedAndFetchedAgainWhenRevoked) {
  AuthingConnector connector("authing", settings("token"));
  ASSERT_TRUE(converge(connector, ada(), false, kMark).status.ok());
  ASSERT_TRUE(converge(connector, ada(), true, kMark).status.ok());
  EXPECT_EQ(server_.tokens_issued(), 1);
  server_.revoke_tokens();
  ASSERT_TRUE(connector.read("emp-1001", {"name"}).ok());
  EXPECT_EQ(server_.tokens_issued(), 2);
}

TEST_F(AuthingTest, ManagementTokenIsRefreshedBeforeItExpires) {
  AuthingServerOptions o = server_options();
  o.token_lifetime_s = 2;  // shorter than the one-minute margin: renewed after half its life
  AuthingServer short_lived(o);
  short_lived.start();
  auto s = settings("token");
  s.http.base_url = short_lived.base_url();
  AuthingConnector connector("authing", s);
  EXPECT_EQ(test::cloud::tokens_over_half_life([&] { return connector.read("x", {"name"}).ok(); },
                                               [&] { return short_lived.tokens_issued(); }),
            (std::vector<int>{1, 1, 2}));
}

TEST_F(AuthingTest, WrongSecretStopsTheTarget) {
  for (const std::string auth : {"signature", "token"}) {
    auto s = settings(auth);
    s.access_key_secret.value = "wrong-secret";
    AuthingConnector connector("authing", s);
    auto read = connector.read("emp-1001", {"name"});
    ASSERT_FALSE(read.ok()) << auth;
    EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
    EXPECT_EQ(read.failure().code, "authing:HTTP 401 2020");
    EXPECT_NE(read.failure().message.find("authentication failed"), std::string::npos) << read.failure().message;
    EXPECT_EQ(read.failure().message.find("wrong-secret"), std::string::npos);
  }
}

TEST_F(AuthingTest, StaleDateIsRejected) {
  AuthingServerOptions o = server_options();
  o.clock_offset = std::chrono::hours(1);
  AuthingServer later(o);
  later.start();
  auto s = settings();
  s.http.base_url = later.base_url();
  AuthingConnector connector("authing", s);
  auto read = connector.read("emp-1001", {"name"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
  EXPECT_NE(read.failure().message.find("request date is too far"), std::string::npos);
}

// Signs like the connector, then lets the test spoil the request.
http::Sign sign_then(std::function<void(http::Request&)> spoil) {
  return [spoil](http::Request& r) {
    r.headers = {{"content-type", "application/json"},
                 {"date", signing::http_date(signing::Clock::now())},
                 {"x-authing-signature-nonce", "nonce-fixed-for-replay"}};
    const auto sts = signing::authing::string_to_sign(
        r.method, r.headers, r.path, signing::authing::body_params(nlohmann::ordered_json::parse(r.body)));
    r.headers.emplace_back("authorization",
                           signing::authing::authorization("pool_62a1", signing::authing::signature(kSecret, sts)));
    spoil(r);
  };
}

TEST_F(AuthingTest, TamperedBodyAndReplayedNonceAreRejected) {
  http::Options o;
  o.base_url = server_.base_url();
  o.max_attempts = 1;
  http::Client client("raw", o);
  const http::Request create{"POST", "/api/v3/create-user", {}, {}, R"({"username":"eve"})", false};
  auto tampered = client.send(create, sign_then([](http::Request& r) { r.body = R"({"username":"mallory"})"; }));
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(tampered.value().status, 401);
  EXPECT_NE(tampered.value().body.find("signature does not match"), std::string::npos);

  auto replayed = client.send(create, sign_then([](http::Request&) {}));
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed.value().status, 401);
  EXPECT_NE(replayed.value().body.find("nonce"), std::string::npos);
  EXPECT_EQ(server_.user_count(), 0u);
}

TEST_F(AuthingTest, FieldLimitsAreCheckedBeforeSending) {
  AuthingConnector connector("authing", settings());
  const struct {
    mapping::Attributes attributes;
    std::string message;
  } cases[] = {
      {{{"gender", {"X"}}}, "'gender' must be one of M, F, W, U, not 'X'"},
      {{{"status", {"Gone"}}}, "'status' must be one of"},
      {{{"email", {"not-an-email"}}}, "'email' must be an email address"},
      {{{"birthdate", {"3 June 1990"}}}, "'birthdate' must be a date like 2022-06-03"},
      {{{"emailVerified", {"yes"}}}, "'emailVerified' must be true or false"},
      {{{"nickname", {"a", "b"}}}, "field 'nickname' takes one value, the mapping gave 2"},
      {{{"title", {"Dr"}}}, "attribute 'title' is not a field of the authing user"},
  };
  for (const auto& c : cases) {
    auto status = connector.apply({reconcile::Operation::Kind::create, "emp-9", {}, c.attributes, {}});
    ASSERT_FALSE(status.ok()) << c.message;
    EXPECT_EQ(status.failure().kind, FailureKind::permanent);
    EXPECT_EQ(status.failure().code, "authing:invalid");
    EXPECT_NE(status.failure().message.find("user 'emp-9': "), std::string::npos) << status.failure().message;
    EXPECT_NE(status.failure().message.find(c.message), std::string::npos) << status.failure().message;
  }
  EXPECT_EQ(server_.http().requests(), 0);
}

TEST_F(AuthingTest, ServerSideRejectionsAreClassified) {
  AuthingConnector connector("authing", settings());
  ASSERT_TRUE(converge(connector, ada(), false, kMark).status.ok());

  // Someone else already has this email: a conflict for the reconciler, not a retry loop.
  mapping::Desired other{"emp-2002", {{"email", {"ada@example.org"}}}};
  auto taken = converge(connector, other, false, kMark);
  ASSERT_FALSE(taken.status.ok());
  EXPECT_EQ(taken.status.failure().kind, FailureKind::conflict);
  EXPECT_EQ(taken.rounds, 1);

  mapping::Desired undeclared{"emp-1001", {{"customData.shoe_size", {"42"}}}};
  auto rejected = converge(connector, undeclared, false, kMark);
  ASSERT_FALSE(rejected.status.ok());
  EXPECT_EQ(rejected.status.failure().kind, FailureKind::permanent);
  EXPECT_NE(rejected.status.failure().message.find("not defined in this user pool"), std::string::npos);

  // Gone between read and update: retried, and the next round creates it again.
  auto gone = connector.apply({reconcile::Operation::Kind::modify, "emp-404", {}, {},
                               {{"nickname", reconcile::ChangeKind::replace, {"x"}}}});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.failure().kind, FailureKind::retry);
  auto missing = connector.read("emp-404", {"name"});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value());
}

TEST_F(AuthingTest, InjectedFaultsConvergeWithoutDuplicateCreates) {
  AuthingConnector connector("authing", settings());
  server_.http().inject(Fault::status_code(429, "0"));
  server_.http().inject(Fault::status_code(503));
  server_.http().inject(Fault::drop(true).on("/api/v3/create-user"));  // created, answer lost
  server_.http().inject(Fault::slow(500).on("/api/v3/get-user"));     // read times out once
  server_.http().inject(Fault::status_code(502).on("/api/v3/update-user"));
  auto result = converge(connector, ada(), false, kMark);
  ASSERT_TRUE(result.status.ok()) << result.status.failure().message;
  EXPECT_EQ(server_.user_count(), 1u);
  EXPECT_GT(result.rounds, 1);

  mapping::Desired changed = ada();
  changed.attributes["nickname"] = {"Countess"};
  server_.http().inject(Fault::drop(true).on("/api/v3/update-user"));
  server_.http().inject(Fault::status_code(500).on("/api/v3/update-user"), 5);
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.find("externalId", "emp-1001"))["nickname"], "Countess");
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(AuthingTest, ListUsersPagesAndLimits) {
  for (int i = 0; i < 7; ++i) server_.seed({{"username", "u" + std::to_string(i)}});
  http::Options o;
  o.base_url = server_.base_url();
  http::Client client("raw", o);
  auto sign = [](http::Request& r) {
    r.headers = {{"date", signing::http_date(signing::Clock::now())},
                 {"x-authing-signature-nonce", signing::random_hex(16)}};
    const auto sts = signing::authing::string_to_sign(r.method, r.headers, r.path, r.query);
    r.headers.emplace_back("authorization",
                           signing::authing::authorization("pool_62a1", signing::authing::signature(kSecret, sts)));
  };
  std::vector<std::string> names;
  for (int page = 1;; ++page) {
    auto res = client.send({"GET", "/api/v3/list-users", {{"page", std::to_string(page)}, {"limit", "3"}}, {}, "", true},
                           sign);
    ASSERT_TRUE(res.ok());
    auto body = nlohmann::json::parse(res.value().body);
    EXPECT_EQ(body["data"]["totalCount"], 7);
    if (body["data"]["list"].empty()) break;
    for (const auto& u : body["data"]["list"]) names.push_back(u["username"]);
  }
  EXPECT_EQ(names.size(), 7u);
  auto too_many = client.send({"GET", "/api/v3/list-users", {{"limit", "51"}}, {}, "", true}, sign);
  ASSERT_TRUE(too_many.ok());
  EXPECT_EQ(too_many.value().status, 400);
}

TEST_F(AuthingTest, SecretsNeverReachLogsOrFailures) {
  std::string failures;
  {
    AuthingConnector signature("authing", settings());
    AuthingConnector token("authing", settings("token"));
    server_.http().inject(Fault::status_code(503), 2);
    failures += converge(signature, ada(), false, kMark).failures;
    failures += converge(token, ada(), true, kMark).failures;
    auto bad = settings();
    bad.access_key_secret.value = kSecret + "x";
    AuthingConnector wrong("authing", bad);
    failures += converge(wrong, ada(), false, kMark).failures;
  }
  const std::string logged = logs_.text() + failures;
  EXPECT_FALSE(logged.empty());
  EXPECT_EQ(logged.find(kSecret), std::string::npos);
  EXPECT_EQ(logged.find("Bearer"), std::string::npos);
  EXPECT_EQ(logged.find("authing pool_62a1:"), std::string::npos);  // no Authorization value
}

}  // namespace
}  // namespace idb::connectors::authing
