// PATCH (RFC 7644 §3.5.2) applied as the server does it: apply_patch, then
// normalize. Table-driven: each case is a request and the resource it yields
// or the scimType it fails with.
#include "scim/patch.h"

#include <gtest/gtest.h>

#include "scim/resource.h"

using namespace idb::scim;
using nlohmann::json;

namespace {

const std::string kEnt = kEnterpriseUserSchema;

const json kUser = json::parse(R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
  "id": "u1",
  "userName": "bjensen",
  "name": {"givenName": "Barbara", "familyName": "Jensen"},
  "emails": [{"value": "b@home.example", "type": "home"},
             {"value": "b@work.example", "type": "work", "primary": true}],
  "active": true,
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour", "manager": {"value": "m1"}},
  "meta": {"resourceType": "User", "version": "W/\"1\""}
})");

const json kGroup = json::parse(R"({
  "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
  "id": "g1", "displayName": "Ops",
  "members": [{"value": "u1", "type": "User"}, {"value": "u2", "type": "User", "display": "Two"}]
})");

json request(const json& ops) { return {{"schemas", {kPatchOpSchema}}, {"Operations", ops}}; }

std::variant<json, Error> run(const ResourceType& type, const json& resource, const json& req) {
  auto patched = apply_patch(type, resource, req);
  if (auto* err = std::get_if<Error>(&patched)) return *err;
  return normalize(type, std::get<json>(patched));
}

// The normalised user with `edit` applied, for expectations.
json user_with(const std::function<void(json&)>& edit) {
  json u = std::get<json>(normalize(user_type(), kUser));
  edit(u);
  return u;
}

struct Case {
  const char* name;
  json ops;
  std::function<void(json&)> expect;  // edits the normalised kUser into the expected result
};

TEST(Patch, AppliesOperationsToUsers) {
  const Case cases[] = {
      {"replace a simple attribute", json::parse(R"([{"op":"replace","path":"userName","value":"babs"}])"),
       [](json& u) { u["userName"] = "babs"; }},
      {"Entra: capitalised op and string boolean", json::parse(R"([{"op":"Replace","path":"active","value":"False"}])"),
       [](json& u) { u["active"] = false; }},
      {"Entra: no-path replace with dotted keys",
       json::parse(R"([{"op":"Replace","value":{"name.givenName":"Babs",
         "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department":"Ops","active":"True"}}])"),
       [](json& u) {
         u["name"]["givenName"] = "Babs";
         u[kEnt]["department"] = "Ops";
       }},
      {"no-path add ignores server-owned keys",
       json::parse(R"([{"op":"add","value":{"id":"forged","meta":{},"schemas":[],"title":"Guide"}}])"),
       [](json& u) { u["title"] = "Guide"; }},
      {"attribute names are case-insensitive", json::parse(R"([{"op":"add","path":"NAME.GIVENNAME","value":"B"}])"),
       [](json& u) { u["name"]["givenName"] = "B"; }},
      {"add appends to a multi-valued attribute",
       json::parse(R"([{"op":"add","path":"emails","value":{"value":"x@other.example","type":"other"}}])"),
       [](json& u) { u["emails"].push_back({{"value", "x@other.example"}, {"type", "other"}}); }},
      {"add of an existing value merges instead of duplicating",
       json::parse(R"([{"op":"add","path":"emails","value":[{"value":"b@work.example","display":"Work"}]}])"),
       [](json& u) { u["emails"][1]["display"] = "Work"; }},
      {"a new primary value demotes the old one",
       json::parse(R"([{"op":"add","path":"emails","value":[{"value":"p@x.example","primary":true}]}])"),
       [](json& u) {
         u["emails"][1]["primary"] = false;
         u["emails"].push_back({{"value", "p@x.example"}, {"primary", true}});
       }},
      {"replace through a value filter",
       json::parse(R"([{"op":"replace","path":"emails[type eq \"work\"].value","value":"new@work.example"}])"),
       [](json& u) { u["emails"][1]["value"] = "new@work.example"; }},
      {"Entra: add through a filter that matches nothing creates the value",
       json::parse(R"([{"op":"Add","path":"emails[type eq \"other\"].value","value":"o@x.example"}])"),
       [](json& u) { u["emails"].push_back({{"type", "other"}, {"value", "o@x.example"}}); }},
      {"replace with a compound value filter",
       json::parse(R"([{"op":"replace","path":"emails[type eq \"work\" and value ew \"work.example\"]",
                        "value":{"display":"W"}}])"),
       [](json& u) { u["emails"][1]["display"] = "W"; }},
      {"remove through a value filter", json::parse(R"([{"op":"remove","path":"emails[type eq \"home\"]"}])"),
       [](json& u) { u["emails"].erase(0); }},
      {"remove a sub-attribute of filtered values",
       json::parse(R"([{"op":"remove","path":"emails[type eq \"work\"].primary"}])"),
       [](json& u) { u["emails"][1].erase("primary"); }},
      {"replace a whole multi-valued attribute",
       json::parse(R"([{"op":"replace","path":"emails","value":[{"value":"only@x.example"}]}])"),
       [](json& u) { u["emails"] = json::array({{{"value", "only@x.example"}}}); }},
      {"remove a whole attribute", json::parse(R"([{"op":"remove","path":"emails"}])"),
       [](json& u) { u.erase("emails"); }},
      {"replace a complex attribute keeps sub-attributes not given",
       json::parse(R"([{"op":"replace","path":"name","value":{"givenName":"B"}}])"),
       [](json& u) { u["name"]["givenName"] = "B"; }},
      {"remove a sub-attribute", json::parse(R"([{"op":"remove","path":"name.givenName"}])"),
       [](json& u) { u["name"].erase("givenName"); }},
      {"Entra: enterprise manager as a bare string",
       json::parse(R"([{"op":"Replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager",
                        "value":"m2"}])"),
       [](json& u) { u[kEnt]["manager"] = {{"value", "m2"}}; }},
      {"add to the extension object by its URN",
       json::parse(R"([{"op":"add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
                        "value":{"employeeNumber":"42"}}])"),
       [](json& u) { u[kEnt]["employeeNumber"] = "42"; }},
      {"no-path add with the extension object",
       json::parse(R"([{"op":"add","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                        {"costCenter":"CC1"}}}])"),
       [](json& u) { u[kEnt]["costCenter"] = "CC1"; }},
      {"remove an extension attribute",
       json::parse(R"([{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager"}])"),
       [](json& u) { u[kEnt].erase("manager"); }},
      {"remove the whole extension",
       json::parse(R"([{"op":"remove","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"}])"),
       [](json& u) {
         u.erase(kEnt);
         u["schemas"] = {kUserSchema};
       }},
      {"a null in a no-path value removes", json::parse(R"([{"op":"replace","value":{"name":null}}])"),
       [](json& u) { u.erase("name"); }},
      {"externalId is writable", json::parse(R"([{"op":"add","path":"externalId","value":"E-9"}])"),
       [](json& u) { u["externalId"] = "E-9"; }},
      {"Unicode passes intact", json::parse(R"([{"op":"replace","path":"displayName","value":"Zoë Ünal 张伟 🙂"}])"),
       [](json& u) { u["displayName"] = "Zoë Ünal 张伟 🙂"; }},
      {"operations apply in order",
       json::parse(R"([{"op":"add","path":"title","value":"A"},{"op":"replace","path":"title","value":"B"},
                       {"op":"remove","path":"nickName"}])"),
       [](json& u) { u["title"] = "B"; }},
  };
  for (const auto& c : cases) {
    auto result = run(user_type(), kUser, request(c.ops));
    ASSERT_TRUE(std::holds_alternative<json>(result)) << c.name << ": " << std::get<Error>(result).detail;
    EXPECT_EQ(std::get<json>(result), user_with(c.expect)) << c.name;
  }
}

TEST(Patch, RejectsWithTheRightScimType) {
  struct Bad {
    const char* name;
    json req;
    const char* scim_type;
  } cases[] = {
      {"unknown op", request(json::parse(R"([{"op":"frobnicate","path":"title","value":"x"}])")), "invalidSyntax"},
      {"op not a string", request(json::parse(R"([{"op":1,"path":"title","value":"x"}])")), "invalidSyntax"},
      {"no Operations", json{{"schemas", {kPatchOpSchema}}}, "invalidSyntax"},
      {"empty Operations", request(json::array()), "invalidSyntax"},
      {"wrong schemas", json{{"schemas", {"urn:x"}}, {"Operations", json::parse(R"([{"op":"remove","path":"title"}])")}},
       "invalidSyntax"},
      {"body not an object", json::array(), "invalidSyntax"},
      {"operation not an object", request(json::array({"add"})), "invalidSyntax"},
      {"malformed path", request(json::parse(R"([{"op":"remove","path":"emails[type eq"}])")), "invalidPath"},
      {"unknown attribute", request(json::parse(R"([{"op":"add","path":"shoeSize","value":42}])")), "invalidPath"},
      {"unknown sub-attribute", request(json::parse(R"([{"op":"add","path":"name.nick","value":"x"}])")), "invalidPath"},
      {"unknown schema", request(json::parse(R"([{"op":"add","path":"urn:example:x:1.0:User:a","value":"x"}])")),
       "invalidPath"},
      {"filter on a single-valued attribute",
       request(json::parse(R"([{"op":"remove","path":"userName[value eq \"x\"]"}])")), "invalidPath"},
      {"sub-attribute of all values", request(json::parse(R"([{"op":"replace","path":"emails.value","value":"x"}])")),
       "invalidPath"},
      {"path not a string", request(json::parse(R"([{"op":"remove","path":7}])")), "invalidPath"},
      {"read-only id", request(json::parse(R"([{"op":"replace","path":"id","value":"x"}])")), "mutability"},
      {"read-only meta", request(json::parse(R"([{"op":"replace","path":"meta.version","value":"x"}])")), "mutability"},
      {"read-only groups", request(json::parse(R"([{"op":"add","path":"groups","value":[{"value":"g"}]}])")),
       "mutability"},
      {"required userName", request(json::parse(R"([{"op":"remove","path":"userName"}])")), "mutability"},
      {"remove without path", request(json::parse(R"([{"op":"remove"}])")), "noTarget"},
      {"filter matches nothing on remove",
       request(json::parse(R"([{"op":"remove","path":"emails[type eq \"fax\"]"}])")), "noTarget"},
      {"filter that cannot describe a new value",
       request(json::parse(R"([{"op":"replace","path":"emails[value co \"zzz\"].type","value":"x"}])")), "noTarget"},
      {"add without value", request(json::parse(R"([{"op":"add","path":"title"}])")), "invalidValue"},
      {"no-path add of a non-object", request(json::parse(R"([{"op":"add","value":"x"}])")), "invalidValue"},
      {"wrong type caught by normalize", request(json::parse(R"([{"op":"replace","path":"active","value":"maybe"}])")),
       "invalidValue"},
      {"empty userName", request(json::parse(R"([{"op":"replace","path":"userName","value":""}])")), "invalidValue"},
  };
  for (const auto& c : cases) {
    auto result = run(user_type(), kUser, c.req);
    ASSERT_TRUE(std::holds_alternative<Error>(result)) << c.name << ": " << std::get<json>(result).dump();
    const Error& e = std::get<Error>(result);
    EXPECT_EQ(e.status, 400) << c.name;
    EXPECT_EQ(e.scim_type, c.scim_type) << c.name << ": " << e.detail;
    EXPECT_FALSE(e.detail.empty()) << c.name;
  }
}

TEST(Patch, ErrorsNameTheOperation) {
  auto result = run(user_type(), kUser,
                    request(json::parse(R"([{"op":"add","path":"title","value":"x"},{"op":"add","path":"bogus","value":1}])")));
  ASSERT_TRUE(std::holds_alternative<Error>(result));
  EXPECT_EQ(std::get<Error>(result).detail, "Operations[1]: path 'bogus': no attribute 'bogus' in User");
}

TEST(Patch, GroupMembers) {
  auto members = [](const json& ops) {
    auto result = run(group_type(), kGroup, request(ops));
    if (auto* err = std::get_if<Error>(&result)) return json(err->scim_type + ": " + err->detail);
    json out = json::array();
    for (const auto& m : std::get<json>(result).value("members", json::array())) out.push_back(m["value"]);
    return out;
  };
  EXPECT_EQ(members(json::parse(R"([{"op":"add","path":"members","value":[{"value":"u3"}]}])")),
            json({"u1", "u2", "u3"}));
  EXPECT_EQ(members(json::parse(R"([{"op":"add","path":"members","value":[{"value":"u1"}]}])")), json({"u1", "u2"}));
  EXPECT_EQ(members(json::parse(R"([{"op":"remove","path":"members[value eq \"u1\"]"}])")), json({"u2"}));
  // Entra ID's form: remove the members listed in value.
  EXPECT_EQ(members(json::parse(R"([{"op":"Remove","path":"members","value":[{"value":"u2"},{"value":"u9"}]}])")),
            json({"u1"}));
  EXPECT_EQ(members(json::parse(R"([{"op":"remove","path":"members"}])")), json::array());
  EXPECT_EQ(members(json::parse(R"([{"op":"replace","path":"members","value":[{"value":"u7"}]}])")), json({"u7"}));
  EXPECT_EQ(members(json::parse(R"([{"op":"replace","value":{"displayName":"Ops 2","members":[{"value":"u8"}]}}])")),
            json({"u8"}));
  // members.value is immutable.
  EXPECT_EQ(members(json::parse(R"([{"op":"replace","path":"members[value eq \"u1\"].value","value":"u5"}])"))
                .get<std::string>()
                .substr(0, 10),
            "mutability");
  // A bare id stands for {"value": id}, as for the enterprise manager.
  EXPECT_EQ(members(json::parse(R"([{"op":"add","path":"members","value":"u5"}])")), json({"u1", "u2", "u5"}));
  EXPECT_EQ(members(json::parse(R"([{"op":"remove","path":"displayName"}])")).get<std::string>().substr(0, 10),
            "mutability");
}

}  // namespace
