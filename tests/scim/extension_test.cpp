// Extension schemas declared in the config: checked, stored, patched,
// advertised, and reachable from the mapping by URN path.
#include <gtest/gtest.h>

#include "mapping/mapping.h"
#include "scim/custom_schema.h"
#include "scim/discovery.h"
#include "scim/patch.h"
#include "scim/filter_schema.h"
#include "scim/query.h"
#include "scim/resource.h"

using nlohmann::json;
using namespace idb;
using namespace idb::scim;

namespace {

constexpr const char* kAcme = "urn:example:params:scim:schemas:extension:acme:2.0:User";
constexpr const char* kTeam = "urn:example:params:scim:schemas:extension:acme:2.0:Group";

std::vector<config::ScimExtension> declared() {
  config::ScimExtension acme;
  acme.urn = kAcme;
  acme.name = "AcmeUser";
  acme.attributes = {
      {.name = "badge", .required = true},
      {.name = "level", .type = "integer"},
      {.name = "clearance", .canonical_values = {"low", "high"}},
      {.name = "since", .type = "dateTime"},
      {.name = "tags", .multi_valued = true},
      {.name = "office", .type = "complex", .sub_attributes = {{.name = "building", .required = true}, {.name = "floor", .type = "integer"}}},
      {.name = "score", .type = "decimal", .mutability = "readOnly"},
      {.name = "vip", .type = "boolean"},
      {.name = "employeeCode", .case_exact = true, .mutability = "immutable"},
      {.name = "card", .type = "complex", .sub_attributes = {{.name = "serial", .mutability = "immutable"}, {.name = "color"}}},
  };
  config::ScimExtension team;
  team.urn = kTeam;
  team.name = "AcmeGroup";
  team.resource_type = "Group";
  team.required = true;
  team.attributes = {{.name = "costCode"}};
  return {acme, team};
}

class Extensions : public ::testing::Test {
 protected:
  Catalog catalog{custom_extensions(declared())};
  const ResourceType& users = catalog.users();

  json user(json extension) {
    return {{"schemas", {kUserSchema, kAcme}}, {"userName", "ada"}, {kAcme, std::move(extension)}};
  }
  Error refused(const ResourceType& type, const json& body) {
    auto out = normalize(type, body);
    EXPECT_TRUE(std::holds_alternative<Error>(out)) << body.dump() << " gave " << std::get<json>(out).dump();
    return std::holds_alternative<Error>(out) ? std::get<Error>(out) : Error{0, "", ""};
  }
};

TEST_F(Extensions, AcceptedNormalisedAndStored) {
  auto out = normalize(users, user({{"BADGE", "B-7"}, {"level", 3}, {"clearance", "HIGH"}, {"since", "2026-01-31T12:00:00.5+01:00"},
                                   {"tags", {"a", "b"}}, {"office", {{"building", "K"}, {"floor", 2}}}, {"score", 9.5},
                                   {"vip", "True"}}));
  ASSERT_TRUE(std::holds_alternative<json>(out)) << std::get<Error>(out).detail;
  const json& u = std::get<json>(out);
  EXPECT_EQ(u["schemas"], json({kUserSchema, kAcme}));
  EXPECT_EQ(u[kAcme], json({{"badge", "B-7"}, {"level", 3}, {"clearance", "HIGH"}, {"since", "2026-01-31T12:00:00.5+01:00"},
                            {"tags", {"a", "b"}}, {"office", {{"building", "K"}, {"floor", 2}}}, {"vip", true}}))
      << "names canonical, readOnly 'score' dropped, \"True\" a boolean";
  // The built-in catalog does not know it.
  EXPECT_EQ(refused(user_type(), user({{"badge", "B-7"}})).scim_type, "invalidSyntax");
}

TEST_F(Extensions, ValuesAreCheckedWithScimType) {
  struct Case {
    json extension;
    const char* detail;
  } cases[] = {
      {{{"level", 3}}, "'urn:example:params:scim:schemas:extension:acme:2.0:User:badge' is required"},
      {{{"badge", ""}}, "badge' is required"},
      {{{"badge", 7}}, "badge' must be a string"},
      {{{"badge", "b"}, {"level", "3"}}, "level' must be an integer"},
      {{{"badge", "b"}, {"level", 2.5}}, "level' must be an integer"},
      {{{"badge", "b"}, {"clearance", "medium"}}, "must be one of low, high, not 'medium'"},
      {{{"badge", "b"}, {"since", "yesterday"}}, "since' must be a dateTime"},
      {{{"badge", "b"}, {"since", "2026-01-31 12:00:00Z"}}, "since' must be a dateTime"},
      {{{"badge", "b"}, {"tags", "a"}}, "tags' must be an array"},
      {{{"badge", "b"}, {"tags", {1}}}, "tags' must be a string"},
      {{{"badge", "b"}, {"office", {{"floor", 2}}}}, "office.building' is required"},
      {{{"badge", "b"}, {"office", "K"}}, "office' must be an object"},
      {{{"badge", "b"}, {"vip", "yes"}}, "vip' must be a boolean"},
      {"B-7", "must be an object"},
  };
  for (const auto& c : cases) {
    const Error e = refused(users, user(c.extension));
    EXPECT_EQ(e.status, 400);
    EXPECT_EQ(e.scim_type, "invalidValue") << c.extension.dump();
    EXPECT_NE(e.detail.find(c.detail), std::string::npos) << e.detail;
  }
}

TEST_F(Extensions, UnknownSchemasAreInvalidSyntax) {
  json body = user({{"badge", "b"}});
  body["urn:example:other:2.0:User"] = {{"x", 1}};
  EXPECT_EQ(refused(users, body).scim_type, "invalidSyntax");
  body = user({{"badge", "b"}});
  body["schemas"].push_back("urn:example:other:2.0:User");
  const Error e = refused(users, body);
  EXPECT_EQ(e.scim_type, "invalidSyntax");
  EXPECT_NE(e.detail.find("urn:example:other:2.0:User"), std::string::npos);
  // A Group extension is not a User's.
  body = user({{"badge", "b"}});
  body[kTeam] = {{"costCode", "1"}};
  EXPECT_EQ(refused(users, body).scim_type, "invalidSyntax");
}

TEST_F(Extensions, RequiredExtensionMustBePresent) {
  EXPECT_NE(refused(catalog.groups(), {{"displayName", "g"}}).detail.find(kTeam), std::string::npos);
  EXPECT_TRUE(std::holds_alternative<json>(normalize(catalog.groups(), {{"displayName", "g"}, {kTeam, {{"costCode", "1"}}}})));
}

TEST_F(Extensions, PatchedByUrnPath) {
  const json stored = std::get<json>(normalize(users, user({{"badge", "b"}, {"tags", {"a"}}})));
  const json request = {{"schemas", {kPatchOpSchema}},
                        {"Operations",
                         {{{"op", "replace"}, {"path", std::string(kAcme) + ":badge"}, {"value", "c"}},
                          {{"op", "add"}, {"path", std::string(kAcme) + ":tags"}, {"value", {"z"}}},
                          {{"op", "Add"}, {"value", {{std::string(kAcme) + ":level", 4}}}}}}};
  auto patched = apply_patch(users, stored, request);
  ASSERT_TRUE(std::holds_alternative<json>(patched)) << std::get<Error>(patched).detail;
  const json after = std::get<json>(normalize(users, std::get<json>(patched)));
  EXPECT_EQ(after[kAcme], json({{"badge", "c"}, {"tags", {"a", "z"}}, {"level", 4}}));
  const json bad = {{"schemas", {kPatchOpSchema}},
                    {"Operations", {{{"op", "replace"}, {"path", std::string(kAcme) + ":level"}, {"value", "x"}}}}};
  auto wrong = apply_patch(users, stored, bad);
  if (std::holds_alternative<json>(wrong)) {
    EXPECT_EQ(refused(users, std::get<json>(wrong)).scim_type, "invalidValue");
  }
  const json removal = {{"schemas", {kPatchOpSchema}},
                        {"Operations", {{{"op", "remove"}, {"path", std::string(kAcme) + ":badge"}}}}};
  auto removed = apply_patch(users, stored, removal);
  if (std::holds_alternative<json>(removed)) {
    EXPECT_EQ(refused(users, std::get<json>(removed)).scim_type, "invalidValue");  // badge is required
  }
}

TEST_F(Extensions, AdvertisedInSchemasAndResourceTypes) {
  const json list = schemas(catalog, "http://h/scim/v2");
  ASSERT_EQ(list["totalResults"], 5);
  const json acme = schema(catalog, "http://h/scim/v2", kAcme);
  EXPECT_EQ(acme["name"], "AcmeUser");
  EXPECT_EQ(acme["attributes"][0]["required"], true);
  EXPECT_EQ(acme["attributes"][2]["canonicalValues"], json({"low", "high"}));
  EXPECT_EQ(acme["attributes"][3]["type"], "dateTime");
  EXPECT_EQ(acme["attributes"][5]["subAttributes"][1]["type"], "integer");
  EXPECT_EQ(acme["attributes"][6]["mutability"], "readOnly");
  const json user_type_json = resource_type(catalog, "http://h/scim/v2", "User");
  EXPECT_EQ(user_type_json["schemaExtensions"][1], json({{"schema", kAcme}, {"required", false}}));
  EXPECT_EQ(resource_type(catalog, "http://h/scim/v2", "Group")["schemaExtensions"][0],
            json({{"schema", kTeam}, {"required", true}}));
  // attributes=<urn> names the whole extension.
  auto selection = parse_attribute_list(kAcme, "attributes", catalog);
  ASSERT_TRUE(std::holds_alternative<AttributeSelection>(selection));
  EXPECT_EQ(std::get<AttributeSelection>(selection).extensions, std::vector<std::string>{kAcme});
}

TEST_F(Extensions, FilteredAndMappedByUrnPath) {
  const json stored = std::get<json>(normalize(users, user({{"badge", "B-7"}, {"tags", {"x", "y"}}})));
  auto filter = parse_filter(std::string(kAcme) + ":badge eq \"b-7\"");
  ASSERT_TRUE(std::holds_alternative<Filter>(filter));
  EXPECT_TRUE(matches(std::get<Filter>(filter), stored));

  auto loaded = mapping::parse(std::string("targets:\n  t:\n    key: '{userName}'\n    attributes:\n") +
                                   "      badge: " + kAcme + ":badge\n" +
                                   "      tags: {from: '" + kAcme + ":tags', all: true}\n",
                               "m.yaml", {{"t", "cloud", nullptr}});
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  auto desired = loaded.targets.at("t").apply(stored);
  ASSERT_TRUE(std::holds_alternative<mapping::Desired>(desired)) << std::get<std::string>(desired);
  const auto& attrs = std::get<mapping::Desired>(desired).attributes;
  EXPECT_EQ(attrs.at("badge"), mapping::Values{"B-7"});
  EXPECT_EQ(attrs.at("tags"), (mapping::Values{"x", "y"}));
}

TEST_F(Extensions, CaseExactDecidesHowFiltersAndSortsCompare) {
  const json stored = std::get<json>(normalize(users, user({{"badge", "B-7"}, {"employeeCode", "Ab-1"}})));
  auto matched = [&](const std::string& text) {
    auto query = parse_query({{"filter", text}}, {}, catalog);
    EXPECT_TRUE(std::holds_alternative<Query>(query)) << text;
    return matches(*std::get<Query>(query).filter, stored);
  };
  EXPECT_TRUE(matched(std::string(kAcme) + ":badge eq \"b-7\""));  // caseExact false
  EXPECT_TRUE(matched(std::string(kAcme) + ":employeeCode eq \"Ab-1\""));
  EXPECT_FALSE(matched(std::string(kAcme) + ":employeeCode eq \"ab-1\""));  // caseExact true
  EXPECT_FALSE(matched(std::string(kAcme) + ":employeeCode sw \"AB\""));
  EXPECT_TRUE(matched("not (" + std::string(kAcme) + ":employeeCode eq \"AB-1\")"));
  // The core schemas decide too: manager.value is caseExact, userName is not.
  const json managed = {{"userName", "Ada"}, {kEnterpriseUserSchema, {{"manager", {{"value", "Id-9"}}}}}};
  auto by_manager = [&](const std::string& id) {
    auto query = parse_query({{"filter", std::string(kEnterpriseUserSchema) + ":manager.value eq \"" + id + "\""}}, {}, catalog);
    return matches(*std::get<Query>(query).filter, managed);
  };
  EXPECT_TRUE(by_manager("Id-9"));
  EXPECT_FALSE(by_manager("id-9"));

  // sortBy follows caseExact: "B" < "a" byte-wise, "a" < "B" folded.
  std::vector<json> two = {std::get<json>(normalize(users, user({{"badge", "x"}, {"employeeCode", "a"}}))),
                           std::get<json>(normalize(users, user({{"badge", "B"}, {"employeeCode", "B"}})))};
  auto first_sorted_by = [&](const std::string& attr) {
    auto query = parse_query({{"sortBy", std::string(kAcme) + ":" + attr}}, {}, catalog);
    return list_response(two, std::get<Query>(query))["Resources"][0][kAcme]["employeeCode"];
  };
  EXPECT_EQ(first_sorted_by("employeeCode"), "B");
  EXPECT_EQ(first_sorted_by("badge"), "B");  // "B" < "x" either way
}

TEST_F(Extensions, ImmutableValuesAreSetOnceAndKept) {
  const json stored = std::get<json>(normalize(users, user({{"badge", "b"}, {"employeeCode", "E1"}, {"card", {{"serial", "S1"}, {"color", "red"}}}})));
  auto after = [&](json update, Omitted omitted) -> std::variant<json, Error> {
    json next = std::get<json>(normalize(users, update));
    if (auto err = keep_immutable(users, stored, next, omitted)) return *err;
    return next;
  };
  // Unchanged, or another attribute changed: fine.
  EXPECT_TRUE(std::holds_alternative<json>(after(user({{"badge", "c"}, {"employeeCode", "E1"}, {"card", {{"serial", "S1"}}}}), Omitted::refuse)));
  // Changed, at the top or in a complex attribute: 400 mutability.
  for (const json& changed : {json{{"badge", "b"}, {"employeeCode", "E2"}, {"card", {{"serial", "S1"}}}},
                              json{{"badge", "b"}, {"employeeCode", "e1"}, {"card", {{"serial", "S1"}}}},
                              json{{"badge", "b"}, {"employeeCode", "E1"}, {"card", {{"serial", "S2"}}}}}) {
    auto out = after(user(changed), Omitted::keep);
    ASSERT_TRUE(std::holds_alternative<Error>(out)) << changed.dump();
    EXPECT_EQ(std::get<Error>(out).status, 400);
    EXPECT_EQ(std::get<Error>(out).scim_type, "mutability");
  }
  // A PUT that leaves them out keeps them; a PATCH that removed them is refused.
  auto kept = after({{"userName", "ada"}}, Omitted::keep);
  ASSERT_TRUE(std::holds_alternative<json>(kept));
  EXPECT_EQ(std::get<json>(kept)[kAcme], json({{"employeeCode", "E1"}, {"card", {{"serial", "S1"}}}}));
  EXPECT_EQ(std::get<json>(kept)["schemas"], json({kUserSchema, kAcme}));
  auto removed = after(user({{"badge", "b"}, {"card", {{"serial", "S1"}}}}), Omitted::refuse);
  ASSERT_TRUE(std::holds_alternative<Error>(removed));
  EXPECT_NE(std::get<Error>(removed).detail.find("employeeCode' is immutable"), std::string::npos);
  // Not set before: may be set now.
  const json unset = std::get<json>(normalize(users, user({{"badge", "b"}})));
  json first = std::get<json>(normalize(users, user({{"badge", "b"}, {"employeeCode", "E9"}})));
  EXPECT_FALSE(keep_immutable(users, unset, first, Omitted::refuse));
}

}  // namespace
