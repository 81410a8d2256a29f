// The EIAM connector against the faithful local EIAM server.
#include <gtest/gtest.h>

#include "connectors/eiam/eiam_connector.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/eiam.h"
#include "tests/cloud/harness.h"
#include "tests/cloud/servers/eiam_server.h"

namespace idb::connectors::eiam {
namespace {

using test::cloud::converge;
using test::cloud::EiamServer;
using test::cloud::EiamServerOptions;
using test::cloud::Fault;
using test::cloud::LogCapture;
using test::cloud::TempState;

const std::string kSecret = "eiam-secret-93b7aa";
const reconcile::DisableMark kMark{"Status", "disabled"};

EiamServerOptions server_options() {
  EiamServerOptions o;
  o.instance_id = "idaas_ue2jvisn35ea5lmthk267xxxxx";
  o.access_key_id = "LTAI-eiam";
  o.access_key_secret = kSecret;
  o.custom_fields = {"nick_name"};
  return o;
}

class EiamTest : public ::testing::Test {
 protected:
  void SetUp() override { server_.start(); }

  config::EiamTarget settings() {
    config::EiamTarget t;
    t.http.base_url = server_.base_url();
    t.http.timeout_ms = 300;
    t.http.rate_limit = 0;
    t.instance_id = "idaas_ue2jvisn35ea5lmthk267xxxxx";
    t.organizational_unit_id = "ou_root";
    t.access_key_id = "LTAI-eiam";
    t.access_key_secret = {"${env:EIAM_SECRET}", kSecret};
    return t;
  }

  mapping::Desired zhang() {
    return {"E2001",
            {{"UserExternalId", {"E2001"}},
             {"Username", {"zhang.san"}},
             {"DisplayName", {"Zhang San (张三)"}},
             {"Email", {"a.b-c@example.com"}},
             {"PhoneRegion", {"86"}},
             {"PhoneNumber", {"13900001111"}},
             {"Description", {"analyst"}},
             {"CustomFields.nick_name", {"x y*z~"}}}};
  }

  LogCapture logs_;
  EiamServer server_{server_options()};
};

TEST_F(EiamTest, LinkedAccountsAreUpdatedWithoutListUsers) {
  TempState state;
  EiamConnector connector("eiam", settings(), false, &state.store());
  ASSERT_TRUE(converge(connector, zhang(), false, kMark).status.ok());
  const std::string id = (*server_.by_external_id("E2001"))["UserId"];
  EXPECT_EQ(state.store().account_id("eiam", "E2001"), id);  // linked by the create

  const int lists = server_.calls("ListUsers");
  for (const char* name : {"Zhang 1", "Zhang 2", "Zhang 3"}) {
    mapping::Desired changed = zhang();
    changed.attributes["DisplayName"] = {name};
    ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  }
  ASSERT_TRUE(converge(connector, zhang(), true, kMark).status.ok());
  EXPECT_EQ((*server_.by_external_id("E2001"))["Status"], "disabled");
  EXPECT_EQ(server_.calls("ListUsers"), lists);
  EXPECT_EQ(server_.calls("UpdateUser"), 4);

  // A stale link: one ListUsers finds the account again and relinks it.
  state.store().link_account("eiam", "E2001", "user_gone");
  auto read = connector.read("E2001", {"DisplayName"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->attributes["DisplayName"], mapping::Values{"Zhang San (张三)"});
  EXPECT_EQ(state.store().account_id("eiam", "E2001"), id);
  EXPECT_EQ(server_.calls("ListUsers"), lists + 1);
  EXPECT_EQ(server_.user_count(), 1u);
}

// Issue 7: reads carry the account's version (GetUser's UpdateTime), which
// every write moves, a target-side edit included. No EIAM write answers with
// it, so a write's version is unknown (empty) rather than read back.
TEST_F(EiamTest, ReadsCarryTheUpdateTimeAsTheVersionAndWritesLeaveItUnknown) {
  EiamConnector connector("eiam", settings());
  const std::vector<std::string> attributes{"DisplayName"};
  auto created = connector.apply({reconcile::Operation::Kind::create, "E2001", {}, zhang().attributes, {}});
  ASSERT_TRUE(created.ok()) << created.failure().message;
  EXPECT_EQ(created.value().version, "");
  auto read = connector.read("E2001", attributes);
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->version, (*server_.by_external_id("E2001"))["UpdateTime"].dump());

  // Each kind of write moves it: UpdateUser, UpdateUserDescription, DisableUser, EnableUser.
  std::string last = read.value()->version;
  for (const auto& change : std::vector<reconcile::AttributeChange>{
           {"DisplayName", reconcile::ChangeKind::replace, {"Zhang 1"}},
           {"Description", reconcile::ChangeKind::replace, {"lead"}},
           {"Status", reconcile::ChangeKind::replace, {"disabled"}},
           {"Status", reconcile::ChangeKind::remove, {}}}) {
    auto written = connector.apply({reconcile::Operation::Kind::modify, "E2001", {}, {}, {change}});
    ASSERT_TRUE(written.ok()) << change.attribute << ": " << written.failure().message;
    EXPECT_EQ(written.value().version, "") << change.attribute;
    auto again = connector.read("E2001", attributes);
    ASSERT_TRUE(again.ok() && again.value());
    EXPECT_NE(again.value()->version, last) << change.attribute;
    last = again.value()->version;
  }
  // Someone else's write (another client, as the console would) moves it too.
  EiamConnector console("console", settings());
  ASSERT_TRUE(console.apply({reconcile::Operation::Kind::modify, "E2001", {}, {},
                             {{"DisplayName", reconcile::ChangeKind::replace, {"Console"}}}}).ok());
  auto edited = connector.read("E2001", attributes);
  ASSERT_TRUE(edited.ok() && edited.value());
  EXPECT_NE(edited.value()->version, last);
  EXPECT_EQ(edited.value()->attributes["DisplayName"], mapping::Values{"Console"});
}

// Correlation: ListUsers by Username or DisplayName (prefix filters, every
// page) or Email, exact matches only, each read in full with GetUser. The
// account keeps its UserExternalId (EIAM cannot change it), so the rename
// that makes it ours links our key to its UserId.
TEST_F(EiamTest, CorrelationListsExactlyAndARenameLinksOurKeyToTheAccount) {
  for (int i = 0; i < 150; ++i) {  // more than one page, all matching the prefix
    server_.seed({{"UserExternalId", "x" + std::to_string(i)}, {"Username", "zhang.san" + std::to_string(i)},
                  {"DisplayName", "Zhang San (张三)"}});
  }
  // Made in the console: its UserExternalId defaults to its UserId.
  server_.seed({{"UserId", "user_console1"}, {"UserExternalId", "user_console1"}, {"Username", "zhang.san"},
                {"Email", "a.b-c@example.com"}, {"DisplayName", "Old"},
                {"CustomFields", {{{"FieldName", "nick_name"}, {"FieldValue", "old nick"}}}}});
  TempState state;
  EiamConnector connector("eiam", settings(), false, &state.store());
  EXPECT_TRUE(connector.can_find_by("Email"));
  EXPECT_FALSE(connector.can_find_by("PhoneNumber"));  // searchable only with PhoneRegion beside it
  for (const auto& [attribute, value] : std::vector<std::pair<std::string, std::string>>{
           {"Username", "zhang.san"}, {"Email", "a.b-c@example.com"}}) {
    auto found = connector.find_by(attribute, value, {"DisplayName", "CustomFields.nick_name"});
    ASSERT_TRUE(found.ok()) << found.failure().message;
    ASSERT_EQ(found.value().size(), 1u) << attribute;
    EXPECT_EQ(found.value()[0].key, "user_console1");
    EXPECT_EQ(found.value()[0].attributes["CustomFields.nick_name"], mapping::Values{"old nick"});  // GetUser's view
    EXPECT_EQ(found.value()[0].version, (*server_.by_external_id("user_console1"))["UpdateTime"].dump());
  }
  auto by_display = connector.find_by("DisplayName", "Zhang San (张三)", {});  // every page of the prefix
  ASSERT_TRUE(by_display.ok());
  EXPECT_EQ(by_display.value().size(), 150u);
  EXPECT_TRUE(connector.find_by("Username", "zhang", {}).value().empty());  // a prefix is not a match

  ASSERT_TRUE(connector.apply({reconcile::Operation::Kind::rename, "user_console1", "E2001", {}, {}}).ok());
  EXPECT_EQ(state.store().account_id("eiam", "E2001"), "user_console1");
  EXPECT_FALSE(state.store().account_id("eiam", "user_console1"));
  mapping::Desired desired = zhang();
  desired.attributes.erase("UserExternalId");  // EIAM cannot change it
  ASSERT_TRUE(converge(connector, desired, false, kMark).status.ok());
  const auto stored = server_.by_external_id("user_console1");
  EXPECT_EQ((*stored)["DisplayName"], "Zhang San (张三)");
  EXPECT_EQ((*stored)["Description"], "analyst");
  EXPECT_EQ(server_.user_count(), 151u);
  EXPECT_EQ(converge(connector, desired, false, kMark).rounds, 1);  // in line

  // A key an account holds already cannot be linked to another one.
  auto taken = connector.apply({reconcile::Operation::Kind::rename, "x1", "x2", {}, {}});
  ASSERT_FALSE(taken.ok());
  EXPECT_EQ(taken.failure().kind, FailureKind::conflict);
}

TEST_F(EiamTest, DeleteRemovesTheAccountAndItsLinkAndARepeatSucceeds) {
  TempState state;
  EiamConnector connector("eiam", settings(), false, &state.store());
  ASSERT_TRUE(converge(connector, zhang(), false, kMark).status.ok());
  const reconcile::Operation remove{reconcile::Operation::Kind::remove, "E2001", {}, {}, {}};
  ASSERT_TRUE(connector.apply(remove).ok());
  EXPECT_FALSE(server_.by_external_id("E2001"));
  EXPECT_FALSE(state.store().account_id("eiam", "E2001"));
  EXPECT_TRUE(connector.apply(remove).ok());  // gone already: a repeat after a crash
  EXPECT_EQ(server_.calls("DeleteUser"), 1);
}

TEST_F(EiamTest, RoundTripCreateUpdateReadDisableEnable) {
  EiamConnector connector("eiam", settings());
  auto created = converge(connector, zhang(), false, kMark);
  ASSERT_TRUE(created.status.ok()) << created.status.failure().message;
  auto stored = server_.by_external_id("E2001");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["Username"], "zhang.san");
  EXPECT_EQ((*stored)["DisplayName"], "Zhang San (张三)");
  EXPECT_EQ((*stored)["EmailVerified"], true);
  EXPECT_EQ((*stored)["PhoneNumberVerified"], true);
  EXPECT_EQ((*stored)["Description"], "analyst");
  EXPECT_EQ((*stored)["PrimaryOrganizationalUnitId"], "ou_root");
  EXPECT_EQ((*stored)["CustomFields"][0]["FieldValue"], "x y*z~");

  mapping::Desired changed = zhang();
  changed.attributes["DisplayName"] = {"Zhang San"};
  changed.attributes["PhoneNumber"] = {"13900002222"};  // travels with the current PhoneRegion
  changed.attributes["Description"] = {"lead"};
  changed.attributes["CustomFields.nick_name"] = {};
  auto updated = converge(connector, changed, false, kMark);
  ASSERT_TRUE(updated.status.ok()) << updated.status.failure().message;
  auto read = connector.read("E2001", {"DisplayName", "PhoneNumber", "PhoneRegion", "Description", "Status",
                                       "CustomFields.nick_name"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->attributes["DisplayName"], mapping::Values{"Zhang San"});
  EXPECT_EQ(read.value()->attributes["PhoneNumber"], mapping::Values{"13900002222"});
  EXPECT_EQ(read.value()->attributes["PhoneRegion"], mapping::Values{"86"});
  EXPECT_EQ(read.value()->attributes["Description"], mapping::Values{"lead"});
  EXPECT_EQ(read.value()->attributes.count("CustomFields.nick_name"), 0u);
  EXPECT_EQ(read.value()->attributes.count("Status"), 0u);

  ASSERT_TRUE(converge(connector, changed, true, kMark).status.ok());
  EXPECT_EQ((*server_.by_external_id("E2001"))["Status"], "disabled");
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.by_external_id("E2001"))["Status"], "enabled");
  EXPECT_EQ(converge(connector, changed, false, kMark).rounds, 1);
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(EiamTest, FieldLimitsAreCheckedBeforeSending) {
  EiamConnector connector("eiam", settings());
  const struct {
    mapping::Attributes attributes;
    std::string message;
  } cases[] = {
      {{{"Username", {"zhang san"}}}, "'Username' must be letters, digits, '_', '.', '@' and '-'"},
      {{{"Username", {std::string(257, 'u')}}}, "'Username' is 257 characters long; at most 256"},
      {{{"Username", {"z"}}, {"DisplayName", {std::string(129, 'd')}}}, "'DisplayName' is 129 characters long"},
      {{{"Username", {"z"}}, {"Email", {"a+b@example.com"}}}, "'Email' must be an email address whose local part"},
      {{{"Username", {"z"}}, {"PhoneNumber", {"12345"}}}, "'PhoneNumber' must be 6 to 15 digits"},
      {{{"Username", {"z"}}, {"PhoneNumber", {"13900001111"}}}, "'PhoneNumber' needs 'PhoneRegion'"},
      {{{"Username", {"z"}}, {"EmailVerified", {"yes"}}}, "'EmailVerified' must be true or false"},
      {{{"Username", {"z"}}, {"UserExternalId", {"other"}}}, "sets 'UserExternalId' to something other than the key"},
      {{{"DisplayName", {"no username"}}}, "EIAM needs a 'Username' to create a user"},
      {{{"Username", {"z"}}, {"Title", {"Dr"}}}, "attribute 'Title' is not a field of the eiam user"},
  };
  for (const auto& c : cases) {
    auto status = connector.apply({reconcile::Operation::Kind::create, "E9", {}, c.attributes, {}});
    ASSERT_FALSE(status.ok()) << c.message;
    EXPECT_EQ(status.failure().kind, FailureKind::permanent);
    EXPECT_EQ(status.failure().code, "eiam:invalid");
    EXPECT_NE(status.failure().message.find(c.message), std::string::npos) << status.failure().message;
  }
  EXPECT_FALSE(connector.apply({reconcile::Operation::Kind::rename, "E9", "E10", {}, {}}).ok());
  EXPECT_EQ(server_.http().requests(), 0);
}

TEST_F(EiamTest, ARamPolicyWithoutTheActionsStopsTheTarget) {
  EiamServerOptions o = server_options();
  o.permitted = false;
  EiamServer denied(o);
  denied.start();
  auto s = settings();
  s.http.base_url = denied.base_url();
  auto read = EiamConnector("eiam", s).read("E1", {"Username"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
  EXPECT_EQ(read.failure().code, "eiam:HTTP 403 NoPermission");
  EXPECT_NE(read.failure().message.find("You should be authorized by RAM"), std::string::npos) << read.failure().message;
}

TEST_F(EiamTest, AuthenticationFailuresStopTheTarget) {
  auto wrong = settings();
  wrong.access_key_secret.value = "not-the-secret";
  auto read = EiamConnector("eiam", wrong).read("E1", {"Username"});
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.failure().kind, FailureKind::stop_target);
  EXPECT_EQ(read.failure().code, "eiam:HTTP 400 SignatureDoesNotMatch");
  EXPECT_NE(read.failure().message.find("check the target's access key"), std::string::npos);

  auto unknown = settings();
  unknown.access_key_id = "LTAI-nobody";
  auto who = EiamConnector("eiam", unknown).read("E1", {"Username"});
  ASSERT_FALSE(who.ok());
  EXPECT_EQ(who.failure().code, "eiam:HTTP 404 InvalidAccessKeyId.NotFound");
  EXPECT_EQ(who.failure().kind, FailureKind::stop_target);

  EiamServerOptions o = server_options();
  o.clock_offset = std::chrono::minutes(30);
  EiamServer later(o);
  later.start();
  auto s = settings();
  s.http.base_url = later.base_url();
  auto stale = EiamConnector("eiam", s).read("E1", {"Username"});
  ASSERT_FALSE(stale.ok());
  EXPECT_EQ(stale.failure().code, "eiam:HTTP 400 InvalidTimeStamp.Expired");
  EXPECT_EQ(stale.failure().kind, FailureKind::stop_target);
}

TEST_F(EiamTest, TamperedQueryBodyOrUnsignedHeaderIsRejected) {
  http::Options o;
  o.base_url = server_.base_url();
  o.max_attempts = 1;
  http::Client client("raw", o);
  auto sign_then = [&](std::function<void(http::Request&)> spoil) {
    return [&client, spoil](http::Request& r) {
      const std::string hash = signing::hex(signing::sha256(r.body));
      r.headers = {{"host", client.host()},
                   {"x-acs-action", "GetUser"},
                   {"x-acs-version", "2021-12-01"},
                   {"x-acs-date", signing::iso8601(signing::Clock::now())},
                   {"x-acs-signature-nonce", signing::random_hex(16)},
                   {"x-acs-content-sha256", hash}};
      const auto canonical = signing::eiam::canonical_request(r.method, r.path, r.query, r.headers, hash);
      r.headers.emplace_back("authorization",
                             signing::eiam::authorization("LTAI-eiam", canonical.signed_headers,
                                                          signing::eiam::signature(kSecret, signing::eiam::string_to_sign(canonical.request))));
      spoil(r);
    };
  };
  const http::Request get{"POST", "/", {{"InstanceId", "idaas_ue2jvisn35ea5lmthk267xxxxx"}, {"UserId", "u1"}}, {}, "", true};
  auto honest = client.send(get, sign_then([](http::Request&) {}));
  ASSERT_TRUE(honest.ok());
  EXPECT_EQ(honest.value().status, 404);  // signature fine, no such user
  auto query = client.send(get, sign_then([](http::Request& r) { r.query[1].second = "u2"; }));
  ASSERT_TRUE(query.ok());
  EXPECT_NE(query.value().body.find("SignatureDoesNotMatch"), std::string::npos);
  auto body = client.send(get, sign_then([](http::Request& r) { r.body = "UserId=u2"; }));
  ASSERT_TRUE(body.ok());
  EXPECT_NE(body.value().body.find("x-acs-content-sha256 does not match"), std::string::npos);
  auto unsigned_header = client.send(get, sign_then([](http::Request& r) { r.headers.emplace_back("x-acs-extra", "1"); }));
  ASSERT_TRUE(unsigned_header.ok());
  EXPECT_NE(unsigned_header.value().body.find("must be signed"), std::string::npos);
}

TEST_F(EiamTest, DuplicatesAreConflictsAndTheKeyIsSearchedExactly) {
  server_.seed({{"UserExternalId", "E1"}, {"Username", "taken"}});
  server_.seed({{"UserExternalId", "E10"}, {"Username", "ten"}});
  EiamConnector connector("eiam", settings());
  auto dup = converge(connector, {"E3", {{"Username", {"taken"}}}}, false, kMark);
  ASSERT_FALSE(dup.status.ok());
  EXPECT_EQ(dup.status.failure().kind, FailureKind::conflict);
  EXPECT_EQ(dup.status.failure().code, "eiam:HTTP 403 ResourceDuplicated.Username");
  EXPECT_EQ(dup.rounds, 1);
  auto e1 = connector.read("E1", {"Username"});
  ASSERT_TRUE(e1.ok() && e1.value());
  EXPECT_EQ(e1.value()->attributes["Username"], mapping::Values{"taken"});
  auto none = connector.read("E", {"Username"});
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none.value());
}

TEST_F(EiamTest, InjectedFaultsConvergeWithoutDuplicateCreates) {
  EiamConnector connector("eiam", settings());
  server_.http().inject(Fault::status_code(429, "0"));
  server_.http().inject(Fault::status_code(503));
  server_.http().inject(Fault::drop(true));  // the first write (CreateUser) happens, its answer is lost
  server_.http().inject(Fault::slow(500));
  auto result = converge(connector, zhang(), false, kMark);
  ASSERT_TRUE(result.status.ok()) << result.status.failure().message;
  EXPECT_EQ(server_.user_count(), 1u);

  mapping::Desired changed = zhang();
  changed.attributes["DisplayName"] = {"Zhang San"};
  server_.http().inject(Fault::status_code(500), 4);
  server_.http().inject(Fault::drop(true));
  ASSERT_TRUE(converge(connector, changed, false, kMark).status.ok());
  EXPECT_EQ((*server_.by_external_id("E2001"))["DisplayName"], "Zhang San");
  EXPECT_EQ(server_.user_count(), 1u);
}

TEST_F(EiamTest, SecretsNeverReachLogsOrFailures) {
  std::string failures;
  {
    EiamConnector connector("eiam", settings());
    server_.http().inject(Fault::status_code(503), 2);
    failures += converge(connector, zhang(), false, kMark).failures;
    auto bad = settings();
    bad.access_key_secret.value = kSecret + "x";
    EiamConnector wrong("eiam", bad);
    failures += converge(wrong, zhang(), true, kMark).failures;
  }
  const std::string logged = logs_.text() + failures;
  EXPECT_FALSE(logged.empty());
  EXPECT_EQ(logged.find(kSecret), std::string::npos);
  EXPECT_EQ(logged.find("Signature="), std::string::npos);
}

}  // namespace
}  // namespace idb::connectors::eiam
