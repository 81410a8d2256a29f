// The accounts a full plan reads in one paged search, against a real slapd:
// every lookup inside the subtree is answered from that one read whatever the
// spelling of the DN, the rest is read one by one, and a read that failed is
// never taken for "no accounts" (which would plan a create for every user).
#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "connectors/ldap/ldap_connector.h"
#include "daemon/account_index.h"
#include "reconcile/three_way.h"
#include "tests/ldap/ldap_test_support.h"
#include "tests/support/slapd.h"

namespace idb::daemon {
namespace {

// One account packed as the index packs it, in a string of its own.
std::string pack(const connectors::ldap::EntryView::Attributes& attributes) {
  std::string out(packed_size(attributes), '\0');
  pack_into(attributes, out.data());
  return out;
}

using connectors::ldap::LdapConnector;
using namespace connectors::ldap::fixtures;  // NOLINT: the shorthands of ldap_test_support.h

constexpr const char* kTarget = "ldap";

class account_index : public ::testing::Test {
 protected:
  void SetUp() override {
    slapd_ = test::Slapd::start({.access_log = true});
    auto loaded = mapping::parse("targets:\n  ldap:\n    dn: \"uid={userName}," + kPeople +
                                     "\"\n    object_classes: [inetOrgPerson]\n    attributes:\n      uid: userName\n"
                                     "      sn: [name.familyName, userName]\n      cn: userName\n",
                                 "test.yaml",
                                 {{kTarget, "ldap", [](std::string_view v) { return connectors::ldap::escape_value(v); }}});
    ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
    mapping_ = loaded.targets.at(kTarget);
    config::Target target;
    target.name = kTarget;
    target.type = "ldap";
    target.ldap = test::settings_for(*slapd_);
    target.ldap.base_dn = kPeople;  // the subtree read; the connector itself may write anywhere below the suffix
    config_.targets.push_back(target);
  }

  TargetBinding binding(LdapConnector& ldap) {
    return TargetBinding{&ldap, &*mapping_, {}, reconcile::policies_for(*mapping_), {}, {}};
  }

  std::unique_ptr<test::Slapd> slapd_;
  std::optional<mapping::TargetMapping> mapping_;
  config::Config config_;
};

TEST_F(account_index, answers_lookups_in_the_subtree_from_one_paged_read_whatever_the_dn_spelling) {
  LdapConnector ldap(kTarget, test::settings_for(*slapd_));
  ASSERT_TRUE(succeeded(ldap.apply(create("uid=alice," + kPeople, person("alice")))));
  ASSERT_TRUE(succeeded(ldap.apply(create("uid=Bob," + kPeople, person("Bob")))));
  ASSERT_TRUE(succeeded(ldap.apply(create("uid=o\\2Cneil\\, jr," + kPeople, person("o,neil, jr")))));
  const std::string elsewhere = "uid=carol,ou=disabled," + slapd_->base_dn();
  ASSERT_TRUE(succeeded(ldap.apply(create(elsewhere, person("carol")))));

  const auto b = binding(ldap);
  const AccountIndex index(b, config_);
  const AccountReader read = index.reader();
  ASSERT_TRUE(read);
  const std::string respelled = "UID=Alice , OU=People,DC=Example,DC=org";
  auto alice = read(respelled, {"cn"});
  ASSERT_TRUE(alice) << alice.failure().message;
  ASSERT_TRUE(alice.value());
  EXPECT_EQ(alice.value()->key, respelled) << "keyed as asked: the server's spelling is no rename";
  EXPECT_EQ(alice.value()->attributes.at("cn"), mapping::Values{"alice"});
  auto bob = read("uid=bob," + kPeople, {"cn"});
  ASSERT_TRUE(bob && bob.value());
  EXPECT_EQ(bob.value()->attributes.at("uid"), mapping::Values{"Bob"});
  auto escaped = read("UID=O\\,Neil\\2C JR,ou=people,dc=example,dc=org", {"cn"});
  ASSERT_TRUE(escaped && escaped.value()) << "escapes spelled otherwise";
  EXPECT_EQ(escaped.value()->attributes.at("cn"), mapping::Values{"o,neil, jr"});
  auto nobody = read("uid=nobody," + kPeople, {"cn"});
  ASSERT_TRUE(nobody);
  EXPECT_FALSE(nobody.value());
  EXPECT_EQ(occurrences(slapd_->log(), "SRCH base=\"uid="), 0u) << "no lookup inside the subtree went to the server";

  auto carol = read(elsewhere, {"cn"});
  ASSERT_TRUE(carol && carol.value()) << "outside the subtree read: read on its own";
  EXPECT_EQ(carol.value()->attributes.at("cn"), mapping::Values{"carol"});
  EXPECT_EQ(occurrences(slapd_->log(), "SRCH base=\"uid=carol"), 1u);
}

TEST_F(account_index, a_failed_read_is_never_taken_for_no_accounts) {
  auto settings = test::settings_for(*slapd_);
  settings.bind_password.value = "not the password";
  LdapConnector ldap(kTarget, settings);
  const auto b = binding(ldap);
  const AccountIndex index(b, config_);
  const auto found = index.reader()("uid=alice," + kPeople, {"cn"});
  ASSERT_FALSE(found) << "a lookup after a failed paged read asks the target itself";
  EXPECT_NE(found.failure().message.find("Invalid credentials"), std::string::npos) << found.failure().message;
}

TEST(account_index_pack, keeps_every_attribute_value_and_byte) {
  const mapping::Attributes attributes = {{"objectClass", {"top", "inetOrgPerson"}},
                                          {"cn", {"Zoë \"Z\" O'Neil"}},
                                          {"jpegPhoto", {std::string("\0\xff\x01 bytes", 9)}},
                                          {"description", {""}},
                                          {"empty", {}}};
  connectors::ldap::EntryView::Attributes views;
  for (const auto& [name, values] : attributes) views.emplace_back(name, std::vector<std::string_view>(values.begin(), values.end()));
  EXPECT_EQ(unpack(pack(views)), attributes);
  EXPECT_EQ(unpack(pack({})), mapping::Attributes{});
  EXPECT_EQ(unpack(pack(views)).at("CN"), mapping::Values{"Zoë \"Z\" O'Neil"}) << "names still case-insensitive";
}

}  // namespace
}  // namespace idb::daemon
