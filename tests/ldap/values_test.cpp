// Values at their limits through the pipelined path: 1,000 values on one
// attribute, a minimal change to one of them (counted in slapd's access log),
// and large binary photos.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <regex>
#include <set>
#include <sstream>

#include "connectors/ldap/ldap_connector.h"
#include "reconcile/planner.h"
#include "tests/ldap/ldap_test_support.h"
#include "tests/support/slapd_suite.h"

namespace idb::connectors::ldap {
namespace {

using ::testing::ElementsAre;
using ::testing::SizeIs;
using ::testing::UnorderedElementsAreArray;
using namespace fixtures;  // NOLINT: the shorthands of ldap_test_support.h

class ldap_values : public test::SlapdSuite<ldap_values, test::SlapdOptions{.access_log = true}> {
 protected:
  // Every line slapd logged for the operations on `dn` that reached it.
  static std::vector<std::string> logged_for(const std::string& dn, const std::string& verb) {
    const std::string log = slapd_->log();
    std::set<std::string> ops;
    std::regex start("(conn=\\d+ op=\\d+) " + verb + " dn=\"([^\"]*)\"");
    for (std::sregex_iterator it(log.begin(), log.end(), start), end; it != end; ++it) {
      if ((*it)[2].str() == dn) ops.insert((*it)[1].str());
    }
    std::vector<std::string> lines;
    std::istringstream in(log);
    for (std::string line; std::getline(in, line);) {
      for (const auto& op : ops) {
        if (line.find(op + " ") != std::string::npos) lines.push_back(line.substr(line.find(op)));
      }
    }
    return lines;
  }

  LdapConnector connector_{"ldap-test", test::settings_for(*slapd_)};
};

TEST_F(ldap_values, one_changed_value_among_a_thousand_is_one_delete_and_one_add) {
  const std::string dn = person_dn("many");
  Attributes attributes = person("many");
  Values thousand;
  for (int i = 0; i < 1000; ++i) thousand.push_back("value " + std::to_string(i));
  attributes["description"] = thousand;
  ASSERT_TRUE(succeeded(connector_.apply(create(dn, attributes))));

  auto observed = connector_.read(dn, {"description", "cn", "sn", "uid"});
  ASSERT_TRUE(observed.ok() && observed.value());
  ASSERT_THAT(observed.value()->attributes["description"], UnorderedElementsAreArray(thousand));

  Attributes desired = attributes;
  desired["description"][500] = "value 500, changed";
  auto ops = reconcile::plan(mapping::Desired{dn, desired}, reconcile::Account{dn, observed.value()->attributes});
  ASSERT_THAT(ops, SizeIs(1));
  ASSERT_THAT(ops.front().changes, SizeIs(2));
  for (const auto& change : ops.front().changes) EXPECT_THAT(change.values, SizeIs(1)) << change.attribute;

  for (const auto& status : connector_.apply_all(ops)) ASSERT_TRUE(succeeded(status));

  auto now = test::ldap_entry(*slapd_, dn);
  ASSERT_TRUE(now);
  EXPECT_THAT((*now)["description"], UnorderedElementsAreArray(desired["description"]));
  // slapd logs one MOD request line and one line naming each modification's attribute.
  auto lines = logged_for(dn, "MOD");
  std::vector<std::string> requests, mods;
  for (const auto& line : lines) {
    if (line.find(" MOD dn=") != std::string::npos) requests.push_back(line);
    if (line.find(" MOD attr=") != std::string::npos) mods.push_back(line.substr(line.find("attr=")));
  }
  EXPECT_THAT(requests, SizeIs(1));
  EXPECT_THAT(mods, ElementsAre("attr=description description"));
}

TEST_F(ldap_values, large_binary_photos_round_trip_byte_for_byte) {
  std::mt19937 random(4711);
  std::vector<Operation> ops;
  std::vector<std::string> photos;
  for (int i = 0; i < 20; ++i) {
    std::string photo(64 * 1024 + i, '\0');
    for (char& c : photo) c = static_cast<char>(random() & 0xff);
    photo[0] = '\xff', photo[1] = '\xd8', photo[10] = '\0';
    photos.push_back(photo);
    Attributes a = person("photo" + std::to_string(i));
    a["jpegPhoto"] = {photo};
    ops.push_back(create(person_dn("photo" + std::to_string(i), "ou=photos,dc=example,dc=org"), a));
  }
  for (const auto& status : connector_.apply_all(ops)) ASSERT_TRUE(succeeded(status));

  int seen = 0;
  auto status = connector_.read_all("ou=photos,dc=example,dc=org", "(objectClass=inetOrgPerson)", {"uid", "jpegPhoto"},
                                    [&](ObservedEntry&& e) {
                                      const int i = std::stoi(e.observed.attributes["uid"].front().substr(5));
                                      ASSERT_THAT(e.observed.attributes["jpegPhoto"], SizeIs(1));
                                      EXPECT_TRUE(e.observed.attributes["jpegPhoto"].front() == photos[i]) << i;
                                      ++seen;
                                    });
  ASSERT_TRUE(succeeded(status));
  EXPECT_EQ(seen, 20);
}

TEST_F(ldap_values, a_multi_valued_change_by_value_keeps_the_other_values_untouched) {
  const std::string dn = person_dn("mails");
  Attributes a = person("mails");
  a["mail"] = {"a@example.org", "b@example.org", "c@example.org"};
  ASSERT_TRUE(succeeded(connector_.apply(create(dn, a))));
  auto results = connector_.apply_all(std::vector<Operation>{
      modify(dn, {{"mail", ChangeKind::remove, {"b@example.org"}}, {"mail", ChangeKind::add, {"d@example.org"}}}),
      modify(dn, {{"mail", ChangeKind::remove, {"b@example.org"}}}),  // already gone: a conflict, nothing else changes
  });
  EXPECT_TRUE(succeeded(results[0]));
  EXPECT_TRUE(failed(results[1], FailureKind::conflict, "ldap:16 noSuchAttribute"));
  auto now = test::ldap_entry(*slapd_, dn);
  ASSERT_TRUE(now);
  EXPECT_THAT((*now)["mail"], ::testing::UnorderedElementsAre("a@example.org", "c@example.org", "d@example.org"));
}

}  // namespace
}  // namespace idb::connectors::ldap
