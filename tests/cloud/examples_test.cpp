// examples/cloud.yaml and its mapping, pointed at the local servers: every
// sample user reaches every cloud target, and a deleted one is disabled.
#include <gtest/gtest.h>

#include <filesystem>
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
#include "tests/cloud/servers/authing_server.h"
#include "tests/cloud/servers/eiam_server.h"
#include "tests/cloud/servers/huawei_server.h"
#include "tests/cloud/servers/pds_server.h"
#include "tests/cloud/servers/sensecore_server.h"

namespace idb::test::cloud {
namespace {

namespace fs = std::filesystem;

TEST(CloudExample, EverySampleUserReachesEveryCloudTarget) {
  AuthingServer authing;
  PdsServer pds;
  EiamServerOptions eiam_options;
  eiam_options.instance_id = "idaas_ue2jvisn35ea5lmthk267xxxxx";
  EiamServer eiam(eiam_options);
  HuaweiServer huawei;
  SenseCoreServer sensecore;
  authing.start(), pds.start(), eiam.start(), huawei.start(), sensecore.start();

  const std::map<std::string, std::string> env{
      {"IDBRIDGE_SCIM_TOKEN", "scim-token"},
      {"IDBRIDGE_AUTHING_URL", authing.base_url()},
      {"IDBRIDGE_AUTHING_POOL", "AK_TEST"},
      {"IDBRIDGE_AUTHING_SECRET", "SK_TEST"},
      {"IDBRIDGE_PDS_URL", pds.base_url()},
      {"IDBRIDGE_ALIYUN_AK", "YourAccessKeyId"},
      {"IDBRIDGE_ALIYUN_SECRET", "YourAccessKeySecret"},
      {"IDBRIDGE_EIAM_URL", eiam.base_url()},
      {"IDBRIDGE_HUAWEI_URL", huawei.base_url()},
      {"IDBRIDGE_HUAWEI_AK", "AccessKey"},
      {"IDBRIDGE_HUAWEI_SECRET", "SecretKey"},
      {"IDBRIDGE_SENSECORE_URL", sensecore.base_url()},
      {"IDBRIDGE_SENSECORE_AK", "AK_TEST"},
      {"IDBRIDGE_SENSECORE_SECRET", "SK_TEST"},
  };
  auto loaded = config::load(fs::path(IDB_SOURCE_DIR) / "examples/cloud.yaml",
                             [&](const std::string& name) -> std::optional<std::string> {
                               auto it = env.find(name);
                               if (it == env.end()) return std::nullopt;
                               return it->second;
                             });
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

  std::vector<nlohmann::json> users;
  for (const auto& entry : fs::directory_iterator(fs::path(IDB_SOURCE_DIR) / "examples/users")) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    users.push_back(nlohmann::json::parse(text.str()));
  }
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

}  // namespace
}  // namespace idb::test::cloud
