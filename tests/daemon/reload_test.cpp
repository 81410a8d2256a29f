#include "daemon/reload.h"

#include <functional>

#include <gtest/gtest.h>

namespace idb::daemon {
namespace {

config::Config two_targets() {
  config::Config c;
  c.file = "/etc/idbridge/idbridge.yaml";
  c.mapping_file = "/etc/idbridge/mapping.yaml";
  c.mapping_location = {"/etc/idbridge/idbridge.yaml", 9, 10};
  c.scim_tokens = {{"${env:TOKEN}", "t0ken"}};
  config::Target ldap;
  ldap.name = "ldap";
  ldap.type = "ldap";
  ldap.ldap.url = "ldap://127.0.0.1:389";
  config::Target authing;
  authing.name = "authing";
  authing.type = "authing";
  c.targets = {ldap, authing};
  return c;
}

using Keys = std::vector<std::string>;

TEST(Reload, TheSameConfigChangesNothingAndNeedsNoRestart) {
  const auto running = two_targets();
  const auto plan = plan_reload(running, running);
  ASSERT_TRUE(plan.config);
  EXPECT_EQ(plan.restart_needed, Keys{});
  EXPECT_EQ(plan.config->targets, running.targets);
}

TEST(Reload, TakesTheMappingFileAndGuardsFromTheNewConfig) {
  const auto running = two_targets();
  auto next = running;
  next.mapping_file = "/etc/idbridge/mapping-v2.yaml";
  next.mapping_location = {"/etc/idbridge/idbridge.yaml", 12, 10};
  next.targets[1].guards.max_disables = 3;
  const auto plan = plan_reload(running, next);
  ASSERT_TRUE(plan.config);
  EXPECT_EQ(plan.restart_needed, Keys{});
  EXPECT_EQ(plan.config->mapping_file, next.mapping_file);
  EXPECT_EQ(plan.config->mapping_location.line, 12);
  EXPECT_EQ(plan.config->targets[1].guards.max_disables, 3);
  EXPECT_EQ(plan.config->targets[0].guards.max_disables, running.targets[0].guards.max_disables);
}

TEST(Reload, NamesEveryChangeThatWaitsForARestartAndKeepsItsRunningValue) {
  const auto running = two_targets();
  auto next = running;
  next.listen = "127.0.0.1:9999";
  next.state_dir = "/tmp/elsewhere";
  next.log_level = "debug";
  next.scim_tokens[0].value = "rotated";
  next.scim_max_body_bytes = 1;
  next.scim_bulk_max_operations = 1;
  next.scim_extensions.push_back({.urn = "urn:example:1.0:User"});
  next.scim_tls_cert_file = "/etc/idbridge/cert.pem";
  next.retry.max_attempts = 9;
  next.full_sync_interval_s = 60;
  next.audit_retention_days = 30;
  next.sources.push_back({.name = "hr"});
  next.targets[0].ldap.url = "ldap://10.0.0.1:389";
  next.targets[0].guards.max_modifies = 5;
  next.targets[1].authing.access_key_secret.value = "new-secret";
  const auto plan = plan_reload(running, next);
  ASSERT_TRUE(plan.config);
  EXPECT_EQ(plan.restart_needed,
            (Keys{"listen", "state_dir", "log", "scim.tokens", "scim.max_body_bytes", "scim.bulk", "scim.extensions",
                  "scim.tls", "retry", "full_sync", "audit", "sources", "targets.ldap (other than guards)",
                  "targets.authing (other than guards)"}));
  EXPECT_EQ(plan.config->listen, running.listen);
  EXPECT_EQ(plan.config->targets[0].ldap.url, running.targets[0].ldap.url);
  EXPECT_EQ(plan.config->targets[1].authing.access_key_secret.value, "");
  EXPECT_EQ(plan.config->targets[0].guards.max_modifies, 5);  // guards alone are applied
  // No secret value in what is logged.
  for (const auto& key : plan.restart_needed) EXPECT_EQ(key.find("secret"), std::string::npos) << key;
}

TEST(Reload, AnExtensionMovedInTheFileIsNotAChange) {
  auto running = two_targets();
  running.scim_extensions.push_back({.urn = "urn:example:1.0:User", .location = {"a.yaml", 3, 1}});
  auto next = running;
  next.scim_extensions[0].location = {"a.yaml", 30, 1};
  EXPECT_EQ(plan_reload(running, next).restart_needed, Keys{});
}

TEST(Reload, ADifferentSetOfTargetsReloadsNothing) {
  const auto running = two_targets();
  for (const auto& change : std::vector<std::function<void(config::Config&)>>{
           [](config::Config& c) { c.targets.pop_back(); },
           [](config::Config& c) { c.targets[1].name = "authing2"; },
           [](config::Config& c) { c.targets[1].type = "pds"; },
           [](config::Config& c) { std::swap(c.targets[0], c.targets[1]); },
       }) {
    auto next = running;
    change(next);
    const auto plan = plan_reload(running, next);
    EXPECT_FALSE(plan.config);
    EXPECT_EQ(plan.restart_needed, Keys{"targets (added, removed, renamed, retyped or reordered)"});
  }
}

}  // namespace
}  // namespace idb::daemon
