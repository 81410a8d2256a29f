// The PDS connector against the faithful local PDS server.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>


#include "connectors/pds/pds_connector.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/pds.h"
#include "tests/cloud/harness.h"
#include "tests/cloud/servers/pds_app_key.h"
#include "tests/cloud/servers/pds_server.h"
#include "tests/cloud/servers/test_ca.h"

namespace idb::connectors::pds {
namespace {

using test::cloud::converge;
using test::cloud::Fault;
using test::cloud::LogCapture;
using test::cloud::PdsServer;
using test::cloud::PdsServerOptions;
using test::cloud::TempState;

const std::string kSecret = "pds-secret-7d1e0b";
const reconcile::DisableMark kMark{"status", "disabled"};

PdsServerOptions server_options() {
  PdsServerOptions o;
  o.access_key_id = "LTAI-test";
  o.access_key_secret = kSecret;
  o.app_public_key = test::cloud::kPdsAppPublicKey;
  return o;
}

class PdsTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }

  config::PdsTarget settings() {
    config::PdsTarget t;
    t.http.base_url = server_.base_url();
    t.http.timeout_ms = 300;
    t.http.rate_limit = 0;
    t.domain_id = "bj1";
    t.access_key_id = "LTAI-test";
    t.access_key_secret = {"${env:PDS_SECRET}", kSecret};
    return t;
  }

  config::PdsTarget token_settings() {
    config::PdsTarget t = settings();
    t.auth = "token";
    t.access_key_id.clear();
    t.access_key_secret = {};
    t.client_id = "pds-app-1";
    t.private_key = {"${file:/etc/idbridge/pds-app.pem}", test::cloud::kPdsAppPrivateKey};
    return t;
  }

  mapping::Desired ada() {
    return {"2819c223-7f76-453a-919d-413861904646",
            {{"user_name", {"ada"}},
             {"nick_name", {"Ada Lovelace"}},
             {"email", {"ada@example.org"}},
             {"description", {"analyst"}},
             {"user_data.dept", {"R&D"}}}};
  }

  LogCapture logs_;
  PdsServer server_{server_options()};
};

TEST_F(PdsTest, DeleteRemovesTheAccountAndARepeatSucceeds) {
  PdsConnector connector("pds", settings());
  ASSERT_TRUE(converge(connector, ada(), false, kMark).status.ok());
  const reconcile::Operation remove{reconcile::Operation::Kind::remove, ada().key, {}, {}, {}};
  ASSERT_TRUE(connector.apply(remove).ok());
  EXPECT_FALSE(server_.user(ada().key));
  EXPECT_TRUE(connector.apply(remove).ok());  // gone already: a repeat after a crash
}

TEST_F(PdsTest, RoundTripCreateUpdateReadDisableEnable) {
  PdsConnector connector("pds", settings());
  ASSERT_TRUE(converge(connector, ada(), false, kMark).status.ok());
  const std::string id = ada().key;
  auto stored = server_.user(id);
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["user_name"], "ada");
  EXPECT_EQ((*stored)["user_data"]["dept"], "R&D");
  EXPECT_EQ((*stored)["status"], "enabled");

  mapping::Desired changed = ada();
  changed.attributes["nick_name"] = {"Countess"};
  changed.attributes["description"] = {};
  changed.attributes["user_data.site"] = {"London"};
  auto updated = converge(connector, changed, false, kMark);
  ASSERT_TRUE(updated.status.ok()) << updated.status.failure().message;
  auto read = connector.read(id, {"nick_name", "description", "status", "user_data.dept", "user_data.site"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->attributes["nick_name"], mapping::Values{"Countess"});
  EXPECT_EQ(read.value()->attributes.count("description"), 0u);
  EXPECT_EQ(read.value()->attributes.count("status"), 0u);  // enabled is "no mark"
  EXPECT_EQ(read.value()->attributes["user_data.dept"], mapping::Values{"R&D"});
  EXPECT_EQ(read.value()->attributes["user_data.site"], mapping::Values{"London"});

  ASSERT_TRUE(converge(connector, changed, true, kMark).status.ok());
  EXPECT_EQ((*server_.user(id))["status"], "disabled");
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.user(id))["status"], "enabled");
  EXPECT_EQ(converge(connector, changed, false, kMark).rounds, 1);
  EXPECT_EQ(server_.user_count(), 1u);
}

// Issue 7: a write hands back the account's version (the updated_at of the
// User it answers with), which a read then finds unchanged.
TEST_F(PdsTest, WritesAndReadsCarryTheAccountsUpdateTimeAsItsVersion) {
  PdsConnector connector("pds", settings());
  const std::string id = ada().key;
  auto created = connector.apply({reconcile::Operation::Kind::create, id, {}, ada().attributes, {}});
  ASSERT_TRUE(created.ok()) << created.failure().message;
  EXPECT_EQ(created.value().version, (*server_.user(id))["updated_at"].dump());
  auto modified = connector.apply(
      {reconcile::Operation::Kind::modify, id, {}, {}, {{"nick_name", reconcile::ChangeKind::replace, {"Countess"}}}});
  ASSERT_TRUE(modified.ok()) << modified.failure().message;
  EXPECT_EQ(modified.value().version, (*server_.user(id))["updated_at"].dump());
  auto read = connector.read(id, {"nick_name"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->version, modified.value().version);
  EXPECT_FALSE(read.value()->version.empty());
}

// Correlation: /v2/user/search by a person's field, every page, exact
// matches only; the account found keeps its user_id (PDS cannot change it),
// so the rename that makes it ours links our key to it, and every later
// call addresses that user_id.
TEST_F(PdsTest, CorrelationSearchesExactlyAndARenameLinksOurKeyToTheAccount) {
  for (int i = 0; i < 150; ++i) {  // more than one page of the search's limit of 100
    server_.seed({{"user_id", "filler-" + std::to_string(i)}, {"nick_name", "Ada"}, {"email", "f" + std::to_string(i) + "@example.org"}});
  }
  server_.seed({{"user_id", "zz-console-1"}, {"user_name", "ada"}, {"nick_name", "Ada"}, {"email", "ada@example.org"}});
  TempState state;
  PdsConnector connector("pds", settings(), false, &state.store());
  EXPECT_TRUE(connector.can_find_by("email"));
  EXPECT_FALSE(connector.can_find_by("description"));
  auto by_email = connector.find_by("email", "ada@example.org", {"nick_name"});
  ASSERT_TRUE(by_email.ok()) << by_email.failure().message;
  ASSERT_EQ(by_email.value().size(), 1u);
  EXPECT_EQ(by_email.value()[0].key, "zz-console-1");
  EXPECT_EQ(by_email.value()[0].version, (*server_.user("zz-console-1"))["updated_at"].dump());
  auto by_nick = connector.find_by("nick_name", "Ada", {"nick_name"});  // every page
  ASSERT_TRUE(by_nick.ok());
  EXPECT_EQ(by_nick.value().size(), 151u);
  EXPECT_TRUE(connector.find_by("email", "ada@example", {}).value().empty());  // exact only

  const std::string key = ada().key;
  auto renamed = connector.apply({reconcile::Operation::Kind::rename, "zz-console-1", key, {}, {}});
  ASSERT_TRUE(renamed.ok()) << renamed.failure().message;
  EXPECT_EQ(renamed.value().version, (*server_.user("zz-console-1"))["updated_at"].dump());  // nothing written
  EXPECT_EQ(state.store().account_id("pds", key), "zz-console-1");
  mapping::Desired desired = ada();
  desired.attributes.erase("user_name");  // PDS cannot change it (create_only in a mapping)
  ASSERT_TRUE(converge(connector, desired, false, kMark).status.ok());
  EXPECT_EQ((*server_.user("zz-console-1"))["description"], "analyst");
  EXPECT_EQ((*server_.user("zz-console-1"))["user_data"]["dept"], "R&D");
  EXPECT_FALSE(server_.user(key));
  auto read = connector.read(key, {"nick_name"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->key, key);
  EXPECT_EQ(read.value()->attributes["nick_name"], mapping::Values{"Ada Lovelace"});

  // Linked to our key, the account is ours: another user's correlation finds
  // it under our key (which the planner leaves to us), its own user_id finds
  // nothing, and it cannot be linked to a second key.
  auto again = connector.find_by("email", "ada@example.org", {});
  ASSERT_TRUE(again.ok() && again.value().size() == 1);
  EXPECT_EQ(again.value()[0].key, key);
  auto own = connector.read("zz-console-1", {});
  ASSERT_TRUE(own.ok());
  EXPECT_FALSE(own.value());
  auto second = connector.apply({reconcile::Operation::Kind::rename, "zz-console-1", "emp-2", {}, {}});
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.failure().kind, FailureKind::retry);  // nothing at zz-console-1 for us
  EXPECT_EQ(state.store().account_keys("pds", "zz-console-1"), std::vector<std::string>{key});

  // A key someone holds already cannot be linked to another account.
  auto taken = connector.apply({reconcile::Operation::Kind::rename, "filler-1", "filler-2", {}, {}});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.failure().kind, FailureKind::conflict);
  // Deleting ours deletes the linked account, and the link with it.
  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::remove, key, {}, {}, {}}).ok());
  EXPECT_FALSE(server_.user("zz-console-1"));
  EXPECT_FALSE(state.store().account_id("pds", key));
}

TEST_F(PdsTest, MappedUserIdAndStatusConvergeToNothingToDo) {
  PdsConnector connector("pds", settings(), /*status_mapped=*/true);
  mapping::Desired desired{"emp-7", {{"user_id", {"emp-7"}}, {"status", {"enabled"}}, {"nick_name", {"Li Wei"}}}};
  ASSERT_TRUE(converge(connector, desired, false, kMark).status.ok());
  EXPECT_EQ((*server_.user("emp-7"))["nick_name"], "Li Wei");
  EXPECT_EQ(converge(connector, desired, false, kMark).rounds, 1);
  ASSERT_TRUE(converge(connector, desired, true, kMark).status.ok());
  EXPECT_EQ((*server_.user("emp-7"))["status"], "disabled");
  desired.attributes["user_id"] = {"someone-else"};
  auto wrong = converge(connector, desired, false, kMark);
  ASSERT_FALSE(wrong.status.ok());
  EXPECT_EQ(wrong.status.failure().kind, FailureKind::permanent);
}

TEST_F(PdsTest, UserDataKeysTheMappingDoesNotManageSurvive) {
  PdsConnector connector("pds", settings());
  server_.seed({{"user_id", "u1"}, {"status", "enabled"}, {"user_data", {{"cost_center", "42"}, {"dept", "old"}}}});
  mapping::Desired desired{"u1", {{"user_data.dept", {"R&D"}}}};
  ASSERT_TRUE(converge(connector, desired, false, kMark).status.ok());
  EXPECT_EQ((*server_.user("u1"))["user_data"], (nlohmann::json{{"cost_center", "42"}, {"dept", "R&D"}}));
  desired.attributes["user_data.dept"] = {};
  ASSERT_TRUE(converge(connector, desired, false, kMark).status.ok());
  EXPECT_EQ((*server_.user("u1"))["user_data"], (nlohmann::json{{"cost_center", "42"}}));
}

TEST_F(PdsTest, FieldLimitsAreCheckedBeforeSending) {
  PdsConnector connector("pds", settings());
  const struct {
    std::string key;
    mapping::Attributes attributes;
    std::string message;
  } cases[] = {
      {std::string(65, 'u'), {}, "the key (PDS user_id) is 65 characters long; at most 64 are allowed"},
      {"a#b", {}, "must not contain '#'"},
      {"", {}, "the key (PDS user_id) is empty"},
      {"u1", {{"nick_name", {std::string(129, 'n')}}}, "'nick_name' is 129 characters long; at most 128"},
      {"u1", {{"description", {std::string(1025, 'd')}}}, "'description' is 1025 characters long"},
      {"u1", {{"role", {"root"}}}, "'role' must be one of"},
      {"u1", {{"status", {"gone"}}}, "'status' must be one of enabled, disabled"},
      {"u1", {{"avatar", {"ftp://x"}}}, "'avatar' must be an http(s):// URL"},
      {"u1", {{"email", {"nobody"}}}, "'email' must be an email address"},
      {"u1", {{"user_data.a", {std::string(600, 'x')}}, {"user_data.b", {std::string(600, 'y')}}},
       "user_data holds 1202 characters; at most 1024"},
      {"u1", {{"phone", {"1", "2"}}}, "field 'phone' takes one value"},
      {"u1", {{"given_name", {"x"}}}, "attribute 'given_name' is not a field of the pds user"},
  };
  for (const auto& c : cases) {
    auto status = connector.apply({reconcile::Operation::Kind::create, c.key, {}, c.attributes, {}});
    ASSERT_FALSE(status.ok()) << c.message;
    EXPECT_EQ(status.failure().kind, FailureKind::permanent);
    EXPECT_EQ(status.failure().code, "pds:invalid");
    EXPECT_NE(status.failure().message.find(c.message), std::string::npos) << status.failure().message;
  }
  auto rename = connector.apply({reconcile::Operation::Kind::rename, "u1", "u2", {}, {}});
  ASSERT_FALSE(rename.ok());
  EXPECT_NE(rename.failure().message.find("cannot change"), std::string::npos);
  auto user_name = connector.apply(
      {reconcile::Operation::Kind::modify, "u1", {}, {}, {{"user_name", reconcile::ChangeKind::replace, {"x"}}}});
  ASSERT_FALSE(user_name.ok());
  EXPECT_NE(user_name.failure().message.find("'user_name' cannot be changed"), std::string::npos);
  EXPECT_EQ(server_.http().requests(), 0);
}

TEST_F(PdsTest, AuthenticationFailuresStopTheTarget) {
  auto wrong = settings();
  wrong.access_key_secret.value = "not-the-secret";
  auto read = PdsConnector("pds", wrong).read("u1", {"nick_name"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
  EXPECT_EQ(read.failure().code, "pds:HTTP 401 InvalidSignature");
  EXPECT_NE(read.failure().message.find("the signature does not match"), std::string::npos);
  EXPECT_NE(read.failure().message.find("check the target's access key"), std::string::npos);

  auto unknown = settings();
  unknown.access_key_id = "LTAI-other";
  auto who = PdsConnector("pds", unknown).read("u1", {"nick_name"});
  ASSERT_FALSE(who.ok());
  EXPECT_NE(who.failure().message.find("AccessKeyId is not found"), std::string::npos);

  PdsServerOptions o = server_options();
  o.clock_offset = std::chrono::minutes(-20);
  PdsServer earlier(o);
  earlier.start();
  auto s = settings();
  s.http.base_url = earlier.base_url();
  auto stale = PdsConnector("pds", s).read("u1", {"nick_name"});
  ASSERT_FALSE(stale.ok());
  EXPECT_NE(stale.failure().message.find("too far from server time"), std::string::npos);
}

TEST_F(PdsTest, SignedHeadersCannotBeTamperedWithOrReplayed) {
  http::Options o;
  o.base_url = server_.base_url();
  o.max_attempts = 1;
  http::Client client("raw", o);
  auto signed_then = [](std::function<void(http::Request&)> spoil) {
    return [spoil](http::Request& r) {
      // httplib sends "Accept: */*" unless told otherwise, and Accept is signed.
      r.headers = {{"accept", "application/json"},
                   {"content-type", "application/json"},
                   {"date", signing::http_date(signing::Clock::now())},
                   {"x-acs-action", "GetUser"},
                   {"x-acs-signature-nonce", "fixed-nonce"}};
      const auto sts = signing::pds::string_to_sign(r.method, r.headers, r.path, r.query);
      r.headers.emplace_back("authorization", signing::pds::authorization("LTAI-test", signing::pds::signature(kSecret, sts)));
      spoil(r);
    };
  };
  const http::Request get{"POST", "/v2/user/get", {}, {}, R"({"user_id":"u1"})", true};
  auto tampered = client.send(get, signed_then([](http::Request& r) { r.headers[3].second = "DeleteUser"; }));
  ASSERT_TRUE(tampered.ok());
  EXPECT_EQ(tampered.value().status, 401);
  auto first = client.send(get, signed_then([](http::Request&) {}));
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first.value().status, 404);
  auto replayed = client.send(get, signed_then([](http::Request&) {}));
  ASSERT_TRUE(replayed.ok());
  EXPECT_EQ(replayed.value().status, 401);
  EXPECT_NE(replayed.value().body.find("nonce"), std::string::npos);
}

TEST_F(PdsTest, DuplicateCreateIsAConflictAndMissingUserARetry) {
  PdsConnector connector("pds", settings());
  server_.seed({{"user_id", "u1"}, {"status", "enabled"}});
  auto dup = connector.apply({reconcile::Operation::Kind::create, "u1", {}, {{"nick_name", {"x"}}}, {}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.failure().kind, FailureKind::conflict);
  EXPECT_EQ(dup.failure().code, "pds:HTTP 409 AlreadyExist.User");
  auto gone = connector.apply(
      {reconcile::Operation::Kind::modify, "u404", {}, {}, {{"nick_name", reconcile::ChangeKind::replace, {"x"}}}});
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.failure().kind, FailureKind::retry);
  auto missing = connector.read("u404", {"nick_name"});
  ASSERT_TRUE(missing.ok());
  EXPECT_FALSE(missing.value());
}

TEST_F(PdsTest, InjectedFaultsConvergeWithoutDuplicateCreates) {
  PdsConnector connector("pds", settings());
  server_.http().inject(Fault::status_code(429, "0"));
  server_.http().inject(Fault::status_code(503));
  server_.http().inject(Fault::drop(true).on("/v2/user/create"));
  server_.http().inject(Fault::status_code(500).on("/v2/user/create"));
  server_.http().inject(Fault::slow(500).on("/v2/user/get"));
  auto result = converge(connector, ada(), false, kMark);
  ASSERT_TRUE(result.status.ok()) << result.status.failure().message;
  EXPECT_EQ(server_.user_count(), 1u);

  mapping::Desired changed = ada();
  changed.attributes["nick_name"] = {"Countess"};
  server_.http().inject(Fault::drop(true).on("/v2/user/update"));
  server_.http().inject(Fault::status_code(502).on("/v2/user/update"), 4);
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.user(ada().key))["nick_name"], "Countess");
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(PdsTest, ListAndSearchPageWithMarkers) {
  for (int i = 0; i < 5; ++i) {
    server_.seed({{"user_id", "u" + std::to_string(i)}, {"nick_name", i % 2 ? "odd" : "even"}, {"status", "enabled"}});
  }
  http::Options o;
  o.base_url = server_.base_url();
  http::Client client("raw", o);
  auto sign = [](http::Request& r) {
    r.headers = {{"accept", "application/json"},
                 {"content-type", "application/json"},
                 {"date", signing::http_date(signing::Clock::now())},
                 {"x-acs-signature-nonce", signing::random_hex(16)}};
    const auto sts = signing::pds::string_to_sign(r.method, r.headers, r.path, r.query);
    r.headers.emplace_back("authorization", signing::pds::authorization("LTAI-test", signing::pds::signature(kSecret, sts)));
  };
  std::vector<std::string> ids;
  std::string marker;
  do {
    nlohmann::json body{{"limit", 2}};
    if (!marker.empty()) body["marker"] = marker;
    auto res = client.send({"POST", "/v2/user/list", {}, {}, body.dump(), true}, sign);
    ASSERT_TRUE(res.ok());
    auto page = nlohmann::json::parse(res.value().body);
    for (const auto& u : page["items"]) ids.push_back(u["user_id"]);
    marker = page["next_marker"];
  } while (!marker.empty());
  EXPECT_EQ(ids, (std::vector<std::string>{"u0", "u1", "u2", "u3", "u4"}));
  auto odd = client.send({"POST", "/v2/user/search", {}, {}, R"({"nick_name":"odd"})", true}, sign);
  ASSERT_TRUE(odd.ok());
  EXPECT_EQ(nlohmann::json::parse(odd.value().body)["items"].size(), 2u);
  auto bad = client.send({"POST", "/v2/user/list", {}, {}, R"({"limit":101})", true}, sign);
  ASSERT_TRUE(bad.ok());
  EXPECT_EQ(bad.value().status, 400);
}

TEST_F(PdsTest, SecretsNeverReachLogsOrFailures) {
  std::string failures;
  {
    PdsConnector connector("pds", settings());
    server_.http().inject(Fault::status_code(503), 2);
    failures += converge(connector, ada(), false, kMark).failures;
    auto bad = settings();
    bad.access_key_secret.value = kSecret + "x";
    PdsConnector wrong("pds", bad);
    failures += converge(wrong, ada(), true, kMark).failures;
  }
  const std::string logged = logs_.text() + failures;
  EXPECT_FALSE(logged.empty());
  EXPECT_EQ(logged.find(kSecret), std::string::npos);
  EXPECT_EQ(logged.find("acs LTAI-test:"), std::string::npos);
}

TEST_F(PdsTest, BearerTokenModeRoundTripsWithOneToken) {
  PdsConnector connector("pds", token_settings());
  ASSERT_TRUE(converge(connector, ada(), false, kMark).status.ok());
  auto changed = ada();
  changed.attributes["nick_name"] = {"Countess"};
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  ASSERT_TRUE(converge(connector, changed, true, kMark).status.ok());
  EXPECT_EQ((*server_.user(ada().key))["nick_name"], "Countess");
  EXPECT_EQ((*server_.user(ada().key))["status"], "disabled");
  EXPECT_EQ(server_.tokens_issued(), 1);  // cached across every call
  const std::string logged = logs_.text();
  EXPECT_EQ(logged.find("Bearer"), std::string::npos);
  EXPECT_EQ(logged.find("PRIVATE KEY"), std::string::npos);
}

TEST_F(PdsTest, ExpiredBearerTokenIsFetchedAgainOnce) {
  PdsConnector connector("pds", token_settings());
  ASSERT_TRUE(connector.read("u1", {"nick_name"}).ok());
  server_.expire_tokens();
  ASSERT_TRUE(connector.read("u1", {"nick_name"}).ok());
  EXPECT_EQ(server_.tokens_issued(), 2);
}

TEST_F(PdsTest, BearerTokenIsRenewedBeforeItExpires) {
  PdsServerOptions o = server_options();
  o.token_lifetime = std::chrono::seconds(2);  // renewed after half its life
  PdsServer short_lived(o);
  short_lived.start();
  auto s = token_settings();
  s.http.base_url = short_lived.base_url();
  PdsConnector connector("pds", s);
  EXPECT_EQ(test::cloud::tokens_over_half_life([&] { return connector.read("u1", {"nick_name"}).ok(); },
                                               [&] { return short_lived.tokens_issued(); }),
            (std::vector<int>{1, 1, 2}));
}

TEST_F(PdsTest, RefusedGrantsStopTheTarget) {
  auto expect_refused = [&](const config::PdsTarget& s, const std::string& code, const std::string& text) {
    auto read = PdsConnector("pds", s).read("u1", {"nick_name"});
    ASSERT_FALSE(read.ok()) << code;
    EXPECT_EQ(read.failure().kind, FailureKind::stop_target) << code;
    EXPECT_EQ(read.failure().code, code);
    EXPECT_NE(read.failure().message.find(text), std::string::npos) << read.failure().message;
  };
  auto other_key = token_settings();
  other_key.private_key.value = test::cloud::kUnrelatedPrivateKey;
  expect_refused(other_key, "pds:HTTP 401 InvalidJWT.Signature", "signature does not verify");
  auto other_app = token_settings();
  other_app.client_id = "pds-app-2";
  expect_refused(other_app, "pds:HTTP 401 InvalidClient", "not an app of this domain");
  auto other_domain = token_settings();
  other_domain.domain_id = "hz2";
  expect_refused(other_domain, "pds:HTTP 401 InvalidJWT.Audience", "aud must be the domain_id");
  auto not_a_key = token_settings();
  not_a_key.private_key.value = "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n";
  expect_refused(not_a_key, "pds:token", "not a usable RSA private key");

  PdsServerOptions o = server_options();
  o.clock_offset = std::chrono::hours(2);  // the assertion expired by the server's clock
  PdsServer later(o);
  later.start();
  auto s = token_settings();
  s.http.base_url = later.base_url();
  expect_refused(s, "pds:HTTP 401 InvalidJWT.Expired", "do not hold now");

  // A token the server never issued is refused in the API's own shape.
  httplib::Client raw("127.0.0.1", server_.http().port());
  auto forged = raw.Post("/v2/user/get", {{"Authorization", "Bearer forged"}}, R"({"user_id":"u1"})", "application/json");
  ASSERT_TRUE(forged);
  EXPECT_EQ(forged->status, 401);
  EXPECT_EQ(nlohmann::json::parse(forged->body)["code"], "AccessTokenInvalid");
  EXPECT_EQ(logs_.text().find("PRIVATE KEY"), std::string::npos);
}

TEST_F(PdsTest, HttpsVerifiesTheServerCertificate) {
  const auto dir = std::filesystem::temp_directory_path() / ("idb-pds-tls-" + std::to_string(::getpid()));
  const auto ca = test::cloud::make_test_ca(dir);
  PdsServerOptions o = server_options();
  o.tls = ca.server;
  PdsServer secure(o);
  secure.start();
  ASSERT_TRUE(secure.base_url().starts_with("https://127.0.0.1:"));
  auto s = settings();
  s.http.base_url = secure.base_url();
  s.http.ca_file = ca.ca_file;
  {
    PdsConnector trusting("pds", s);
    ASSERT_TRUE(converge(trusting, ada(), false, kMark).status.ok());
  }
  EXPECT_TRUE(secure.user(ada().key));
  const int requests = secure.http().requests();
  for (const auto& untrusted : {ca.other_ca_file, std::filesystem::path{}}) {  // another CA; the system store
    s.http.ca_file = untrusted;
    auto read = PdsConnector("pds", s).read(ada().key, {"nick_name"});
    ASSERT_FALSE(read.ok()) << untrusted;
    EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
    EXPECT_EQ(read.failure().code, "http:SSLServerVerification");
    EXPECT_NE(read.failure().message.find("TLS certificate verification failed"), std::string::npos);
    EXPECT_NE(read.failure().message.find("check the target's base_url and ca_file"), std::string::npos);
  }
  EXPECT_EQ(secure.http().requests(), requests);  // nothing reached the handlers unverified
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace idb::connectors::pds
