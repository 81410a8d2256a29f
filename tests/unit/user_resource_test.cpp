#include "scim/user_resource.h"

#include <gtest/gtest.h>

using namespace idb::scim;
using nlohmann::json;

namespace {

json ok(const json& body) {
  auto r = normalize_user(body);
  EXPECT_TRUE(std::holds_alternative<json>(r)) << (std::holds_alternative<Error>(r) ? std::get<Error>(r).detail : "");
  return std::holds_alternative<json>(r) ? std::get<json>(r) : json();
}

Error bad(const json& body) {
  auto r = normalize_user(body);
  EXPECT_TRUE(std::holds_alternative<Error>(r)) << body.dump();
  return std::holds_alternative<Error>(r) ? std::get<Error>(r) : Error{};
}

TEST(NormalizeUser, CanonicalisesNamesAndEntraDialect) {
  const json user = ok(json::parse(R"({
    "USERNAME": "ada", "Active": "False", "NAME": {"GivenName": "Ada"},
    "emails": [{"Value": "a@example.org", "Primary": "True"}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"Manager": "boss-id", "department": "R&D"}
  })"));
  EXPECT_EQ(user["userName"], "ada");
  EXPECT_EQ(user["active"], false);
  EXPECT_EQ(user["name"]["givenName"], "Ada");
  EXPECT_EQ(user["emails"][0]["primary"], true);
  EXPECT_EQ(user["emails"][0]["value"], "a@example.org");
  EXPECT_EQ(user[kEnterpriseUserSchema]["manager"]["value"], "boss-id");
  EXPECT_EQ(user["schemas"], (json{kUserSchema, kEnterpriseUserSchema}));
  EXPECT_FALSE(is_active(user));
}

TEST(NormalizeUser, DropsServerOwnedAndWriteOnlyAttributes) {
  const json user = ok({{"userName", "ada"}, {"id", "forged"}, {"meta", {{"version", "W/\"9\""}}},
                        {"password", "hunter2"}, {"groups", json::array()}, {"nickName", nullptr}});
  EXPECT_FALSE(user.contains("id"));
  EXPECT_FALSE(user.contains("meta"));
  EXPECT_FALSE(user.contains("password"));
  EXPECT_FALSE(user.contains("groups"));
  EXPECT_FALSE(user.contains("nickName"));
  EXPECT_TRUE(is_active(user));
}

TEST(NormalizeUser, RejectsBadInputWithScimType) {
  struct Case {
    json body;
    std::string scim_type, detail;
  } cases[] = {
      {json::array(), "invalidSyntax", "the request body must be a JSON object"},
      {json::object(), "invalidValue", "'userName' is required and must be a non-empty string"},
      {{{"userName", ""}}, "invalidValue", "'userName' is required and must be a non-empty string"},
      {{{"userName", 7}}, "invalidValue", "'userName' must be a string"},
      {{{"userName", "a"}, {"active", "maybe"}}, "invalidValue", "'active' must be a boolean"},
      {{{"userName", "a"}, {"emails", "a@b"}}, "invalidValue", "'emails' must be an array"},
      {{{"userName", "a"}, {"name", "Ada"}}, "invalidValue", "'name' must be an object"},
      {{{"userName", "a"}, {"emails", {{{"value", "x"}, {"primary", true}}, {{"value", "y"}, {"primary", true}}}}},
       "invalidValue", "'emails' has more than one primary value"},
      {{{"userName", "a"}, {"schemas", "urn:x"}}, "invalidValue", "'schemas' must be an array of strings"},
      {{{"userName", "a"}, {"urn:example:custom:1.0:User", json::object()}}, "invalidSyntax",
       "unsupported schema extension 'urn:example:custom:1.0:User'"},
      {{{"userName", "a"}, {kEnterpriseUserSchema, {{"department", 3}}}}, "invalidValue",
       std::string("'") + kEnterpriseUserSchema + ":department' must be a string"},
      {{{"userName", "a"}, {"emails", {{{"value", "x"}, {"primary", "often"}}}}}, "invalidValue",
       "'emails.primary' must be a boolean"},
  };
  for (const auto& c : cases) {
    const Error e = bad(c.body);
    EXPECT_EQ(e.status, 400) << c.body.dump();
    EXPECT_EQ(e.scim_type, c.scim_type) << c.body.dump();
    EXPECT_EQ(e.detail, c.detail) << c.body.dump();
  }
}

// RFC 7644 §3.3 lets a service provider ignore attributes it does not know;
// Microsoft's test suite PUTs a misspelt one and expects 200.
TEST(NormalizeUser, IgnoresUnknownAttributesOfKnownSchemas) {
  const json user = ok({{"userName", "a"}, {"shoeSize", 42}, {"name", {{"givenName", "A"}, {"nick", "x"}}},
                        {kEnterpriseUserSchema, {{"floor", 3}}}});
  EXPECT_EQ(user, json({{"userName", "a"}, {"name", {{"givenName", "A"}}}, {"schemas", {kUserSchema}}}));
}

TEST(NormalizeUser, ServerFieldsAndEtag) {
  const json user = with_server_fields(ok({{"userName", "ada"}}), {"id-1", 3, "t0", "t1", "http://h/scim/v2/Users/id-1"});
  EXPECT_EQ(user["id"], "id-1");
  EXPECT_EQ(user["meta"]["version"], "W/\"3\"");
  EXPECT_EQ(user["meta"]["resourceType"], "User");
  EXPECT_EQ(user["meta"]["location"], "http://h/scim/v2/Users/id-1");
  const json body = Error{409, "uniqueness", "taken"}.to_json();
  EXPECT_EQ(body["status"], "409");
  EXPECT_EQ(body["scimType"], "uniqueness");
  EXPECT_EQ(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
}

}  // namespace
