// LdapConnector::apply_all, read_all and find_by against a real slapd with
// its access log on: what the connector claims is checked against what slapd
// logged and holds.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "connectors/ldap/ldap_connector.h"
#include "tests/ldap/ldap_test_support.h"
#include "tests/support/slapd_suite.h"

namespace idb::connectors::ldap {
namespace {

using ::testing::HasSubstr;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAre;
using namespace fixtures;  // NOLINT: the shorthands of ldap_test_support.h

class ldap_pipeline : public test::SlapdSuite<ldap_pipeline, test::SlapdOptions{.access_log = true}> {
 protected:
  static LdapSettings tuning(std::size_t window, std::size_t connections = 1) {
    LdapSettings t;
    t.window = window;
    t.connections = connections;
    return t;
  }

  static Attributes entry(const std::string& dn) {
    auto found = test::ldap_entry(*slapd_, dn);
    EXPECT_TRUE(found) << dn << " does not exist";
    return found.value_or(Attributes{});
  }

  static std::string ou(const std::string& name) {
    auto ou_dn = "ou=" + name + ",dc=example,dc=org";
    LdapConnector c("setup", test::settings_for(*slapd_));
    EXPECT_TRUE(succeeded(c.apply(create(ou_dn, {{"objectClass", {"organizationalUnit"}}, {"ou", {name}}}))));
    return ou_dn;
  }

};

TEST_F(ldap_pipeline, keeps_at_most_the_window_in_flight_and_reports_each_operation_once) {
  const std::string parent = ou("windowed");
  LdapConnector connector("ldap-test", test::settings_for(*slapd_), tuning(4));
  std::vector<Operation> ops;
  for (int i = 0; i < 300; ++i) ops.push_back(create(person_dn("w" + std::to_string(i), parent), person("w" + std::to_string(i))));

  std::vector<int> reported(ops.size(), 0);
  auto results = connector.apply_all(ops, [&](const Completion& c) { ++reported[c.index]; });

  ASSERT_THAT(results, SizeIs(ops.size()));
  for (std::size_t i = 0; i < results.size(); ++i) ASSERT_TRUE(succeeded(results[i])) << i;
  EXPECT_EQ(std::count(reported.begin(), reported.end(), 1), static_cast<long>(ops.size()));
  EXPECT_THAT(test::ldap_search(*slapd_, parent, "(objectClass=inetOrgPerson)", {"uid"}), SizeIs(300));
  const std::size_t most = most_outstanding(slapd_->log(), "ADD");
  RecordProperty("most_outstanding", static_cast<int>(most));
  // slapd logs RESULT just after answering, so the request our answer let
  // through can be logged first: the log may show one or two over the window,
  // while an ignored window shows dozens.
  EXPECT_LE(most, 2u * 4u);
}

TEST_F(ldap_pipeline, operations_on_one_entry_run_in_batch_order) {
  const std::string parent = ou("ordered");
  LdapConnector connector("ldap-test", test::settings_for(*slapd_), tuning(32));
  std::vector<Operation> ops;
  for (int i = 0; i < 50; ++i) {
    const std::string uid = "o" + std::to_string(i);
    const std::string dn = person_dn(uid, parent), moved = person_dn(uid + "-moved", parent);
    ops.push_back(create(dn, person(uid)));
    ops.push_back(modify(dn, {{"description", ChangeKind::add, {"first"}}}));
    ops.push_back(modify(dn, {{"description", ChangeKind::replace, {"second"}}}));
    ops.push_back(rename(dn, moved));
    ops.push_back(modify(moved, {{"description", ChangeKind::add, {"third"}}}));
  }
  auto results = connector.apply_all(ops);
  for (std::size_t i = 0; i < results.size(); ++i) ASSERT_TRUE(succeeded(results[i])) << i;
  for (int i = 0; i < 50; ++i) {
    const std::string uid = "o" + std::to_string(i);
    EXPECT_THAT(entry(person_dn(uid + "-moved", parent))["description"], UnorderedElementsAre("second", "third"));
    EXPECT_FALSE(test::ldap_entry(*slapd_, person_dn(uid, parent)));
  }
}

TEST_F(ldap_pipeline, several_connections_keep_each_entry_on_one) {
  const std::string parent = ou("pooled");
  LdapConnector connector("ldap-test", test::settings_for(*slapd_), tuning(16, 3));
  std::vector<Operation> ops;
  for (int i = 0; i < 90; ++i) ops.push_back(create(person_dn("p" + std::to_string(i), parent), person("p" + std::to_string(i))));
  for (int i = 0; i < 90; ++i) {
    const std::string dn = person_dn("p" + std::to_string(i), parent);
    ops.push_back(rename(dn, person_dn("q" + std::to_string(i), parent)));
    ops.push_back(modify(person_dn("q" + std::to_string(i), parent), {{"description", ChangeKind::replace, {"q"}}}));
  }
  std::atomic<int> calls{0};
  auto results = connector.apply_all(ops, [&](const Completion&) { ++calls; });
  for (std::size_t i = 0; i < results.size(); ++i) ASSERT_TRUE(succeeded(results[i])) << i;
  EXPECT_EQ(calls.load(), static_cast<int>(ops.size()));
  auto found = test::ldap_search(*slapd_, parent, "(description=q)", {"uid"});
  EXPECT_THAT(found, SizeIs(90));
}

TEST_F(ldap_pipeline, classifies_each_failure_and_holds_back_later_operations_on_that_entry) {
  const std::string parent = ou("classified");
  LdapConnector connector("ldap-test", test::settings_for(*slapd_), tuning(16));
  Attributes no_sn = person("broken");
  no_sn.erase("sn");
  ASSERT_TRUE(succeeded(connector.apply(create(person_dn("existing", parent), person("existing")))));
  std::vector<Operation> ops{
      create(person_dn("good", parent), person("good")),
      create(person_dn("existing", parent), person("existing")),  // 1: already exists
      create(person_dn("broken", parent), no_sn),          // 2: object class violation
      modify(person_dn("broken", parent), {{"description", ChangeKind::add, {"never"}}}),  // 3: held back
      modify(person_dn("ghost", parent), {{"cn", ChangeKind::replace, {"x"}}}),           // 4: no such object
      create("uid=a;b," + parent, person("a;b")),                                          // 5: malformed DN
      modify(person_dn("good", parent), {{"description", ChangeKind::add, {"after"}}}),   // 6: fine
  };
  auto results = connector.apply_all(ops);

  EXPECT_TRUE(succeeded(results[0]));
  EXPECT_TRUE(failed(results[1], FailureKind::conflict, "ldap:68 entryAlreadyExists"));
  ASSERT_TRUE(failed(results[2], FailureKind::permanent, "ldap:65 objectClassViolation"));
  EXPECT_THAT(results[2].failure().message, HasSubstr("requires attribute 'sn'"));
  ASSERT_TRUE(failed(results[3], FailureKind::permanent, "ldap:65 objectClassViolation"));
  EXPECT_THAT(results[3].failure().message, HasSubstr("not sent"));
  EXPECT_TRUE(failed(results[4], FailureKind::conflict, "ldap:32 noSuchObject"));
  EXPECT_TRUE(failed(results[5], FailureKind::permanent, "ldap:34 invalidDNSyntax"));
  EXPECT_TRUE(succeeded(results[6]));
  EXPECT_EQ(entry(person_dn("good", parent))["description"], Values{"after"});
  EXPECT_EQ(occurrences(slapd_->log(), "MOD dn=\"" + person_dn("broken", parent) + "\""), 0u) << "held back, never sent";
}

TEST_F(ldap_pipeline, a_create_below_a_missing_ou_makes_the_ou_once) {
  LdapConnector connector("ldap-test", test::settings_for(*slapd_), tuning(16));
  const std::string parent = "ou=fresh,dc=example,dc=org";
  std::vector<Operation> ops;
  for (int i = 0; i < 40; ++i) ops.push_back(create(person_dn("f" + std::to_string(i), parent), person("f" + std::to_string(i))));
  auto results = connector.apply_all(ops);
  for (std::size_t i = 0; i < results.size(); ++i) ASSERT_TRUE(succeeded(results[i])) << i;
  EXPECT_THAT(test::ldap_search(*slapd_, parent, "(objectClass=inetOrgPerson)", {"uid"}), SizeIs(40));
  EXPECT_EQ(entry(parent)["ou"], Values{"fresh"});
}

TEST_F(ldap_pipeline, read_all_pages_through_a_subtree_with_only_the_asked_attributes) {
  const std::string parent = ou("paged");
  LdapSettings small_pages = tuning(64);
  small_pages.page_size = 7;
  LdapConnector connector("ldap-test", test::settings_for(*slapd_), small_pages);
  std::vector<Operation> ops;
  for (int i = 0; i < 100; ++i) {
    Attributes a = person("r" + std::to_string(i));
    a["description"] = {"not asked for"};
    ops.push_back(create(person_dn("r" + std::to_string(i), parent), a));
  }
  for (const auto& status : connector.apply_all(ops)) ASSERT_TRUE(succeeded(status));

  std::set<std::string> seen;
  auto status = connector.read_all(parent, "(objectClass=inetOrgPerson)", {"uid", "cn"}, [&](ObservedEntry&& e) {
    EXPECT_TRUE(seen.insert(e.observed.key).second) << "twice: " << e.observed.key;
    EXPECT_EQ(e.observed.attributes.count("description"), 0u);
    EXPECT_EQ(e.observed.attributes.count("sn"), 0u);
    EXPECT_EQ(e.observed.attributes["uid"], e.observed.attributes["cn"]);
    EXPECT_EQ(e.observed.attributes["objectClass"], Values{"inetOrgPerson"});
    EXPECT_EQ(e.observed.attributes.count("modifyTimestamp"), 0u) << "moved out of the attributes";
    EXPECT_THAT(e.modify_timestamp, ::testing::MatchesRegex("[0-9]{14}Z"));
  });
  ASSERT_TRUE(succeeded(status));
  EXPECT_EQ(seen.size(), 100u);
  EXPECT_GE(occurrences(slapd_->log(), "SRCH base=\"" + parent + "\""), 100u / 7) << "one search request per page";
}

TEST_F(ldap_pipeline, read_all_of_a_missing_base_is_a_conflict) {
  LdapConnector connector("ldap-test", test::settings_for(*slapd_));
  auto status = connector.read_all("ou=nowhere,dc=example,dc=org", "(objectClass=*)", {"cn"}, [](ObservedEntry&&) {
    ADD_FAILURE() << "no entry expected";
  });
  EXPECT_TRUE(failed(status, FailureKind::conflict, "ldap:32 noSuchObject"));
}

TEST_F(ldap_pipeline, find_by_never_lets_a_value_widen_the_search) {
  const std::string parent = ou("injection");
  LdapConnector connector("ldap-test", test::settings_for(*slapd_));
  const std::vector<std::string> uids{"alice", "admin", "*)(uid=*", "admin)(|(uid=*", "back\\slash", "张伟"};
  std::vector<Operation> ops;
  for (const auto& uid : uids) ops.push_back(create(person_dn(uid, parent), person(uid)));
  for (const auto& status : connector.apply_all(ops)) ASSERT_TRUE(succeeded(status));

  for (const auto& uid : uids) {
    auto found = connector.find_by("uid", uid, {"uid"});
    ASSERT_TRUE(found.ok()) << uid << ": " << found.failure().message;
    ASSERT_THAT(found.value(), SizeIs(1)) << uid;
    EXPECT_EQ(found.value().front().attributes["uid"], Values{uid});
  }
  for (const char* wildcard : {"*", "adm*", "admin)(uid=*", "x)(|(objectClass=*"}) {
    auto found = connector.find_by("uid", wildcard, {"uid"});
    ASSERT_TRUE(found.ok()) << wildcard;
    EXPECT_THAT(found.value(), SizeIs(0)) << wildcard;
  }
  auto bad = connector.find_by("uid)(objectClass=*", "x", {"uid"});
  EXPECT_TRUE(failed(bad, FailureKind::permanent, "ldap:-7 filterError"));
}

// slapd stops in the middle of a batch and comes back: the connector
// reconnects and carries on; what was in flight is reported as unknown, and
// a re-read plus a re-plan of only what is missing converges with every
// value written exactly once.
TEST_F(ldap_pipeline, a_server_restart_mid_batch_converges_without_applying_anything_twice) {
  const std::string parent = ou("faults");
  LdapSettings patient = tuning(16);
  patient.reconnect_attempts = 60;
  patient.backoff_initial_ms = 50;
  patient.backoff_max_ms = 200;
  LdapConnector connector("ldap-test", test::settings_for(*slapd_), patient);
  const int n = 600;
  std::vector<Operation> creates;
  for (int i = 0; i < n; ++i) creates.push_back(create(person_dn("c" + std::to_string(i), parent), person("c" + std::to_string(i))));
  for (const auto& status : connector.apply_all(creates)) ASSERT_TRUE(succeeded(status));

  // Each op adds one value; a second application would fail (value exists), never duplicate it.
  auto add_value = [&](int i) {
    return modify(person_dn("c" + std::to_string(i), parent), {{"description", ChangeKind::add, {"v" + std::to_string(i)}}});
  };
  std::vector<Operation> ops;
  for (int i = 0; i < n; ++i) ops.push_back(add_value(i));
  std::thread restarter;
  int done = 0;
  auto results = connector.apply_all(ops, [&](const Completion&) {
    if (++done != 150) return;
    slapd_->stop();  // in the lane's own thread: the rest of the batch meets a dead server
    restarter = std::thread([] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      slapd_->restart();
    });
  });
  restarter.join();

  int succeeded_first = 0, unknown = 0;
  for (const auto& status : results) {
    if (status) {
      ++succeeded_first;
    } else {
      ASSERT_EQ(status.failure().kind, FailureKind::retry) << status.failure().code << " " << status.failure().message;
      ++unknown;
    }
  }
  EXPECT_GE(succeeded_first, 150);
  EXPECT_GT(succeeded_first, 150 + 16) << "the batch went on after reconnecting";

  // Re-read, re-plan what is missing, apply again.
  std::set<std::string> has_value;
  auto read = connector.read_all(parent, "(description=*)", {"description"}, [&](ObservedEntry&& e) {
    has_value.insert(e.observed.key);
  });
  ASSERT_TRUE(succeeded(read));
  std::vector<Operation> retry;
  for (int i = 0; i < n; ++i) {
    if (!has_value.count(person_dn("c" + std::to_string(i), parent))) retry.push_back(add_value(i));
  }
  EXPECT_LE(retry.size(), static_cast<std::size_t>(unknown));
  for (const auto& status : connector.apply_all(retry)) ASSERT_TRUE(succeeded(status));

  auto all = test::ldap_search(*slapd_, parent, "(objectClass=inetOrgPerson)", {"uid", "description"});
  ASSERT_THAT(all, SizeIs(n));
  for (const auto& e : all) {
    EXPECT_EQ(e.attributes.at("description"), Values{"v" + e.attributes.at("uid").front().substr(1)}) << e.dn;
  }
  // slapd's own count: one successful MOD per entry across both runs.
  const std::string log = slapd_->log();
  std::regex mod_dn("conn=(\\d+) op=(\\d+) MOD dn=\"uid=c\\d+," + std::regex_replace(parent, std::regex("[=,]"), "\\$&") + "\"");
  std::size_t mods = std::distance(std::sregex_iterator(log.begin(), log.end(), mod_dn), std::sregex_iterator());
  EXPECT_GE(mods, static_cast<std::size_t>(n));
  EXPECT_EQ(occurrences(log, "RESULT tag=103 err=20"), 0u) << "no value was added twice";
}

}  // namespace
}  // namespace idb::connectors::ldap
