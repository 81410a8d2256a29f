// The SCIM endpoint over real HTTP on loopback, backed by a real SQLite store.
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "scim/server.h"
#include "state/store.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kToken = "s3cret-token-for-tests";

class ScimHttp : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("idb-scim-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    store_ = idb::state::Store::open(dir_);
    service_ = std::make_unique<idb::scim::Service>(*store_, settings(), [this] { ++changes_; });
    service_->mount(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_bearer_token_auth(kToken);
  }
  virtual idb::scim::ServiceSettings settings() {
    return {{"other-token", kToken}, 4096, {"ldap", "cloud"}, 2, {1000, 16}, {6, 8192}, {}};
  }
  void TearDown() override {
    server_.stop();
    thread_.join();
    store_.reset();
    fs::remove_all(dir_);
  }

  httplib::Result find(const std::string& filter) {
    return client_->Get("/scim/v2/Users", httplib::Params{{"filter", filter}}, httplib::Headers{});
  }

  httplib::Result post(const json& body, const std::string& path = "/scim/v2/Users") {
    return client_->Post(path, body.dump(), "application/scim+json");
  }
  httplib::Result patch(const std::string& path, const json& ops, const httplib::Headers& headers = {}) {
    const json body = {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}}, {"Operations", ops}};
    return client_->Patch(path, headers, body.dump(), "application/scim+json");
  }
  json created(const json& body, const std::string& path = "/scim/v2/Users") {
    auto res = post(body, path);
    EXPECT_TRUE(res && res->status == 201) << (res ? res->body : "no response");
    return res && res->status == 201 ? json::parse(res->body) : json::object();
  }
  json ok_json(const httplib::Result& res) {
    EXPECT_TRUE(res && res->status == 200) << (res ? std::to_string(res->status) + " " + res->body : "no response");
    return res && res->status == 200 ? json::parse(res->body) : json::object();
  }

  // Every rejected request must leave no trace.
  void expect_nothing_written() {
    EXPECT_EQ(store_->count_users(), 0);
    EXPECT_EQ(store_->outbox_size("ldap"), 0);
    EXPECT_EQ(changes_, 0);
  }

  static void expect_error(const httplib::Result& res, int status, const std::string& scim_type) {
    ASSERT_TRUE(res);
    EXPECT_EQ(res->status, status) << res->body;
    EXPECT_EQ(res->get_header_value("Content-Type"), "application/scim+json");
    const json body = json::parse(res->body);
    EXPECT_EQ(body["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:Error");
    EXPECT_EQ(body["status"], std::to_string(status));
    if (scim_type.empty()) {
      EXPECT_FALSE(body.contains("scimType")) << res->body;
    } else {
      EXPECT_EQ(body["scimType"], scim_type) << res->body;
    }
  }

  fs::path dir_;
  std::unique_ptr<idb::state::Store> store_;
  std::unique_ptr<idb::scim::Service> service_;
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
  int changes_ = 0;
};

TEST_F(ScimHttp, RejectsMissingOrWrongTokenWithScimBody) {
  httplib::Client anonymous("127.0.0.1", port_);
  auto res = anonymous.Post("/scim/v2/Users", R"({"userName":"a"})", "application/scim+json");
  expect_error(res, 401, "");
  EXPECT_EQ(res->get_header_value("WWW-Authenticate"), "Bearer realm=\"idbridge\"");
  anonymous.set_bearer_token_auth("s3cret-token-for-test");  // a prefix of the real one
  expect_error(anonymous.Get("/scim/v2/Users"), 401, "");
  anonymous.set_bearer_token_auth(std::string(kToken) + "x");
  expect_error(anonymous.Get("/scim/v2/Users"), 401, "");
  httplib::Headers basic = {{"Authorization", std::string("Basic ") + kToken}};
  expect_error(anonymous.Get("/scim/v2/Users", basic), 401, "");
  anonymous.set_bearer_token_auth("other-token");  // any configured token works
  EXPECT_EQ(anonymous.Get("/scim/v2/Users")->status, 200);
  expect_nothing_written();
}

TEST_F(ScimHttp, RejectsBadBodiesAndWritesNothing) {
  expect_error(client_->Post("/scim/v2/Users", "{not json", "application/scim+json"), 400, "invalidSyntax");
  expect_error(post({{"name", {{"givenName", "A"}}}}), 400, "invalidValue");
  expect_error(post({{"userName", "a"}, {"urn:example:unknown:1.0:User", {{"a", 1}}}}), 400, "invalidSyntax");
  expect_error(post({{"userName", "a"}, {"active", "perhaps"}}), 400, "invalidValue");
  expect_error(post({{"userName", std::string(5000, 'x')}}), 413, "");
  expect_nothing_written();
}

TEST_F(ScimHttp, CreateReadFilterReplaceDelete) {
  auto created = post({{"userName", "Ada"}, {"externalId", "E1"}, {"name", {{"givenName", "Ada"}}}});
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  const json user = json::parse(created->body);
  const std::string id = user["id"];
  EXPECT_EQ(created->get_header_value("Location"), "http://127.0.0.1:" + std::to_string(port_) + "/scim/v2/Users/" + id);
  EXPECT_EQ(user["meta"]["location"], created->get_header_value("Location"));
  EXPECT_EQ(created->get_header_value("ETag"), "W/\"1\"");
  EXPECT_EQ(store_->outbox_size("ldap"), 1);  // durable and enqueued before the 201
  EXPECT_EQ(store_->outbox_size("cloud"), 1);
  EXPECT_EQ(changes_, 1);

  auto got = client_->Get("/scim/v2/Users/" + id);
  ASSERT_EQ(got->status, 200);
  EXPECT_EQ(json::parse(got->body), user);
  expect_error(client_->Get("/scim/v2/Users/no-such-id"), 404, "");

  auto found = find("userName eq \"ADA\"");
  ASSERT_EQ(found->status, 200);
  EXPECT_EQ(json::parse(found->body)["totalResults"], 1);
  EXPECT_EQ(json::parse(found->body)["Resources"][0]["id"], id);
  auto none = find("userName eq \"bob\"");
  EXPECT_EQ(json::parse(none->body)["totalResults"], 0);
  auto by_ext = find("externalId eq \"E1\"");
  EXPECT_EQ(json::parse(by_ext->body)["totalResults"], 1);
  expect_error(find("userName eqq \"x\""), 400,
               "invalidFilter");

  expect_error(post({{"userName", "ada"}}), 409, "uniqueness");  // case-insensitive

  const json replacement = {{"userName", "ada"}, {"active", "False"}, {"title", "Countess"}};
  httplib::Headers stale = {{"If-Match", "W/\"7\""}};
  expect_error(client_->Put("/scim/v2/Users/" + id, stale, replacement.dump(), "application/scim+json"), 412, "");
  auto replaced = client_->Put("/scim/v2/Users/" + id, replacement.dump(), "application/scim+json");
  ASSERT_EQ(replaced->status, 200) << replaced->body;
  const json after = json::parse(replaced->body);
  EXPECT_EQ(after["active"], false);
  EXPECT_EQ(after["meta"]["version"], "W/\"2\"");
  EXPECT_EQ(after["meta"]["created"], user["meta"]["created"]);
  EXPECT_FALSE(after.contains("externalId"));
  expect_error(client_->Put("/scim/v2/Users/nope", replacement.dump(), "application/scim+json"), 404, "");

  auto deleted = client_->Delete("/scim/v2/Users/" + id);
  EXPECT_EQ(deleted->status, 204);
  expect_error(client_->Get("/scim/v2/Users/" + id), 404, "");
  expect_error(client_->Delete("/scim/v2/Users/" + id), 404, "");
  EXPECT_EQ(store_->count_users(), 0);
  EXPECT_EQ(changes_, 3);
  // The tombstone stays queued so the targets disable the account.
  ASSERT_EQ(store_->outbox_size("ldap"), 1);
  EXPECT_TRUE(store_->get_user(id, /*include_deleted=*/true)->deleted);
  // A deleted user's userName is free again.
  EXPECT_EQ(post({{"userName", "ada"}})->status, 201);
}

TEST_F(ScimHttp, ListsWithPagination) {
  for (int i = 0; i < 5; ++i) ASSERT_EQ(post({{"userName", "u" + std::to_string(i)}})->status, 201);
  auto page = client_->Get("/scim/v2/Users?startIndex=2&count=2");
  const json body = json::parse(page->body);
  EXPECT_EQ(body["totalResults"], 5);
  EXPECT_EQ(body["startIndex"], 2);
  EXPECT_EQ(body["itemsPerPage"], 2);
  EXPECT_EQ(body["Resources"][0]["userName"], "u1");
  EXPECT_EQ(body["Resources"][1]["userName"], "u2");
}

TEST_F(ScimHttp, PatchIsDurableEnqueuedAndVersioned) {
  const json user = created({{"userName", "ada"}, {"name", {{"givenName", "Ada"}}}});
  const std::string url = "/scim/v2/Users/" + user["id"].get<std::string>();
  ASSERT_EQ(changes_, 1);

  // Entra ID's dialect: capitalised op, string boolean, dotted no-path keys, bare manager.
  auto res = patch(url, json::parse(R"([{"op":"Replace","path":"active","value":"False"},
      {"op":"Add","value":{"name.familyName":"Lovelace",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"boss"}}])"));
  const json after = ok_json(res);
  EXPECT_EQ(after["active"], false);
  EXPECT_EQ(after["name"], json({{"givenName", "Ada"}, {"familyName", "Lovelace"}}));
  EXPECT_EQ(after["urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]["manager"]["value"], "boss");
  EXPECT_EQ(after["meta"]["version"], "W/\"2\"");
  EXPECT_EQ(res->get_header_value("ETag"), "W/\"2\"");
  EXPECT_EQ(after["meta"]["created"], user["meta"]["created"]);
  EXPECT_EQ(json::parse(client_->Get(url)->body), after);  // durable before the 200
  EXPECT_EQ(changes_, 2);
  EXPECT_EQ(store_->get_user(user["id"])->version, 2);
  EXPECT_EQ(store_->outbox_size("ldap"), 1);

  // Resending the same change writes nothing.
  EXPECT_EQ(ok_json(patch(url, json::parse(R"([{"op":"replace","path":"active","value":false}])")))["meta"]["version"],
            "W/\"2\"");
  EXPECT_EQ(changes_, 2);

  expect_error(patch(url, json::parse(R"([{"op":"replace","path":"title","value":"x"}])"), {{"If-Match", "W/\"1\""}}),
               412, "");
  EXPECT_EQ(ok_json(patch(url, json::parse(R"([{"op":"replace","path":"title","value":"Countess"}])"),
                          {{"If-Match", "W/\"2\""}}))["title"],
            "Countess");
  expect_error(patch(url, json::parse(R"([{"op":"remove","path":"emails[type eq \"work\"]"}])")), 400, "noTarget");
  expect_error(patch(url, json::parse(R"([{"op":"replace","path":"id","value":"x"}])")), 400, "mutability");
  expect_error(patch(url, json::parse(R"([{"op":"replace","path":"emails[type eq","value":"x"}])")), 400, "invalidPath");
  expect_error(patch("/scim/v2/Users/nope", json::parse(R"([{"op":"remove","path":"title"}])")), 404, "");
  expect_error(client_->Patch(url, "{", "application/scim+json"), 400, "invalidSyntax");
  ASSERT_EQ(post({{"userName", "bob"}})->status, 201);
  expect_error(patch(url, json::parse(R"([{"op":"replace","path":"userName","value":"BOB"}])")), 409, "uniqueness");
  EXPECT_EQ(store_->get_user(user["id"])->version, 3);  // none of the failures wrote
}

TEST_F(ScimHttp, EtagsOnReadAndDelete) {
  const json user = created({{"userName", "ada"}});
  const std::string url = "/scim/v2/Users/" + user["id"].get<std::string>();
  auto fresh = client_->Get(url, {{"If-None-Match", "W/\"1\""}});
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->status, 304);
  EXPECT_TRUE(fresh->body.empty());
  EXPECT_EQ(fresh->get_header_value("ETag"), "W/\"1\"");
  EXPECT_EQ(client_->Get(url, {{"If-None-Match", "W/\"0\", W/\"9\""}})->status, 200);
  EXPECT_EQ(client_->Get(url, {{"If-None-Match", "*"}})->status, 304);
  expect_error(client_->Delete(url, {{"If-Match", "W/\"5\""}}), 412, "");
  EXPECT_EQ(client_->Delete(url, {{"If-Match", "\"7\", W/\"1\""}})->status, 204);
}

TEST_F(ScimHttp, GroupsWithMembers) {
  const json ada = created({{"userName", "ada"}});
  const json bob = created({{"userName", "bob"}});
  const int user_changes = changes_;
  const json group = created({{"displayName", "Ops ✓"}, {"members", {{{"value", ada["id"]}}}}}, "/scim/v2/Groups");
  const std::string url = "/scim/v2/Groups/" + group["id"].get<std::string>();
  EXPECT_EQ(group["meta"]["resourceType"], "Group");
  EXPECT_EQ(group["members"][0], json({{"value", ada["id"]}, {"type", "User"}}));
  EXPECT_EQ(group["displayName"], "Ops ✓");

  auto members = [&](const json& g) {
    std::vector<std::string> out;
    for (const auto& m : g.value("members", json::array())) out.push_back(m["value"]);
    return out;
  };
  json after = ok_json(patch(url, {{{"op", "add"}, {"path", "members"}, {"value", {{{"value", bob["id"]}}}}}}));
  EXPECT_EQ(members(after), (std::vector<std::string>{ada["id"], bob["id"]}));
  after = ok_json(patch(url, {{{"op", "remove"}, {"path", "members[value eq \"" + ada["id"].get<std::string>() + "\"]"}}}));
  EXPECT_EQ(members(after), (std::vector<std::string>{bob["id"]}));
  after = ok_json(patch(url, {{{"op", "Remove"}, {"path", "members"}, {"value", {{{"value", bob["id"]}}}}}}));
  EXPECT_TRUE(members(after).empty());
  expect_error(patch(url, {{{"op", "add"}, {"path", "members"}, {"value", {{{"value", "no-such-user"}}}}}}), 400,
               "invalidValue");
  expect_error(post({{"members", json::array()}}, "/scim/v2/Groups"), 400, "invalidValue");  // displayName required

  const json listed = ok_json(client_->Get("/scim/v2/Groups", httplib::Params{{"filter", "displayName sw \"ops\""}},
                                           httplib::Headers{}));
  EXPECT_EQ(listed["totalResults"], 1);
  const json replaced = ok_json(client_->Put(url, json({{"displayName", "Ops 2"}}).dump(), "application/scim+json"));
  EXPECT_EQ(replaced["meta"]["version"], "W/\"5\"");
  // Each group write is announced (LDAP group entries follow groups); only the 5 that succeeded.
  EXPECT_EQ(changes_, user_changes + 5);
  EXPECT_EQ(client_->Delete(url)->status, 204);
  expect_error(client_->Get(url), 404, "");
}

TEST_F(ScimHttp, UserGroupsAreComputedFromMembership) {
  const json ada = created({{"userName", "ada"}, {"groups", {{{"value", "forged"}}}}});  // readOnly: ignored
  EXPECT_FALSE(ada.contains("groups"));
  const json bob = created({{"userName", "bob"}});
  const json ops = created({{"displayName", "Ops"}, {"members", {{{"value", ada["id"]}}}}}, "/scim/v2/Groups");
  const json all = created({{"displayName", "All"}, {"members", {{{"value", ops["id"]}, {"type", "Group"}}, {{"value", bob["id"]}}}}},
                           "/scim/v2/Groups");
  const std::string ada_url = "/scim/v2/Users/" + ada["id"].get<std::string>();
  const json got = ok_json(client_->Get(ada_url));
  ASSERT_EQ(got["groups"].size(), 2u) << got.dump();
  EXPECT_EQ(got["groups"][0]["value"], ops["id"]);
  EXPECT_EQ(got["groups"][0]["display"], "Ops");
  EXPECT_EQ(got["groups"][0]["type"], "direct");
  EXPECT_EQ(got["groups"][0]["$ref"], ops["meta"]["location"]);
  EXPECT_EQ(got["groups"][1]["value"], all["id"]);
  EXPECT_EQ(got["groups"][1]["type"], "indirect");

  const json found = ok_json(find("groups.value eq \"" + ops["id"].get<std::string>() + "\""));
  ASSERT_EQ(found["totalResults"], 1);
  EXPECT_EQ(found["Resources"][0]["userName"], "ada");
  EXPECT_EQ(ok_json(find("groups[display eq \"All\" and type eq \"direct\"]"))["Resources"][0]["userName"], "bob");
  const json listed = ok_json(client_->Get("/scim/v2/Users", httplib::Params{{"sortBy", "userName"}}, httplib::Headers{}));
  EXPECT_EQ(listed["Resources"][1]["groups"][0]["display"], "All");
  const json patched = ok_json(patch(ada_url, {{{"op", "replace"}, {"path", "displayName"}, {"value", "Ada"}}}));
  EXPECT_EQ(patched["groups"].size(), 2u);
  expect_error(patch(ada_url, {{{"op", "add"}, {"path", "groups"}, {"value", {{{"value", "x"}}}}}}), 400, "mutability");

  EXPECT_EQ(client_->Delete("/scim/v2/Groups/" + ops["id"].get<std::string>())->status, 204);
  EXPECT_FALSE(ok_json(client_->Get(ada_url)).contains("groups"));
}

TEST_F(ScimHttp, QueryParameters) {
  for (const char* name : {"carol", "Ada", "bob", "dave"}) {
    created({{"userName", name}, {"externalId", "same"}, {"emails", {{{"value", std::string(name) + "@x.example"}}}}});
  }
  auto users = [&](const httplib::Params& params) {
    const json body = ok_json(client_->Get("/scim/v2/Users", params, httplib::Headers{}));
    std::vector<std::string> out;
    for (const auto& r : body["Resources"]) out.push_back(r.value("userName", "-"));
    return out;
  };
  // Pages hold at most 2 here (max_results).
  EXPECT_EQ(users({{"sortBy", "userName"}}), (std::vector<std::string>{"Ada", "bob"}));
  EXPECT_EQ(users({{"sortBy", "userName"}, {"startIndex", "3"}}), (std::vector<std::string>{"carol", "dave"}));
  EXPECT_EQ(users({{"sortBy", "userName"}, {"sortOrder", "descending"}, {"count", "2"}}),
            (std::vector<std::string>{"dave", "carol"}));
  EXPECT_EQ(users({{"filter", "externalId eq \"same\" and not (userName sw \"d\")"}, {"sortBy", "emails"},
                   {"sortOrder", "descending"}}),
            (std::vector<std::string>{"carol", "bob"}));
  const json projected = ok_json(
      client_->Get("/scim/v2/Users", httplib::Params{{"attributes", "emails.value"}, {"count", "1"}}, httplib::Headers{}));
  EXPECT_EQ(projected["Resources"][0].size(), 3u) << projected.dump();  // id, schemas, emails
  EXPECT_EQ(projected["itemsPerPage"], 1);
  EXPECT_EQ(projected["totalResults"], 4);
  const json excluded = ok_json(client_->Get("/scim/v2/Users", httplib::Params{{"excludedAttributes", "emails,meta"}},
                                             httplib::Headers{}));
  EXPECT_FALSE(excluded["Resources"][0].contains("emails"));
  EXPECT_FALSE(excluded["Resources"][0].contains("meta"));
  EXPECT_TRUE(excluded["Resources"][0].contains("id"));

  const json search = {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:SearchRequest"}},
                       {"filter", "userName co \"a\""}, {"sortBy", "userName"}, {"startIndex", 2}, {"count", 5},
                       {"attributes", {"userName"}}};
  const json found = ok_json(post(search, "/scim/v2/Users/.search"));
  EXPECT_EQ(found["totalResults"], 3);  // Ada, carol, dave
  EXPECT_EQ(found["startIndex"], 2);
  EXPECT_EQ(found["Resources"][0]["userName"], "carol");
  EXPECT_EQ(ok_json(post(search, "/scim/v2/.search"))["totalResults"], 3);

  expect_error(client_->Get("/scim/v2/Users", httplib::Params{{"count", "lots"}}, httplib::Headers{}), 400, "invalidValue");
  expect_error(client_->Get("/scim/v2/Users", httplib::Params{{"sortOrder", "sideways"}}, httplib::Headers{}), 400,
               "invalidValue");
  expect_error(client_->Get("/scim/v2/Users", httplib::Params{{"attributes", "emails[type eq \"work\"]"}},
                            httplib::Headers{}),
               400, "invalidValue");
  expect_error(post({{"schemas", {"urn:x"}}}, "/scim/v2/Users/.search"), 400, "invalidSyntax");
}

TEST_F(ScimHttp, LimitsAnswerCleanly) {
  for (int i = 0; i < 3; ++i) created({{"userName", "u" + std::to_string(i)}});
  // count above the configured maximum (2 here) is lowered to it.
  const json page = ok_json(client_->Get("/scim/v2/Users?count=1000000000000000000000"));
  EXPECT_EQ(page["itemsPerPage"], 2);
  EXPECT_EQ(page["totalResults"], 3);
  EXPECT_EQ(ok_json(client_->Get("/scim/v2/Users?startIndex=-5&count=-1"))["itemsPerPage"], 0);
  std::string nested = "userName pr";
  for (int i = 0; i < 40; ++i) nested = "(" + nested + ")";
  expect_error(find(nested), 400, "invalidFilter");
  expect_error(find("userName eq \"" + std::string(3000, 'x') + "\""), 400, "invalidFilter");  // longer than 1000
  expect_error(client_->Post("/scim/v2/Users", std::string(5000, ' '), "application/scim+json"), 413, "");
  expect_error(client_->Get("/scim/v2/Users?filter=userName%20eq%20%22%FF%22"), 400, "invalidFilter");
  expect_error(client_->Get("/scim/v2/Nothing"), 404, "");
  const std::string deep = "{\"userName\":\"x\",\"a\":" + std::string(2000, '[') + std::string(2000, ']') + "}";
  expect_error(client_->Post("/scim/v2/Users", deep, "application/scim+json"), 400, "invalidSyntax");
  expect_error(patch("/scim/v2/Users/x", json::array()), 404, "");
}

TEST_F(ScimHttp, UnicodeRoundTrips) {
  const json body = {{"userName", "zoë.ünal@例え.jp"}, {"displayName", "Zoë Ünal 张伟 🙂"}, {"name", {{"givenName", "Zoë"}}}};
  const json user = created(body);
  EXPECT_EQ(user["displayName"], body["displayName"]);
  const json found = ok_json(find("displayName co \"张伟\""));
  EXPECT_EQ(found["totalResults"], 1);
  EXPECT_EQ(found["Resources"][0]["userName"], body["userName"]);
  expect_error(client_->Post("/scim/v2/Users", "{\"userName\": \"\xff\"}", "application/scim+json"), 400,
               "invalidSyntax");
}

TEST_F(ScimHttp, Discovery) {
  const json config = ok_json(client_->Get("/scim/v2/ServiceProviderConfig"));
  EXPECT_EQ(config["patch"]["supported"], true);
  EXPECT_EQ(config["filter"]["maxResults"], 2);
  EXPECT_EQ(config["etag"]["supported"], true);
  EXPECT_EQ(config["bulk"], json({{"supported", true}, {"maxOperations", 6}, {"maxPayloadSize", 8192}}));
  EXPECT_EQ(config["authenticationSchemes"][0]["type"], "oauthbearertoken");
  const json types = ok_json(client_->Get("/scim/v2/ResourceTypes"));
  EXPECT_EQ(types["Resources"][0]["endpoint"], "/Users");
  EXPECT_EQ(types["Resources"][1]["endpoint"], "/Groups");
  EXPECT_EQ(ok_json(client_->Get("/scim/v2/ResourceTypes/Group"))["schema"], "urn:ietf:params:scim:schemas:core:2.0:Group");
  const json schemas = ok_json(client_->Get("/scim/v2/Schemas"));
  EXPECT_EQ(schemas["totalResults"], 3);
  EXPECT_EQ(ok_json(client_->Get("/scim/v2/Schemas/urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"))["name"],
            "EnterpriseUser");
  expect_error(client_->Get("/scim/v2/Schemas/urn:nope"), 404, "");
  EXPECT_EQ(client_->Get("/scim/v2/serviceproviderconfig")->status, 200);  // any letter case
}

json bulk_request(json operations) {
  return {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:BulkRequest"}}, {"Operations", std::move(operations)}};
}

TEST_F(ScimHttp, BulkWithReferencesIsDurableAndAnswersPerOperation) {
  const json existing = created({{"userName", "taken"}});
  const int before = changes_;
  const json ops = {
      {{"method", "POST"}, {"path", "/Groups"}, {"bulkId", "g"},
       {"data", {{"displayName", "Tour Guides"}, {"members", {{{"value", "bulkId:u1"}}, {{"value", "bulkId:u2"}}}}}}},
      {{"method", "POST"}, {"path", "/Users"}, {"bulkId", "u1"}, {"data", {{"userName", "alice"}}}},
      {{"method", "POST"}, {"path", "/Users"}, {"bulkId", "u2"}, {"data", {{"userName", "bob"}}}},
      {{"method", "PATCH"}, {"path", "/Users/bulkId:u1"},
       {"data", {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
                 {"Operations", {{{"op", "replace"}, {"path", "displayName"}, {"value", "Alice"}}}}}}},
      {{"method", "POST"}, {"path", "/Users"}, {"bulkId", "dup"}, {"data", {{"userName", "TAKEN"}}}},
      {{"method", "DELETE"}, {"path", "/Users/" + existing["id"].get<std::string>()}, {"version", "W/\"7\""}},
  };
  const json out = ok_json(post(bulk_request(ops), "/scim/v2/Bulk"));
  EXPECT_EQ(out["schemas"][0], "urn:ietf:params:scim:api:messages:2.0:BulkResponse");
  ASSERT_EQ(out["Operations"].size(), 6u) << out.dump(2);
  std::map<std::string, json> by_key;
  for (const auto& op : out["Operations"]) by_key[op.value("bulkId", op["method"].get<std::string>())] = op;
  EXPECT_EQ(by_key["u1"]["status"], "201");
  EXPECT_EQ(by_key["g"]["status"], "201");
  EXPECT_EQ(by_key["PATCH"]["status"], "200");
  EXPECT_EQ(by_key["PATCH"]["version"], "W/\"2\"");
  EXPECT_EQ(by_key["dup"]["status"], "409");
  EXPECT_EQ(by_key["dup"]["response"]["scimType"], "uniqueness");
  EXPECT_EQ(by_key["DELETE"]["status"], "412");

  // Everything answered 2xx is in the store (and enqueued), the rest is not.
  auto path_of = [](const json& location) {
    const std::string url = location.get<std::string>();
    return url.substr(url.find("/scim/v2/"));
  };
  const json alice = ok_json(client_->Get(path_of(by_key["u1"]["location"])));
  EXPECT_EQ(alice["displayName"], "Alice");
  EXPECT_EQ(store_->count_users(), 3);
  EXPECT_EQ(store_->outbox_size("ldap"), 3);
  EXPECT_GE(changes_, before + 3);
  const json group = ok_json(client_->Get(path_of(by_key["g"]["location"])));
  ASSERT_EQ(group["members"].size(), 2u);
  EXPECT_EQ(group["members"][0]["value"], alice["id"]);
  EXPECT_EQ(group["members"][0]["type"], "User");
}

TEST_F(ScimHttp, BulkLimitsAndMalformedRequestsWriteNothing) {
  json seven = json::array();
  for (int i = 0; i < 7; ++i) {
    seven.push_back({{"method", "POST"}, {"path", "/Users"}, {"bulkId", std::to_string(i)}, {"data", {{"userName", std::to_string(i)}}}});
  }
  expect_error(post(bulk_request(seven), "/scim/v2/Bulk"), 413, "tooMany");
  json big = bulk_request({{{"method", "POST"}, {"path", "/Users"}, {"bulkId", "b"},
                            {"data", {{"userName", "b"}, {"displayName", std::string(9000, 'x')}}}}});
  const auto res = post(big, "/scim/v2/Bulk");
  expect_error(res, 413, "");
  EXPECT_NE(res->body.find("8192"), std::string::npos) << res->body;  // names the limit
  expect_error(client_->Post("/scim/v2/Bulk", "{", "application/scim+json"), 400, "invalidSyntax");
  expect_error(post({{"Operations", json::array()}}, "/scim/v2/Bulk"), 400, "invalidSyntax");
  expect_nothing_written();

  // A body over the per-resource limit (4096) but under the Bulk one is fine in a Bulk.
  big["Operations"][0]["data"]["displayName"] = std::string(5000, 'x');
  EXPECT_EQ(ok_json(post(big, "/scim/v2/Bulk"))["Operations"][0]["status"], "201");
}

TEST_F(ScimHttp, BulkFailOnErrorsStopsEarly) {
  json body = bulk_request({
      {{"method", "POST"}, {"path", "/Users"}, {"bulkId", "a"}, {"data", {{"displayName", "no userName"}}}},
      {{"method", "PUT"}, {"path", "/Users/missing"}, {"data", {{"userName", "x"}}}},
      {{"method", "POST"}, {"path", "/Users"}, {"bulkId", "c"}, {"data", {{"userName", "c"}}}},
  });
  body["failOnErrors"] = 2;
  const json out = ok_json(post(body, "/scim/v2/Bulk"));
  ASSERT_EQ(out["Operations"].size(), 2u);
  EXPECT_EQ(out["Operations"][0]["response"]["scimType"], "invalidValue");
  EXPECT_EQ(out["Operations"][1]["status"], "404");
  expect_nothing_written();
}

// User.groups is part of the user: a membership change is a new version of
// every user it reaches, and conditional requests see it.
TEST_F(ScimHttp, MembershipChangesMakeANewVersionOfTheUser) {
  const json ada = created({{"userName", "ada"}});
  const json bob = created({{"userName", "bob"}});
  const std::string ada_url = "/scim/v2/Users/" + ada["id"].get<std::string>();
  const std::string bob_url = "/scim/v2/Users/" + bob["id"].get<std::string>();
  auto version_of = [&](const std::string& url) {
    auto res = client_->Get(url);
    const json body = ok_json(res);
    EXPECT_EQ(res->get_header_value("ETag"), body["meta"]["version"]);
    return body["meta"]["version"].get<std::string>();
  };
  const std::string v1 = ada["meta"]["version"];
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // lastModified counts milliseconds

  const json ops = created({{"displayName", "Ops"}, {"members", {{{"value", ada["id"]}}}}}, "/scim/v2/Groups");
  const json joined = ok_json(client_->Get(ada_url));
  const std::string v2 = joined["meta"]["version"];
  EXPECT_NE(v2, v1);
  EXPECT_GT(joined["meta"]["lastModified"].get<std::string>(), ada["meta"]["lastModified"].get<std::string>());
  EXPECT_EQ(client_->Get(ada_url, httplib::Headers{{"If-None-Match", v1}})->status, 200);
  EXPECT_EQ(client_->Get(ada_url, httplib::Headers{{"If-None-Match", v2}})->status, 304);
  expect_error(patch(ada_url, {{{"op", "replace"}, {"path", "displayName"}, {"value", "A"}}}, {{"If-Match", v1}}), 412, "");

  // Through a nested group, and by a rename of the group (groups[].display).
  const std::string ops_url = "/scim/v2/Groups/" + ops["id"].get<std::string>();
  const json all = created({{"displayName", "All"}, {"members", {{{"value", ops["id"]}, {"type", "Group"}}}}}, "/scim/v2/Groups");
  const std::string v3 = version_of(ada_url);
  EXPECT_NE(v3, v2);
  ok_json(patch(ops_url, {{{"op", "replace"}, {"path", "displayName"}, {"value", "Operations"}}}));
  const std::string v4 = version_of(ada_url);
  EXPECT_NE(v4, v3);
  // A change of the group that no user sees (its externalId) is not a new version of them.
  ok_json(patch(ops_url, {{{"op", "replace"}, {"path", "externalId"}, {"value", "ext-ops"}}}));
  EXPECT_EQ(version_of(ada_url), v4);
  // Leaving, and the group going, are new versions too; the user's own write counts on from there.
  ok_json(patch(ops_url, {{{"op", "remove"}, {"path", "members[value eq \"" + ada["id"].get<std::string>() + "\"]"}}}));
  const std::string v5 = version_of(ada_url);
  EXPECT_NE(v5, v4);
  EXPECT_FALSE(ok_json(client_->Get(ada_url)).contains("groups"));
  const json renamed = ok_json(patch(ada_url, {{{"op", "replace"}, {"path", "displayName"}, {"value", "Ada"}}}, {{"If-Match", v5}}));
  EXPECT_EQ(renamed["meta"]["version"], "W/\"6\"");
  EXPECT_EQ(version_of(bob_url), bob["meta"]["version"]);  // never a member
  const json member = created({{"displayName", "Solo"}, {"members", {{{"value", bob["id"]}}}}}, "/scim/v2/Groups");
  const std::string b2 = version_of(bob_url);
  EXPECT_EQ(client_->Delete("/scim/v2/Groups/" + member["id"].get<std::string>())->status, 204);
  EXPECT_NE(version_of(bob_url), b2);
}

constexpr const char* kAcme = "urn:example:params:scim:schemas:extension:acme:2.0:User";

class ScimHttpExtensions : public ScimHttp {
 protected:
  idb::scim::ServiceSettings settings() override {
    auto s = ScimHttp::settings();
    idb::scim::Schema acme{.id = kAcme, .name = "AcmeUser", .description = "", .attributes = {}};
    acme.attributes.push_back({.name = "badge", .required = true});
    acme.attributes.push_back({.name = "level", .type = idb::scim::Type::integer});
    acme.attributes.push_back({.name = "employeeCode", .case_exact = true, .mutability = idb::scim::Mutability::immutable});
    s.extensions.push_back({"User", std::move(acme), false});
    return s;
  }
};

TEST_F(ScimHttpExtensions, StoredReturnedFilteredAndAdvertised) {
  const json user = created({{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User", kAcme}},
                             {"userName", "ada"},
                             {kAcme, {{"badge", "B-7"}, {"level", 3}}}});
  EXPECT_EQ(user[kAcme], json({{"badge", "B-7"}, {"level", 3}}));
  const std::string url = "/scim/v2/Users/" + user["id"].get<std::string>();
  EXPECT_EQ(ok_json(client_->Get(url))[kAcme]["badge"], "B-7");
  EXPECT_EQ(ok_json(find(std::string(kAcme) + ":level gt 2"))["totalResults"], 1);
  const json only = ok_json(client_->Get(url, httplib::Params{{"attributes", kAcme}}, httplib::Headers{}));
  EXPECT_TRUE(only.contains(kAcme));
  EXPECT_FALSE(only.contains("userName"));
  const json patched = ok_json(patch(url, {{{"op", "replace"}, {"path", std::string(kAcme) + ":level"}, {"value", 4}}}));
  EXPECT_EQ(patched[kAcme]["level"], 4);

  expect_error(post({{"userName", "bob"}, {kAcme, {{"level", 1}}}}), 400, "invalidValue");            // badge required
  expect_error(post({{"userName", "bob"}, {kAcme, {{"badge", "b"}, {"level", "1"}}}}), 400, "invalidValue");
  expect_error(post({{"userName", "bob"}, {"urn:example:unknown:2.0:User", {{"a", 1}}}}), 400, "invalidSyntax");
  expect_error(patch(url, {{{"op", "replace"}, {"path", std::string(kAcme) + ":level"}, {"value", "high"}}}), 400,
               "invalidValue");
  EXPECT_EQ(store_->count_users(), 1);

  EXPECT_EQ(ok_json(client_->Get("/scim/v2/Schemas"))["totalResults"], 4);
  EXPECT_EQ(ok_json(client_->Get(std::string("/scim/v2/Schemas/") + kAcme))["attributes"][0]["name"], "badge");
  EXPECT_EQ(ok_json(client_->Get("/scim/v2/ResourceTypes/User"))["schemaExtensions"][1]["schema"], kAcme);
}

TEST_F(ScimHttpExtensions, ImmutableIsSetOnceAndCaseExactFiltersExactly) {
  const json body = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User", kAcme}},
                     {"userName", "ada"},
                     {kAcme, {{"badge", "B-7"}, {"employeeCode", "Ec-1"}}}};
  const json user = created(body);
  const std::string url = "/scim/v2/Users/" + user["id"].get<std::string>();
  const std::string code = std::string(kAcme) + ":employeeCode";
  EXPECT_EQ(ok_json(find(code + " eq \"Ec-1\""))["totalResults"], 1);
  EXPECT_EQ(ok_json(find(code + " eq \"ec-1\""))["totalResults"], 0);
  EXPECT_EQ(ok_json(find(std::string(kAcme) + ":badge eq \"b-7\""))["totalResults"], 1);

  json changed = body;
  changed[kAcme]["employeeCode"] = "Ec-2";
  expect_error(client_->Put(url, changed.dump(), "application/scim+json"), 400, "mutability");
  expect_error(patch(url, {{{"op", "replace"}, {"path", code}, {"value", "Ec-2"}}}), 400, "mutability");
  expect_error(patch(url, {{{"op", "remove"}, {"path", code}}}), 400, "mutability");
  // A PUT that leaves it out keeps it; resending the same value is no change.
  json without = body;
  without[kAcme].erase("employeeCode");
  without["displayName"] = "Ada";
  const json put = ok_json(client_->Put(url, without.dump(), "application/scim+json"));
  EXPECT_EQ(put[kAcme]["employeeCode"], "Ec-1");
  EXPECT_EQ(put["displayName"], "Ada");
  EXPECT_EQ(ok_json(patch(url, {{{"op", "replace"}, {"path", code}, {"value", "Ec-1"}}}))[kAcme]["employeeCode"], "Ec-1");
  // Never set: a PATCH may set it, once.
  const json bob = created({{"userName", "bob"}, {kAcme, {{"badge", "B-8"}}}});
  const std::string bob_url = "/scim/v2/Users/" + bob["id"].get<std::string>();
  EXPECT_EQ(ok_json(patch(bob_url, {{{"op", "add"}, {"path", code}, {"value", "Ec-9"}}}))[kAcme]["employeeCode"], "Ec-9");
  expect_error(patch(bob_url, {{{"op", "add"}, {"path", code}, {"value", "Ec-10"}}}), 400, "mutability");
}

}  // namespace
