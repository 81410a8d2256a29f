#include "scim/discovery.h"

#include <gtest/gtest.h>

#include "scim/schema.h"

using namespace idb::scim;
using nlohmann::json;

namespace {

const json* attribute(const json& schema, const std::string& name) {
  for (const auto& a : schema["attributes"]) {
    if (a["name"] == name) return &a;
  }
  return nullptr;
}

TEST(Discovery, SchemasSayWhatTheEndpointDoes) {
  const json list = schemas(Catalog::builtin(), "http://h/scim/v2");
  ASSERT_EQ(list["totalResults"], 3);
  const json& user = list["Resources"][0];
  EXPECT_EQ(user["id"], kUserSchema);
  EXPECT_EQ(user["meta"]["location"], std::string("http://h/scim/v2/Schemas/") + kUserSchema);
  const json* user_name = attribute(user, "userName");
  ASSERT_TRUE(user_name);
  EXPECT_EQ((*user_name)["required"], true);
  EXPECT_EQ((*user_name)["caseExact"], false);
  EXPECT_EQ((*user_name)["uniqueness"], "server");
  EXPECT_EQ((*attribute(user, "groups"))["mutability"], "readOnly");
  EXPECT_EQ((*attribute(user, "password"))["returned"], "never");
  const json* emails = attribute(user, "emails");
  EXPECT_EQ((*emails)["multiValued"], true);
  EXPECT_EQ((*emails)["subAttributes"].size(), 4u);
  const json& group = list["Resources"][2];
  EXPECT_EQ((*attribute(group, "members"))["subAttributes"][0]["mutability"], "immutable");
  EXPECT_EQ(schema(Catalog::builtin(), "http://h/scim/v2", "urn:nope"), json());
}

TEST(Discovery, ServiceProviderConfigAndResourceTypes) {
  const json config = service_provider_config({50, 0, 1024}, "http://h/scim/v2");
  EXPECT_EQ(config["patch"]["supported"], true);
  EXPECT_EQ(config["bulk"]["supported"], false);
  EXPECT_EQ(config["filter"], json({{"supported", true}, {"maxResults", 50}}));
  EXPECT_EQ(config["sort"]["supported"], true);
  EXPECT_EQ(config["changePassword"]["supported"], false);
  const json user = resource_type(Catalog::builtin(), "http://h/scim/v2", "user");
  EXPECT_EQ(user["endpoint"], "/Users");
  EXPECT_EQ(user["schemaExtensions"][0], json({{"schema", kEnterpriseUserSchema}, {"required", false}}));
}

}  // namespace
