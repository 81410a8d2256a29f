// The minimal per-attribute modify: vectors, then slapd as the judge that
// the changes apply in one pass and leave nothing to do on the next.
#include "connectors/ldap/matching.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/ldap/ldap_connector.h"
#include "tests/ldap/ldap_test_support.h"
#include "tests/support/slapd_suite.h"

namespace idb::connectors::ldap {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAreArray;
using namespace fixtures;  // NOLINT: the shorthands of ldap_test_support.h

TEST(ldap_matching, knows_the_dn_valued_attributes) {
  EXPECT_TRUE(dn_valued("member"));
  EXPECT_TRUE(dn_valued("Manager"));
  EXPECT_FALSE(dn_valued("memberUid"));
  EXPECT_FALSE(dn_valued("cn"));
}

TEST(ldap_matching, nothing_when_the_values_agree) {
  EXPECT_THAT(minimal_changes("mail", {"a@x.org", "b@x.org"}, {"b@x.org", "a@x.org"}), IsEmpty());
  EXPECT_THAT(minimal_changes("member", {"UID=a, ou=People,dc=x"}, {"uid=a,ou=people,dc=x"}), IsEmpty());
  EXPECT_THAT(minimal_changes("description", {}, {}), IsEmpty());
}

TEST(ldap_matching, one_changed_value_is_one_remove_then_one_add) {
  Values observed;
  for (int i = 0; i < 1000; ++i) observed.push_back("v" + std::to_string(i));
  Values desired = observed;
  desired[7] = "v7 new";
  EXPECT_THAT(minimal_changes("description", desired, observed),
              ElementsAre(AttributeChange{"description", ChangeKind::remove, {"v7"}},
                          AttributeChange{"description", ChangeKind::add, {"v7 new"}}));
}

TEST(ldap_matching, a_case_change_is_sent_remove_first) {
  EXPECT_THAT(minimal_changes("cn", {"casey", "CASEY JONES"}, {"casey", "Casey Jones"}),
              ElementsAre(AttributeChange{"cn", ChangeKind::remove, {"Casey Jones"}},
                          AttributeChange{"cn", ChangeKind::add, {"CASEY JONES"}}));
}

TEST(ldap_matching, replace_when_nothing_stays_and_remove_when_nothing_is_wanted) {
  EXPECT_THAT(minimal_changes("title", {"New"}, {"Old"}),
              ElementsAre(AttributeChange{"title", ChangeKind::replace, {"New"}}));
  EXPECT_THAT(minimal_changes("title", {"New"}, {}),
              ElementsAre(AttributeChange{"title", ChangeKind::replace, {"New"}}));
  EXPECT_THAT(minimal_changes("title", {}, {"Old"}), ElementsAre(AttributeChange{"title", ChangeKind::remove, {}}));
}

class ldap_matching_live : public test::SlapdSuite<ldap_matching_live> {
 protected:
  // Applies the minimal changes, then checks that slapd holds `desired` (as
  // `held`, when slapd re-spells) and that a second pass has nothing to do.
  void converge(const std::string& uid, const std::string& attribute, const Values& before, const Values& desired,
                const Values& held) {
    Attributes a = person(uid);
    a[attribute] = before;
    ASSERT_TRUE(succeeded(connector_.apply(create(person_dn(uid), a))));
    auto changes = minimal_changes(attribute, desired, before);
    ASSERT_TRUE(succeeded(connector_.apply(modify(person_dn(uid), changes))));
    auto now = connector_.read(person_dn(uid), {attribute});
    ASSERT_TRUE(now.ok() && now.value());
    EXPECT_THAT(now.value()->attributes[attribute], UnorderedElementsAreArray(held));
    EXPECT_THAT(minimal_changes(attribute, desired, now.value()->attributes[attribute]), IsEmpty())
        << "a second pass would change " << attribute << " again";
  }

  LdapConnector connector_{"ldap-test", test::settings_for(*slapd_)};
};

TEST_F(ldap_matching_live, a_case_only_change_among_several_values_applies_in_one_pass) {
  converge("casey", "cn", {"casey", "Casey Jones", "cj"}, {"casey", "CASEY JONES", "cj", "C. Jones"},
           {"casey", "CASEY JONES", "cj", "C. Jones"});
}

TEST_F(ldap_matching_live, a_mail_case_change_applies) {
  converge("mailer", "mail", {"Mailer@Example.org", "other@example.org"},
           {"mailer@example.org", "other@example.org"}, {"mailer@example.org", "other@example.org"});
}

TEST_F(ldap_matching_live, a_dn_value_slapd_respells_is_not_rewritten_on_the_next_pass) {
  const std::string spelled = "UID=x,  OU=People, DC=example,dc=org";
  converge("dnval", "seeAlso", {"cn=someone,dc=example,dc=org"}, {spelled}, {"uid=x,ou=People,dc=example,dc=org"});
}

}  // namespace
}  // namespace idb::connectors::ldap
