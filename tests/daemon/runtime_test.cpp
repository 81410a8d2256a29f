#include "daemon/runtime.h"

#include <gtest/gtest.h>

#include "connectors/ldap/ldap_connector.h"

namespace idb::daemon {
namespace {

TEST(UtcIso8601, WholeSecondsInUtcWithZ) {
  EXPECT_EQ(utc_iso8601(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(utc_iso8601(1795355072000), "2026-11-22T13:44:32Z");
  EXPECT_EQ(utc_iso8601(1795355072999), "2026-11-22T13:44:32Z") << "milliseconds are dropped, not rounded";
  EXPECT_EQ(utc_iso8601(951782400000), "2000-02-29T00:00:00Z");
}

TEST(Targets, BindingFindsATargetByItsName) {
  Targets targets;
  for (const char* name : {"ldap-a", "ldap-b"}) {
    targets.connectors.push_back(std::make_unique<connectors::ldap::LdapConnector>(name, config::LdapTarget{}));
    targets.bindings.push_back({targets.connectors.back().get(), nullptr, {}, {}, {}});
  }
  ASSERT_NE(targets.binding("ldap-b"), nullptr);
  EXPECT_EQ(targets.binding("ldap-b")->connector->name(), "ldap-b");
  EXPECT_EQ(targets.binding("ldap-a"), &targets.bindings[0]);
  EXPECT_EQ(targets.binding("ldap"), nullptr);
  EXPECT_EQ(Targets{}.binding("ldap-a"), nullptr);
}

}  // namespace
}  // namespace idb::daemon
