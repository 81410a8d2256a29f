// examples/cloud.yaml and the example mappings, pointed at the local servers:
// every sample user reaches every cloud target, and a deleted one is disabled.
#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <memory>
#include <fstream>
#include <sstream>

#include "config/config.h"
#include "connectors/authing/authing_connector.h"
#include "connectors/eiam/eiam_connector.h"
#include "connectors/huawei/huawei_connector.h"
#include "connectors/pds/pds_connector.h"
#include "connectors/sensecore/sensecore_connector.h"
#include "mapping/mapping.h"
#include "tests/cloud/harness.h"
#include "tests/cloud/servers/example_servers.h"

namespace idb::test::cloud {
namespace {

namespace fs = std::filesystem;

using Urls = ExampleUrls;

// The environment examples/cloud.yaml reads, with the local servers' addresses.
config::LoadResult load_example_config(const fs::path& file, const Urls& urls) {
  auto env = example_environment(urls);
  env["IDBRIDGE_SCIM_TOKEN"] = "scim-token";
  return config::load(file, [&](const std::string& name) -> std::optional<std::string> {
    auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  });
}

std::vector<nlohmann::json> sample_users() {
  std::vector<nlohmann::json> users;
  for (const auto& entry : fs::directory_iterator(fs::path(IDB_SOURCE_DIR) / "examples/users")) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    users.push_back(nlohmann::json::parse(text.str()));
  }
  return users;
}

TEST(CloudExample, EverySampleUserReachesEveryCloudTarget) {
  ExampleServers servers;
  auto& [authing, pds, eiam, huawei, sensecore] = servers;
  auto loaded = load_example_config(fs::path(IDB_SOURCE_DIR) / "examples/cloud.yaml", servers.urls());
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const config::Config& c = *loaded.config;
  std::vector<mapping::TargetRef> refs;
  for (const auto& t : c.targets) refs.push_back({t.name, t.type, {}});
  auto mappings = mapping::load(c.mapping_file, refs);
  ASSERT_TRUE(mappings.errors.empty()) << mappings.errors.front().to_string();

  connectors::authing::AuthingConnector authing_connector("authing", c.targets[0].authing);
  connectors::pds::PdsConnector pds_connector("pds", c.targets[1].pds);
  connectors::eiam::EiamConnector eiam_connector("eiam", c.targets[2].eiam);
  connectors::huawei::HuaweiConnector huawei_connector("workspace", c.targets[3].huawei);
  connectors::sensecore::SenseCoreConnector sensecore_connector("sensecore", c.targets[4].sensecore);
  const std::vector<std::tuple<std::string, connectors::Connector*, reconcile::DisableMark>> targets{
      {"authing", &authing_connector, {"status", "Suspended"}},
      {"pds", &pds_connector, {"status", "disabled"}},
      {"eiam", &eiam_connector, {"Status", "disabled"}},
      {"workspace", &huawei_connector, {"disabled", "true"}},
      {"sensecore", &sensecore_connector, {"console_state", "disabled"}}};

  const auto users = sample_users();
  ASSERT_EQ(users.size(), 5u);
  for (const auto& user : users) {
    for (const auto& [name, connector, mark] : targets) {
      auto desired = mappings.targets.at(name).apply(user);
      ASSERT_TRUE(std::holds_alternative<mapping::Desired>(desired)) << name;
      auto result = converge(*connector, std::get<mapping::Desired>(desired), false, mark);
      ASSERT_TRUE(result.status.ok()) << name << " " << user["userName"] << ": " << result.status.failure().message;
    }
  }
  EXPECT_EQ(authing.user_count(), 5u);
  EXPECT_EQ(pds.user_count(), 5u);
  EXPECT_EQ(eiam.user_count(), 5u);
  EXPECT_EQ(huawei.user_count(), 5u);
  EXPECT_EQ(sensecore.user_count(), 5u);
  EXPECT_EQ((*authing.find("externalId", "E1005"))["name"], "伟 李");
  EXPECT_EQ((*pds.user("E1001"))["description"], "Analytical Engines");
  EXPECT_EQ((*eiam.by_external_id("E1002"))["Username"], "grace.hopper");

  // Deleted at the source: disabled everywhere, never deleted.
  for (const auto& [name, connector, mark] : targets) {
    auto desired = std::get<mapping::Desired>(mappings.targets.at(name).apply(users.front()));
    ASSERT_TRUE(converge(*connector, desired, true, mark).status.ok()) << name;
  }
  const std::string first = users.front()["externalId"];
  EXPECT_EQ((*authing.find("externalId", first))["status"], "Suspended");
  EXPECT_EQ((*pds.user(first))["status"], "disabled");
  EXPECT_EQ((*eiam.by_external_id(first))["Status"], "disabled");
  EXPECT_EQ((*huawei.by_name(first))["disabled"], true);
  EXPECT_EQ((*sensecore.by_username(users.front()["userName"]))["console_state"], "disabled");
}


// One per-API example mapping, with examples/cloud.yaml cut down to the one
// target it maps, against that target's local server.
struct PerApiExample {
  std::string mapping;  // in examples/mappings/
  std::string target;   // its target, named as in examples/cloud.yaml
  reconcile::DisableMark mark;
};

// The config examples/cloud.yaml would be with only `target`, mapped by `mapping`.
fs::path one_target_config(const PerApiExample& example) {
  YAML::Node root = YAML::LoadFile((fs::path(IDB_SOURCE_DIR) / "examples/cloud.yaml").string());
  YAML::Node kept(YAML::NodeType::Sequence);
  for (YAML::Node target : root["targets"]) {
    if (target["name"].as<std::string>() != example.target) continue;
    target["rate_limit"] = 0;  // the fit of mapping to API is under test, not the pacing
    kept.push_back(target);
  }
  root["targets"] = kept;
  root["mapping"] = (fs::path(IDB_SOURCE_DIR) / "examples/mappings" / example.mapping).string();
  const fs::path file = fs::temp_directory_path() /
                        ("idb-example-" + std::to_string(::getpid()) + "-" + example.target + ".yaml");
  std::ofstream(file) << YAML::Dump(root) << "\n";
  return file;
}

// The account a server holds under `key`, if any.
using Lookup = std::function<std::optional<nlohmann::json>(const std::string& key)>;

std::string text_of(const nlohmann::json& value) {
  if (value.is_boolean()) return value.get<bool>() ? "true" : "false";
  return value.is_string() ? value.get<std::string>() : value.dump();
}

// Every sample user goes through mapping -> plan -> connector and arrives under
// its key, active; then each is deleted at the source and is disabled, not deleted.
void push_samples(const PerApiExample& example, const Urls& urls,
                  const std::function<std::unique_ptr<connectors::Connector>(const config::Target&, bool)>& connect,
                  const std::function<std::size_t()>& count, const Lookup& lookup) {
  const fs::path file = one_target_config(example);
  auto loaded = load_example_config(file, urls);
  fs::remove(file);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const config::Config& c = *loaded.config;
  ASSERT_EQ(c.targets.size(), 1u);
  auto mappings = mapping::load(c.mapping_file, {{c.targets[0].name, c.targets[0].type, {}}});
  ASSERT_TRUE(mappings.errors.empty()) << mappings.errors.front().to_string();
  const mapping::TargetMapping& rules = mappings.targets.at(example.target);
  // As the daemon builds it: when the mapping sets the disable field itself,
  // the connector reports that field as it is.
  const auto& managed = rules.managed_attributes();
  const bool status_mapped = std::find(managed.begin(), managed.end(), example.mark.attribute) != managed.end();
  auto connector = connect(c.targets[0], status_mapped);

  const auto users = sample_users();
  ASSERT_EQ(users.size(), 5u);
  std::vector<mapping::Desired> accounts;
  for (const auto& user : users) {
    auto desired = rules.apply(user);
    ASSERT_TRUE(std::holds_alternative<mapping::Desired>(desired))
        << user["userName"] << ": " << std::get<std::string>(desired);
    accounts.push_back(std::get<mapping::Desired>(desired));
    auto result = converge(*connector, accounts.back(), false, example.mark);
    ASSERT_TRUE(result.status.ok()) << user["userName"] << ": " << result.status.failure().message;
  }
  EXPECT_EQ(count(), 5u);
  for (const auto& account : accounts) {
    auto held = lookup(account.key);
    ASSERT_TRUE(held) << account.key << " did not arrive";
    if (held->contains(example.mark.attribute)) {
      EXPECT_NE(text_of((*held)[example.mark.attribute]), example.mark.value) << account.key;
    }
  }

  for (const auto& account : accounts) {
    auto result = converge(*connector, account, true, example.mark);
    ASSERT_TRUE(result.status.ok()) << account.key << ": " << result.status.failure().message;
    auto held = lookup(account.key);
    ASSERT_TRUE(held) << account.key << " was deleted, not disabled";
    EXPECT_EQ(text_of(held->value(example.mark.attribute, nlohmann::json())), example.mark.value) << account.key;
  }
  EXPECT_EQ(count(), 5u);
}

TEST(PerApiExampleMapping, Authing) {
  AuthingServer server;
  server.start();
  Urls urls;
  urls.authing = server.base_url();
  push_samples(
      {"authing.yaml", "authing", {"status", "Suspended"}}, urls,
      [](const config::Target& t, bool mapped) {
        return std::make_unique<connectors::authing::AuthingConnector>(t.name, t.authing, mapped);
      },
      [&] { return server.user_count(); },
      [&](const std::string& key) -> std::optional<nlohmann::json> {
        auto held = server.find("externalId", key);
        if (!held) return std::nullopt;
        return nlohmann::json::parse(held->dump());
      });
}

TEST(PerApiExampleMapping, AliyunPds) {
  PdsServer server;
  server.start();
  Urls urls;
  urls.pds = server.base_url();
  push_samples(
      {"aliyun-pds.yaml", "pds", {"status", "disabled"}}, urls,
      [](const config::Target& t, bool mapped) {
        return std::make_unique<connectors::pds::PdsConnector>(t.name, t.pds, mapped);
      },
      [&] { return server.user_count(); }, [&](const std::string& key) { return server.user(key); });
}

TEST(PerApiExampleMapping, AliyunEiam) {
  EiamServerOptions options;
  options.instance_id = kExampleEiamInstance;
  EiamServer server(options);
  server.start();
  Urls urls;
  urls.eiam = server.base_url();
  push_samples(
      {"aliyun-eiam.yaml", "eiam", {"Status", "disabled"}}, urls,
      [](const config::Target& t, bool mapped) {
        return std::make_unique<connectors::eiam::EiamConnector>(t.name, t.eiam, mapped);
      },
      [&] { return server.user_count(); }, [&](const std::string& key) { return server.by_external_id(key); });
}

TEST(PerApiExampleMapping, HuaweiWorkspace) {
  HuaweiServer server;
  server.start();
  Urls urls;
  urls.huawei = server.base_url();
  push_samples(
      {"huawei-workspace.yaml", "workspace", {"disabled", "true"}}, urls,
      [](const config::Target& t, bool mapped) {
        return std::make_unique<connectors::huawei::HuaweiConnector>(t.name, t.huawei, mapped);
      },
      [&] { return server.user_count(); }, [&](const std::string& key) { return server.by_name(key); });
}

TEST(PerApiExampleMapping, SenseCoreIam) {
  SenseCoreServer server;
  server.start();
  Urls urls;
  urls.sensecore = server.base_url();
  push_samples(
      {"sensecore-iam.yaml", "sensecore", {"console_state", "disabled"}}, urls,
      [](const config::Target& t, bool mapped) {
        return std::make_unique<connectors::sensecore::SenseCoreConnector>(t.name, t.sensecore, mapped);
      },
      [&] { return server.user_count(); }, [&](const std::string& key) { return server.by_username(key); });
}

}  // namespace
}  // namespace idb::test::cloud
