// The group entries a sync or a plan reads, against a real slapd: all those
// below the groups mapping's DN in one paged search, before the groups' subtree
// exists too; only a linked entry elsewhere (the template changed since) is
// read on its own.
#include <gtest/gtest.h>

#include <filesystem>
#include <optional>
#include <string>

#include "connectors/ldap/ldap_connector.h"
#include "daemon/group_sync.h"
#include "reconcile/three_way.h"
#include "tests/ldap/ldap_test_support.h"
#include "tests/support/slapd.h"

namespace idb::daemon {
namespace {

using connectors::ldap::LdapConnector;
using namespace connectors::ldap::fixtures;  // NOLINT: the shorthands of ldap_test_support.h
using Kind = reconcile::GroupPlan::Kind;

constexpr const char* kTarget = "ldap";
const std::string kGroups = "ou=groups,dc=example,dc=org";

class group_sync : public ::testing::Test {
 protected:
  void SetUp() override {
    slapd_ = test::Slapd::start({.access_log = true});
    dir_ = std::filesystem::temp_directory_path() / ("idb-group-sync-" + std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    store_ = state::Store::open(dir_);
    auto loaded = mapping::parse("targets:\n  ldap:\n    dn: \"uid={userName}," + kPeople +
                                     "\"\n    object_classes: [inetOrgPerson]\n    attributes:\n      uid: userName\n"
                                     "      sn: userName\n      cn: userName\n"
                                     "    groups:\n      dn: \"cn={displayName}," + kGroups + "\"\n",
                                 "test.yaml",
                                 {{kTarget, "ldap", [](std::string_view v) { return connectors::ldap::escape_value(v); }}});
    ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
    mapping_ = loaded.targets.at(kTarget);
  }

  void TearDown() override {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }

  TargetBinding binding(LdapConnector& ldap) {
    return TargetBinding{&ldap, &*mapping_, {}, reconcile::policies_for(*mapping_), {}, {}};
  }

  // A user whose account idbridge wrote (a baseline at its DN), as the member of groups.
  void account(LdapConnector& ldap, const std::string& uid) {
    ASSERT_TRUE(succeeded(ldap.apply(create(person_dn(uid), person(uid)))));
    ASSERT_EQ(store_->insert_user({.id = uid, .user_name = uid, .external_id = std::nullopt, .resource = {{"id", uid}, {"userName", uid}}, .version = 1},
                                  {kTarget}, 1),
              state::WriteStatus::ok);
    store_->record_baseline(kTarget, uid, state::Baseline{person_dn(uid), {}});
  }

  void group(const std::string& name, const std::vector<std::string>& members) {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& m : members) list.push_back({{"value", m}});
    ASSERT_EQ(store_->insert_group({.id = name, .display_name = name, .external_id = std::nullopt,
                                    .resource = {{"id", name}, {"displayName", name}, {"members", list}}, .version = 1},
                                   {kTarget}, 1),
              state::WriteStatus::ok);
  }

  static const reconcile::GroupPlan& plan_of(const std::vector<reconcile::GroupPlan>& plans, const std::string& id) {
    return *std::find_if(plans.begin(), plans.end(), [&](const auto& p) { return p.group_id == id; });
  }

  std::unique_ptr<test::Slapd> slapd_;
  std::filesystem::path dir_;
  std::unique_ptr<state::Store> store_;
  std::optional<mapping::TargetMapping> mapping_;
};

TEST_F(group_sync, reads_the_group_entries_in_one_paged_search) {
  LdapConnector ldap(kTarget, test::settings_for(*slapd_));
  account(ldap, "alice");
  account(ldap, "bob");
  group("A", {"alice"});
  group("B", {"alice", "bob"});
  group("C", {"bob"});
  const auto b = binding(ldap);

  // No groups' subtree yet: nothing is there, which needs no read of each entry either.
  auto plans = plan_groups(b, *store_);
  ASSERT_EQ(plans.size(), 3u);
  for (const auto& p : plans) EXPECT_EQ(p.kind, Kind::create) << p.group_id << ": " << p.error;
  EXPECT_EQ(sync_groups(b, *store_).changed, 3);
  EXPECT_EQ(occurrences(slapd_->log(), "SRCH base=\"cn="), 0u);

  // bob taken out of B by hand: seen in the one read, with only what a read of B alone gives.
  ASSERT_TRUE(succeeded(ldap.apply(connectors::ldap::fixtures::modify(
      "cn=B," + kGroups, {{"member", reconcile::ChangeKind::remove, {person_dn("bob")}}}))));
  plans = plan_groups(b, *store_);
  EXPECT_EQ(plan_of(plans, "A").kind, Kind::noop);
  EXPECT_EQ(plan_of(plans, "C").kind, Kind::noop);
  const auto& changed = plan_of(plans, "B");
  EXPECT_EQ(changed.kind, Kind::update);
  EXPECT_EQ(changed.members_added, mapping::Values{person_dn("bob")});
  EXPECT_EQ(occurrences(slapd_->log(), "SRCH base=\"cn="), 0u) << "no entry was read on its own";
  EXPECT_EQ(occurrences(slapd_->log(), "SRCH base=\"" + kGroups + "\" scope=2"), 3u) << "one per plan";

  // C last written under another parent (the template changed since): that entry is read on its own.
  const std::string old_c = "cn=C,ou=old,dc=example,dc=org";
  ASSERT_TRUE(succeeded(ldap.apply(
      create(old_c, {{"objectClass", {"groupOfNames"}}, {"cn", {"C"}}, {"member", {person_dn("bob")}}}))));
  store_->link_account(kTarget, "group:C", old_c);
  plans = plan_groups(b, *store_);
  const auto& moved = plan_of(plans, "C");
  EXPECT_EQ(moved.kind, Kind::rename) << moved.error;
  EXPECT_EQ(moved.key, old_c);
  EXPECT_EQ(occurrences(slapd_->log(), "SRCH base=\"" + old_c + "\""), 1u);
  EXPECT_EQ(occurrences(slapd_->log(), "SRCH base=\"cn=C," + kGroups), 0u);
}

}  // namespace
}  // namespace idb::daemon
