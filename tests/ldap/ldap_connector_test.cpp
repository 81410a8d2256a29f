// LdapConnector against a real slapd: what it writes is checked with a
// separate search, never with the connector's own read alone.
#include "connectors/ldap/ldap_connector.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/ldap/dn.h"
#include "tests/ldap/ldap_test_support.h"
#include "tests/support/process.h"
#include "tests/support/slapd_suite.h"

namespace idb::connectors::ldap {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::UnorderedElementsAre;
using namespace fixtures;  // NOLINT: the shorthands of ldap_test_support.h

class ldap_connector : public test::SlapdSuite<ldap_connector> {
 protected:
  // The entry as slapd holds it, read without the connector.
  static Attributes entry(const std::string& dn, const std::vector<std::string>& operational = {}) {
    auto found = test::ldap_entry(*slapd_, dn, operational);
    EXPECT_TRUE(found) << dn << " does not exist";
    return found.value_or(Attributes{});
  }

  LdapConnector connector_{"ldap-test", test::settings_for(*slapd_)};
};

TEST_F(ldap_connector, create_makes_the_missing_ou_parent_and_reads_back) {
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("alice"), person("alice")))));

  EXPECT_THAT(entry(kPeople)["objectClass"], UnorderedElementsAre("organizationalUnit"));
  auto read = connector_.read(person_dn("alice"), {"cn", "sn", "mail"});
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read.value());
  EXPECT_EQ(read.value()->key, person_dn("alice"));
  EXPECT_EQ(read.value()->attributes["cn"], Values{"alice"});
  EXPECT_EQ(read.value()->attributes["sn"], Values{"Test"});
  EXPECT_EQ(read.value()->attributes["objectClass"], Values{"inetOrgPerson"});
  EXPECT_EQ(read.value()->attributes.count("uid"), 0u) << "only the listed attributes";
}

TEST_F(ldap_connector, create_makes_nested_ou_parents) {
  const std::string dn = "uid=bob,ou=contractors,ou=staff,dc=example,dc=org";
  ASSERT_TRUE(succeeded(connector_.apply(create(dn, person("bob")))));
  EXPECT_EQ(entry("ou=staff,dc=example,dc=org")["ou"], Values{"staff"});
  EXPECT_EQ(entry("ou=contractors,ou=staff,dc=example,dc=org")["ou"], Values{"contractors"});
}

TEST_F(ldap_connector, create_does_not_invent_parents_other_than_ou) {
  const std::string dn = "uid=carol,cn=group,dc=example,dc=org";
  auto status = connector_.apply(create(dn, person("carol")));
  ASSERT_TRUE(failed(status, FailureKind::conflict, "ldap:32 noSuchObject"));
  EXPECT_THAT(status.failure().message, HasSubstr(dn));
  EXPECT_FALSE(test::ldap_entry(*slapd_, "cn=group,dc=example,dc=org"));
}

TEST_F(ldap_connector, read_of_a_missing_entry_is_nullopt) {
  auto read = connector_.read("uid=nobody,ou=nowhere,dc=example,dc=org", {"cn"});
  ASSERT_TRUE(read.ok()) << read.failure().message;
  EXPECT_FALSE(read.value());
}

TEST_F(ldap_connector, modify_replaces_adds_and_removes_values) {
  const std::string dn = person_dn("dave");
  Attributes attributes = person("dave");
  attributes["mail"] = {"d1@example.org", "d2@example.org"};
  attributes["description"] = {"temporary"};
  attributes["telephoneNumber"] = {"+1 555 0100"};
  ASSERT_TRUE(succeeded(connector_.apply(create(dn, attributes))));

  ASSERT_TRUE(succeeded(connector_.apply(modify(dn, {
      {"cn", ChangeKind::replace, {"Dave", "David"}},
      {"mail", ChangeKind::add, {"d3@example.org"}},
      {"mail", ChangeKind::remove, {"d1@example.org"}},
      {"description", ChangeKind::remove, {}},
      {"telephoneNumber", ChangeKind::replace, {}},
  }))));

  Attributes now = entry(dn);
  EXPECT_THAT(now["cn"], UnorderedElementsAre("Dave", "David"));
  EXPECT_THAT(now["mail"], UnorderedElementsAre("d2@example.org", "d3@example.org"));
  EXPECT_EQ(now.count("description"), 0u);
  EXPECT_EQ(now.count("telephoneNumber"), 0u);
}

TEST_F(ldap_connector, modify_of_a_missing_entry_is_a_conflict) {
  auto status = connector_.apply(modify(person_dn("ghost"), {{"cn", ChangeKind::replace, {"x"}}}));
  ASSERT_TRUE(failed(status, FailureKind::conflict, "ldap:32 noSuchObject"));
}

TEST_F(ldap_connector, adding_a_value_that_exists_is_a_conflict) {
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("erin"), person("erin")))));
  auto status = connector_.apply(modify(person_dn("erin"), {{"cn", ChangeKind::add, {"erin"}}}));
  ASSERT_TRUE(failed(status, FailureKind::conflict, "ldap:20 attributeOrValueExists"));
}

TEST_F(ldap_connector, rename_changes_the_rdn) {
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("frank"), person("frank")))));
  ASSERT_TRUE(succeeded(connector_.apply(rename(person_dn("frank"), person_dn("franklin")))));

  EXPECT_FALSE(test::ldap_entry(*slapd_, person_dn("frank")));
  EXPECT_EQ(entry(person_dn("franklin"))["uid"], Values{"franklin"}) << "deleteoldrdn removes the old value";
}

TEST_F(ldap_connector, rename_moves_to_a_new_parent) {
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("grace"), person("grace")))));
  ASSERT_TRUE(succeeded(connector_.apply(
      create("ou=alumni,dc=example,dc=org", {{"objectClass", {"organizationalUnit"}}, {"ou", {"alumni"}}}))));

  ASSERT_TRUE(succeeded(connector_.apply(rename(person_dn("grace"), "uid=grace,ou=alumni,dc=example,dc=org"))));

  EXPECT_FALSE(test::ldap_entry(*slapd_, person_dn("grace")));
  EXPECT_EQ(entry("uid=grace,ou=alumni,dc=example,dc=org")["cn"], Values{"grace"});
}

// Issue 7: each write hands back the entry's version as it left it (the
// Post-Read control), which is what a separate search finds in entryCSN.
TEST_F(ldap_connector, each_write_returns_the_entrys_version_after_it) {
  const auto csn = [](const std::string& dn) { return entry(dn, {"entryCSN"})["entryCSN"].at(0); };
  const std::string dn = "uid=vera,ou=versions,dc=example,dc=org";
  auto created = connector_.apply(create(dn, person("vera")));  // its ou is made first: the synchronous add
  ASSERT_TRUE(succeeded(created));
  EXPECT_EQ(created.value().version, csn(dn));

  auto modified = connector_.apply(modify(dn, {{"description", ChangeKind::replace, {"second"}}}));
  ASSERT_TRUE(succeeded(modified));
  EXPECT_EQ(modified.value().version, csn(dn));
  EXPECT_GT(modified.value().version, created.value().version) << "a CSN grows with every write";

  auto read = connector_.read(dn, {"cn"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->version, modified.value().version) << "as read: nobody wrote since";
  EXPECT_EQ(read.value()->attributes.count("entryCSN") + read.value()->attributes.count("modifyTimestamp"), 0u)
      << "no account data";

  const std::string moved = "uid=veronica,ou=versions,dc=example,dc=org";
  auto renamed = connector_.apply(rename(dn, moved));
  ASSERT_TRUE(succeeded(renamed));
  EXPECT_EQ(renamed.value().version, csn(moved));

  // Someone else's write: a read shows a version we did not leave.
  auto admin = Session::open(test::settings_for(*slapd_));
  ASSERT_TRUE(admin);
  ASSERT_EQ(admin.value().modify(moved, {{"description", ChangeKind::replace, {"by hand"}}}), 0);
  auto after = connector_.read(moved, {"cn"});
  ASSERT_TRUE(after.ok() && after.value());
  EXPECT_EQ(after.value()->version, csn(moved));
  EXPECT_NE(after.value()->version, renamed.value().version);

  auto removed = connector_.apply(operation(Operation::Kind::remove, moved));
  ASSERT_TRUE(succeeded(removed));
  EXPECT_EQ(removed.value().version, "") << "a deleted entry has none";
}

TEST(ldap_connector_versions, pipelined_writes_learn_their_versions_without_a_search) {
  auto slapd = test::Slapd::start({.access_log = true});
  LdapSettings tuning;
  tuning.window = 8;
  tuning.connections = 2;
  LdapConnector connector("ldap-test", test::settings_for(*slapd), tuning);
  ASSERT_TRUE(succeeded(connector.apply(
      create("ou=people,dc=example,dc=org", {{"objectClass", {"organizationalUnit"}}, {"ou", {"people"}}}))));
  std::vector<reconcile::Operation> ops;
  for (int i = 0; i < 20; ++i) {
    ops.push_back(create(person_dn("p" + std::to_string(i)), person("p" + std::to_string(i))));
    ops.push_back(modify(person_dn("p" + std::to_string(i)), {{"description", ChangeKind::replace, {"x"}}}));
  }
  const auto statuses = connector.apply_all(ops);
  // Once the log shows every write, it shows no search among them.
  ASSERT_TRUE(test::eventually([&] { return occurrences(slapd->log(), " MOD dn=") == 20; }));
  EXPECT_EQ(occurrences(slapd->log(), " SRCH "), 0u) << "the versions came with the writes' replies";
  for (std::size_t i = 0; i < ops.size(); i += 2) {
    ASSERT_TRUE(succeeded(statuses[i]) && succeeded(statuses[i + 1]));
    EXPECT_FALSE(statuses[i].value().version.empty());
    EXPECT_GT(statuses[i + 1].value().version, statuses[i].value().version) << ops[i].key;
    EXPECT_EQ(statuses[i + 1].value().version, test::ldap_entry(*slapd, ops[i].key, {"entryCSN"}).value()["entryCSN"].at(0));
  }
}

// record_versions false: no write carries the Post-Read control, so none
// comes back with a version, while reads still see it. slapd logs one
// "slap_read_controls" line for each Post-Read it answers (at every log
// level), which tells from its side whether the control was sent.
TEST(ldap_connector_versions, record_versions_false_sends_no_post_read_control) {
  auto slapd = test::Slapd::start({.access_log = true});
  LdapSettings tuning;
  tuning.window = 8;
  tuning.record_versions = false;
  LdapConnector plain("ldap-test", test::settings_for(*slapd), tuning);
  const std::string moved = person_dn("quinn");
  const std::vector<reconcile::Operation> ops{
      create(person_dn("pat"), person("pat")),  // its ou is made first: the synchronous add
      modify(person_dn("pat"), {{"description", ChangeKind::replace, {"x"}}}),
      rename(person_dn("pat"), moved),
  };
  for (const Status& status : plain.apply_all(ops)) {
    ASSERT_TRUE(succeeded(status));
    EXPECT_EQ(status.value().version, "");
  }
  auto single = plain.apply(modify(moved, {{"description", ChangeKind::replace, {"y"}}}));  // the one-op path
  ASSERT_TRUE(succeeded(single));
  EXPECT_EQ(single.value().version, "");
  const std::string csn = test::ldap_entry(*slapd, moved, {"entryCSN"}).value()["entryCSN"].at(0);
  auto read = plain.read(moved, {"cn"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->version, csn) << "reads still see the version";

  // The same write with record_versions (the default) asks for it. Every
  // write above was answered, so logged, before this one was sent.
  LdapConnector versioned("ldap-test", test::settings_for(*slapd));
  auto recorded = versioned.apply(modify(moved, {{"description", ChangeKind::replace, {"z"}}}));
  ASSERT_TRUE(succeeded(recorded));
  EXPECT_EQ(recorded.value().version, test::ldap_entry(*slapd, moved, {"entryCSN"}).value()["entryCSN"].at(0));
  ASSERT_TRUE(test::eventually([&] { return occurrences(slapd->log(), "slap_read_controls") >= 1; }));
  EXPECT_EQ(occurrences(slapd->log(), "slap_read_controls"), 1u) << "only the write with record_versions";
}

TEST_F(ldap_connector, delete_removes_the_entry_and_repeating_it_is_harmless) {
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("hank"), person("hank")))));
  ASSERT_TRUE(succeeded(connector_.apply(operation(Operation::Kind::remove, person_dn("hank")))));
  EXPECT_FALSE(test::ldap_entry(*slapd_, person_dn("hank")));
  // After a crash the outbox sends it again: the entry being gone is the goal reached.
  EXPECT_TRUE(succeeded(connector_.apply(operation(Operation::Kind::remove, person_dn("hank")))));
}

TEST_F(ldap_connector, delete_of_an_entry_with_children_is_a_conflict_and_deletes_nothing) {
  const std::string parent = person_dn("ivy");
  ASSERT_TRUE(succeeded(connector_.apply(create(parent, person("ivy")))));
  ASSERT_TRUE(succeeded(connector_.apply(create("cn=device," + parent, {{"objectClass", {"device"}}, {"cn", {"device"}}}))));
  auto status = connector_.apply(operation(Operation::Kind::remove, parent));
  ASSERT_TRUE(failed(status, FailureKind::conflict, "ldap:66 notAllowedOnNonLeaf"));
  EXPECT_THAT(status.failure().message, HasSubstr("delete " + parent));
  EXPECT_EQ(entry(parent)["uid"], Values{"ivy"});
}

TEST_F(ldap_connector, unicode_values_round_trip) {
  const std::string dn = person_dn("张伟");
  Attributes attributes = person("张伟");
  attributes["cn"] = {"张伟"};
  attributes["sn"] = {"张"};
  attributes["description"] = {"🎉 emoji, Ünïcödé and 中文"};
  ASSERT_TRUE(succeeded(connector_.apply(create(dn, attributes))));

  auto read = connector_.read(dn, {"cn", "description"});
  ASSERT_TRUE(read.ok() && read.value()) << dn;
  EXPECT_EQ(read.value()->attributes["cn"], Values{"张伟"});
  EXPECT_EQ(read.value()->attributes["description"], Values{"🎉 emoji, Ünïcödé and 中文"});
}

TEST_F(ldap_connector, values_are_binary_safe) {
  const std::string photo("\xff\xd8\xff\x00\x01\x02\x00\xd9", 8);
  Attributes attributes = person("heidi");
  attributes["jpegPhoto"] = {photo};
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("heidi"), attributes))));

  auto read = connector_.read(person_dn("heidi"), {"jpegPhoto"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->attributes["jpegPhoto"], Values{photo});
}

class ldap_connector_special_dn : public ldap_connector, public ::testing::WithParamInterface<std::string> {};

TEST_P(ldap_connector_special_dn, round_trips) {
  const std::string uid = GetParam();
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn(uid), person(uid)))));

  auto read = connector_.read(person_dn(uid), {"uid"});
  ASSERT_TRUE(read.ok() && read.value()) << person_dn(uid);
  EXPECT_EQ(read.value()->attributes["uid"], Values{uid});
  auto found = test::ldap_search(*slapd_, kPeople, "(cn=*)", {"uid"});
  EXPECT_TRUE(std::any_of(found.begin(), found.end(), [&](const test::Entry& e) {
    auto dn = parse_dn(e.dn);
    return dn.ok() && dn.value().rdns.front().front().value == uid;
  }));
}

INSTANTIATE_TEST_SUITE_P(rfc4514, ldap_connector_special_dn,
                         ::testing::Values("comma,plus+quote\"", "back\\slash", "angle<>semi;equals=", "#hash",
                                           " leading space", "trailing space ", "a\\2Cb"));

TEST_F(ldap_connector, injection_looking_values_are_stored_verbatim) {
  const std::string filter_like = "*)(uid=*))(|(uid=*";
  const std::string ldif_like = "x\ndn: cn=admin,dc=example,dc=org\nchangetype: delete";
  Attributes attributes = person("mallory");
  attributes["cn"] = {filter_like};
  attributes["description"] = {ldif_like};
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("mallory"), attributes))));

  Attributes now = entry(person_dn("mallory"));
  EXPECT_EQ(now["cn"], Values{filter_like});
  EXPECT_EQ(now["description"], Values{ldif_like});
  EXPECT_TRUE(test::ldap_entry(*slapd_, slapd_->base_dn()));

  const std::string dn_like = "x,ou=admins,dc=example,dc=org";
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn(dn_like), person(dn_like)))));
  EXPECT_FALSE(test::ldap_entry(*slapd_, "ou=admins,dc=example,dc=org")) << "an escaped DN value made a parent";
}

TEST_F(ldap_connector, a_second_create_is_a_conflict) {
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("ivan"), person("ivan")))));
  auto status = connector_.apply(create(person_dn("ivan"), person("ivan")));
  ASSERT_TRUE(failed(status, FailureKind::conflict, "ldap:68 entryAlreadyExists"));
  EXPECT_THAT(status.failure().message, HasSubstr(person_dn("ivan")));
}

TEST_F(ldap_connector, an_object_class_violation_is_permanent_with_the_server_diagnostic) {
  Attributes attributes = person("judy");
  attributes.erase("sn");
  auto status = connector_.apply(create(person_dn("judy"), attributes));
  ASSERT_TRUE(failed(status, FailureKind::permanent, "ldap:65 objectClassViolation"));
  EXPECT_THAT(status.failure().message, HasSubstr("requires attribute 'sn'"));
}

TEST_F(ldap_connector, schema_errors_are_permanent) {
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("ken"), person("ken")))));

  auto undefined = connector_.apply(modify(person_dn("ken"), {{"noSuchAttribute", ChangeKind::replace, {"x"}}}));
  ASSERT_TRUE(failed(undefined, FailureKind::permanent, "ldap:17 undefinedAttributeType"));

  auto syntax = connector_.apply(modify(person_dn("ken"), {{"mail", ChangeKind::replace, {"kén@example.org"}}}));
  ASSERT_TRUE(failed(syntax, FailureKind::permanent, "ldap:21 invalidAttributeSyntax"));
  EXPECT_THAT(syntax.failure().message, HasSubstr("mail"));
}

TEST_F(ldap_connector, a_malformed_dn_fails_before_reaching_the_server) {
  auto status = connector_.apply(create("uid=a;b," + kPeople, person("a;b")));
  ASSERT_TRUE(failed(status, FailureKind::permanent, "ldap:34 invalidDNSyntax"));
}

TEST_F(ldap_connector, a_wrong_password_is_permanent_and_never_shown) {
  config::LdapTarget settings = test::settings_for(*slapd_);
  settings.bind_password.value = "wr0ng-Secret-4711";
  LdapConnector wrong("ldap-test", settings);

  auto read = wrong.read(person_dn("alice"), {"cn"});
  ASSERT_TRUE(failed(read, FailureKind::permanent, "ldap:49 invalidCredentials"));
  std::vector<Failure> failures{read.failure()};
  for (const Status& status : {wrong.ping(), wrong.apply(create(person_dn("leo"), person("leo")))}) {
    ASSERT_TRUE(failed(status, FailureKind::permanent, "ldap:49 invalidCredentials"));
    failures.push_back(status.failure());
  }

  for (const Failure& failure : failures) {
    EXPECT_THAT(failure.message, HasSubstr("bind as " + slapd_->bind_dn()));
    EXPECT_THAT(failure.message, Not(HasSubstr(settings.bind_password.value)));
    EXPECT_THAT(failure.message, Not(HasSubstr(slapd_->password())));
  }
}

TEST_F(ldap_connector, a_stopped_server_is_retried_and_reconnected_after_restart) {
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("mike"), person("mike")))));
  auto with_diagnostic = connector_.apply(create(person_dn("mike2"), {{"objectClass", {"inetOrgPerson"}}}));
  ASSERT_FALSE(with_diagnostic);

  slapd_->stop();
  auto down = connector_.read(person_dn("mike"), {"cn"});
  ASSERT_TRUE(failed(down, FailureKind::retry));
  EXPECT_THAT(down.failure().message, Not(HasSubstr("requires attribute"))) << "no stale server diagnostic";
  auto ping = connector_.ping();
  ASSERT_TRUE(failed(ping, FailureKind::retry));
  auto still_down = connector_.apply(modify(person_dn("mike"), {{"cn", ChangeKind::replace, {"Mike"}}}));
  ASSERT_TRUE(failed(still_down, FailureKind::retry));

  slapd_->restart();
  ASSERT_TRUE(succeeded(connector_.apply(modify(person_dn("mike"), {{"cn", ChangeKind::replace, {"Mike"}}}))));
  EXPECT_EQ(entry(person_dn("mike"))["cn"], Values{"Mike"});
}

TEST_F(ldap_connector, a_server_that_never_answers_is_retried) {
  config::LdapTarget settings = test::settings_for(*slapd_);
  settings.url = "ldap://127.0.0.1:1";
  LdapConnector unreachable("ldap-test", settings);
  auto status = unreachable.ping();
  ASSERT_TRUE(failed(status, FailureKind::retry));
  EXPECT_THAT(status.failure().message, HasSubstr("ldap://127.0.0.1:1"));
}

TEST_F(ldap_connector, the_ppolicy_lock_attribute_can_be_set_and_removed) {
  ASSERT_TRUE(succeeded(connector_.apply(create(person_dn("nina"), person("nina")))));

  ASSERT_TRUE(succeeded(connector_.apply(
      modify(person_dn("nina"), {{"pwdAccountLockedTime", ChangeKind::replace, {"000001010000Z"}}}))));
  EXPECT_EQ(entry(person_dn("nina"), {"pwdAccountLockedTime"})["pwdAccountLockedTime"], Values{"000001010000Z"});
  auto read = connector_.read(person_dn("nina"), {"pwdAccountLockedTime"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->attributes["pwdAccountLockedTime"], Values{"000001010000Z"});

  ASSERT_TRUE(succeeded(connector_.apply(modify(person_dn("nina"), {{"pwdAccountLockedTime", ChangeKind::remove, {}}}))));
  EXPECT_EQ(entry(person_dn("nina"), {"pwdAccountLockedTime"}).count("pwdAccountLockedTime"), 0u);
}

}  // namespace
}  // namespace idb::connectors::ldap
