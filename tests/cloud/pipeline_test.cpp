// A sample SCIM user through a mapping and each cloud connector into its
// local server: the path a push takes in the daemon, minus the outbox.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "connectors/authing/authing_connector.h"
#include "connectors/pds/pds_connector.h"
#include "mapping/mapping.h"
#include "tests/cloud/harness.h"
#include "tests/cloud/servers/authing_server.h"
#include "tests/cloud/servers/pds_server.h"

namespace idb::test::cloud {
namespace {

nlohmann::json sample_user() {
  std::ifstream in(std::string(IDB_SOURCE_DIR) + "/examples/users/ada.lovelace.json");
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

const char* kMapping = R"(targets:
  authing:
    key: "{externalId}"
    attributes:
      username: userName
      name: "{name.givenName} {name.familyName}"
      email: 'emails[type eq "work"].value'
      phone: 'phoneNumbers[type eq "work"].value'
      company: {value: Example Org}
  pds:
    key: "{externalId}"
    attributes:
      user_name: userName
      nick_name: "{name.givenName} {name.familyName}"
      email: 'emails[type eq "work"].value'
      description: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department
)";

TEST(CloudPipeline, SampleUserReachesAuthingAndPds) {
  auto mappings = mapping::parse(kMapping, "inline.yaml", {{"authing", "authing", {}}, {"pds", "pds", {}}});
  ASSERT_TRUE(mappings.errors.empty()) << mappings.errors.front().to_string();
  const nlohmann::json user = sample_user();

  AuthingServer authing_server;
  authing_server.start();
  config::AuthingTarget authing;
  authing.http.base_url = authing_server.base_url();
  authing.access_key_id = "AK_TEST";
  authing.access_key_secret = {"${env:SK}", "SK_TEST"};
  connectors::authing::AuthingConnector authing_connector("authing", authing);

  PdsServer pds_server;
  pds_server.start();
  config::PdsTarget pds;
  pds.http.base_url = pds_server.base_url();
  pds.domain_id = "bj1";
  pds.access_key_id = "YourAccessKeyId";
  pds.access_key_secret = {"${env:SK}", "YourAccessKeySecret"};
  connectors::pds::PdsConnector pds_connector("pds", pds);

  auto authing_desired = std::get<mapping::Desired>(mappings.targets.at("authing").apply(user));
  ASSERT_TRUE(converge(authing_connector, authing_desired, false, {"status", "Suspended"}).status.ok());
  auto stored = authing_server.find("externalId", "E1001");
  ASSERT_TRUE(stored);
  EXPECT_EQ((*stored)["username"], "ada.lovelace");
  EXPECT_EQ((*stored)["name"], "Ada Lovelace");
  EXPECT_EQ((*stored)["phone"], "+1-555-0101");

  auto pds_desired = std::get<mapping::Desired>(mappings.targets.at("pds").apply(user));
  ASSERT_TRUE(converge(pds_connector, pds_desired, false, {"status", "disabled"}).status.ok());
  auto pds_user = pds_server.user("E1001");
  ASSERT_TRUE(pds_user);
  EXPECT_EQ((*pds_user)["nick_name"], "Ada Lovelace");
  EXPECT_EQ((*pds_user)["description"], "Analytical Engines");

  // Deleted at the source: disabled on both, never deleted.
  ASSERT_TRUE(converge(authing_connector, authing_desired, true, {"status", "Suspended"}).status.ok());
  ASSERT_TRUE(converge(pds_connector, pds_desired, true, {"status", "disabled"}).status.ok());
  EXPECT_EQ((*authing_server.find("externalId", "E1001"))["status"], "Suspended");
  EXPECT_EQ((*pds_server.user("E1001"))["status"], "disabled");
}

}  // namespace
}  // namespace idb::test::cloud
