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
    service_ = std::make_unique<idb::scim::Service>(
        *store_, idb::scim::ServiceSettings{{"other-token", kToken}, 4096, {"ldap", "cloud"}}, [this] { ++changes_; });
    service_->mount(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_bearer_token_auth(kToken);
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

  httplib::Result post(const json& body) { return client_->Post("/scim/v2/Users", body.dump(), "application/scim+json"); }

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

}  // namespace
