// The harness itself: what every LDAP and integration test relies on.
#include "tests/support/slapd.h"

#include <gtest/gtest.h>


#include "connectors/ldap/session.h"

namespace idb::test {
namespace {

namespace fs = std::filesystem;

TEST(ldap_harness, starts_a_slapd_with_its_base_entry_and_cleans_up) {
  fs::path dir;
  {
    auto slapd = Slapd::start();
    dir = slapd->dir();
    EXPECT_TRUE(slapd->url().starts_with("ldap://127.0.0.1:"));
    EXPECT_EQ(slapd->bind_dn(), "cn=admin,dc=example,dc=org");
    EXPECT_EQ(slapd->base_dn(), "dc=example,dc=org");
    EXPECT_GE(slapd->password().size(), 16u);
    EXPECT_EQ(fs::status(dir / "password").permissions() & fs::perms::all, fs::perms::owner_read | fs::perms::owner_write);
    auto base = ldap_entry(*slapd, slapd->base_dn());
    ASSERT_TRUE(base);
    EXPECT_EQ((*base)["dc"], mapping::Values{"example"});
  }
  EXPECT_FALSE(fs::exists(dir));
}

TEST(ldap_harness, restart_keeps_data_url_and_password) {
  auto slapd = Slapd::start();
  auto session = connectors::ldap::Session::open(settings_for(*slapd));
  ASSERT_TRUE(session);
  ASSERT_EQ(session.value().add("ou=kept,dc=example,dc=org", {{"objectClass", {"organizationalUnit"}}, {"ou", {"kept"}}}), 0);
  const std::string url = slapd->url(), password = slapd->password();

  slapd->restart();

  EXPECT_EQ(slapd->url(), url);
  EXPECT_EQ(slapd->password(), password);
  EXPECT_TRUE(ldap_entry(*slapd, "ou=kept,dc=example,dc=org"));
}

TEST(ldap_harness, stopped_means_nobody_listens) {
  auto slapd = Slapd::start();
  slapd->stop();
  EXPECT_FALSE(slapd->running());
  EXPECT_FALSE(connectors::ldap::Session::open(settings_for(*slapd)).ok());
}

TEST(ldap_harness, access_log_records_operations) {
  auto slapd = Slapd::start({.access_log = true});
  ldap_search(*slapd, slapd->base_dn(), "(ou=counted)");
  EXPECT_NE(slapd->log().find("filter=\"(ou=counted)\""), std::string::npos);
}

TEST(ldap_harness, search_of_a_missing_base_is_empty) {
  auto slapd = Slapd::start();
  EXPECT_TRUE(ldap_search(*slapd, "ou=nowhere,dc=example,dc=org").empty());
  EXPECT_FALSE(ldap_entry(*slapd, "ou=nowhere,dc=example,dc=org"));
}

}  // namespace
}  // namespace idb::test
