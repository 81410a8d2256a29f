// Bulk request parsing and bulkId resolution, with an executor that records
// what it was asked to run (the endpoint's real one is tested over HTTP).
#include <gtest/gtest.h>

#include "scim/bulk.h"

using nlohmann::json;
using namespace idb::scim;

namespace {

json request(json operations, std::optional<int> fail_on_errors = std::nullopt) {
  json body = {{"schemas", {kBulkRequestSchema}}, {"Operations", std::move(operations)}};
  if (fail_on_errors) body["failOnErrors"] = *fail_on_errors;
  return body;
}

json post(const std::string& bulk_id, const std::string& path, json data) {
  return {{"method", "POST"}, {"bulkId", bulk_id}, {"path", path}, {"data", std::move(data)}};
}

Error parse_error(const json& body, size_t max_operations = 10) {
  auto parsed = parse_bulk_request(body, max_operations);
  EXPECT_TRUE(std::holds_alternative<Error>(parsed)) << body.dump();
  return std::holds_alternative<Error>(parsed) ? std::get<Error>(parsed) : Error{0, "", ""};
}

// Creates ids "id1", "id2"… in call order; fails any operation whose data has
// "fail": true with 400 invalidValue.
struct Recorder {
  std::vector<BulkOperation> ran;
  BulkOutcome operator()(const BulkOperation& op) {
    ran.push_back(op);
    if (op.data.is_object() && op.data.value("fail", false)) return BulkOutcome::failed({400, "invalidValue", "asked to fail"});
    if (op.method == "POST") {
      const std::string id = "id" + std::to_string(++created);
      return {201, id, "https://x" + op.path + "/" + id, "W/\"1\"", std::nullopt};
    }
    if (op.method == "DELETE") return {204, "", "https://x" + op.path, "", std::nullopt};
    return {200, "", "https://x" + op.path, "W/\"2\"", std::nullopt};
  }
  int created = 0;
};

json run(const json& body, Recorder& recorder) {
  auto parsed = parse_bulk_request(body, 100);
  EXPECT_TRUE(std::holds_alternative<BulkRequest>(parsed)) << std::get<Error>(parsed).detail;
  return run_bulk(std::get<BulkRequest>(parsed), [&](const BulkOperation& op) { return recorder(op); });
}

}  // namespace

TEST(BulkParse, AcceptsEveryMethodInAnyCase) {
  auto parsed = parse_bulk_request(request({post("a", "/Users", {{"userName", "a"}}),
                                            {{"method", "put"}, {"path", "/Users/1"}, {"data", json::object()}},
                                            {{"method", "Patch"}, {"path", "/Users/1"}, {"version", "W/\"3\""}, {"data", json::object()}},
                                            {{"method", "DELETE"}, {"path", "/Groups/2"}}},
                                           2),
                                   10);
  ASSERT_TRUE(std::holds_alternative<BulkRequest>(parsed));
  const auto& r = std::get<BulkRequest>(parsed);
  EXPECT_EQ(r.fail_on_errors, 2u);
  ASSERT_EQ(r.operations.size(), 4u);
  EXPECT_EQ(r.operations[1].method, "PUT");
  EXPECT_EQ(r.operations[2].method, "PATCH");
  EXPECT_EQ(r.operations[2].version, "W/\"3\"");
  EXPECT_EQ(r.operations[3].method, "DELETE");
}

TEST(BulkParse, RejectsMalformedRequestsWithScimType) {
  struct Case {
    json body;
    int status;
    const char* scim_type;
  } cases[] = {
      {json::array(), 400, "invalidSyntax"},
      {{{"Operations", json::array()}}, 400, "invalidSyntax"},                                    // no schemas
      {{{"schemas", {"urn:other"}}, {"Operations", json::array()}}, 400, "invalidSyntax"},        // wrong schema
      {{{"schemas", {kBulkRequestSchema}}}, 400, "invalidSyntax"},                               // no Operations
      {{{"schemas", {kBulkRequestSchema}}, {"Operations", json::object()}}, 400, "invalidSyntax"},
      {request({post("a", "/Users", json::object())}, -1), 400, "invalidValue"},                 // failOnErrors
      {request({"POST"}), 400, "invalidValue"},                                                   // not an object
      {request({{{"method", "GET"}, {"path", "/Users/1"}}}), 400, "invalidValue"},                // method
      {request({{{"method", "POST"}, {"path", "/Users"}, {"data", json::object()}}}), 400, "invalidValue"},  // no bulkId
      {request({post("a", "/Users/1", json::object())}), 400, "invalidValue"},                   // POST to a resource
      {request({post("a", "Users", json::object())}), 400, "invalidValue"},                      // relative path
      {request({{{"method", "PUT"}, {"path", "/Users"}, {"data", json::object()}}}), 400, "invalidValue"},
      {request({{{"method", "DELETE"}, {"path", "/Users/1/x"}}}), 400, "invalidValue"},
      {request({{{"method", "PATCH"}, {"path", "/Users/1"}}}), 400, "invalidValue"},             // no data
      {request({post("a", "/Users", "x")}), 400, "invalidValue"},                                // data not an object
      {request({{{"method", 1}, {"path", "/Users/1"}}}), 400, "invalidValue"},                   // method not a string
      {request({post("a", "/Users", json::object()), post("a", "/Groups", json::object())}), 400, "invalidValue"},  // dup
      {request({post("bulkId:a", "/Users", json::object())}), 400, "invalidValue"},
  };
  for (const auto& c : cases) {
    const Error e = parse_error(c.body);
    EXPECT_EQ(e.status, c.status) << c.body.dump();
    EXPECT_EQ(e.scim_type, c.scim_type) << c.body.dump() << " " << e.detail;
    EXPECT_FALSE(e.detail.empty());
  }
}

TEST(BulkParse, TooManyOperationsIs413TooMany) {
  json ops = json::array();
  for (int i = 0; i < 4; ++i) ops.push_back(post("b" + std::to_string(i), "/Users", json::object()));
  const Error e = parse_error(request(ops), 3);
  EXPECT_EQ(e.status, 413);
  EXPECT_EQ(e.scim_type, "tooMany");
  EXPECT_NE(e.detail.find("maxOperations is 3"), std::string::npos) << e.detail;
  EXPECT_TRUE(std::holds_alternative<BulkRequest>(parse_bulk_request(request(ops), 4)));
}

TEST(BulkReferences, FoundInPathAndAnywhereInData) {
  BulkOperation op{"PATCH", "", "/Groups/bulkId:g", std::nullopt,
                   {{"Operations", {{{"op", "add"}, {"path", "members"}, {"value", {{{"value", "bulkId:u1"}}, {{"value", "bulkId:u2"}}}}}}}}};
  EXPECT_EQ(bulk_references(op), (std::set<std::string>{"g", "u1", "u2"}));
  const auto resolved = resolve_references(op, {{"g", "G"}, {"u1", "U1"}});
  EXPECT_EQ(resolved.path, "/Groups/G");
  EXPECT_EQ(resolved.data["Operations"][0]["value"][0]["value"], "U1");
  EXPECT_EQ(resolved.data["Operations"][0]["value"][1]["value"], "bulkId:u2");  // unknown ones stay
  EXPECT_TRUE(bulk_references({"POST", "x", "/Users", std::nullopt, {{"userName", "bulkId:"}}}).empty());
}

// RFC 7644 §3.7.2: a group whose members are users created in the same request,
// listed before them; the group waits for its members.
TEST(BulkRun, ForwardReferencesWaitForTheirPost) {
  Recorder r;
  const json out = run(request({post("g", "/Groups", {{"displayName", "Tour Guides"},
                                                       {"members", {{{"type", "User"}, {"value", "bulkId:u1"}},
                                                                    {{"type", "User"}, {"value", "bulkId:u2"}}}}}),
                                post("u1", "/Users", {{"userName", "Alice"}}), post("u2", "/Users", {{"userName", "Bob"}})}),
                       r);
  ASSERT_EQ(r.ran.size(), 3u);
  EXPECT_EQ(r.ran[2].path, "/Groups");
  EXPECT_EQ(r.ran[2].data["members"][0]["value"], "id1");
  EXPECT_EQ(r.ran[2].data["members"][1]["value"], "id2");
  EXPECT_EQ(out["schemas"][0], kBulkResponseSchema);
  ASSERT_EQ(out["Operations"].size(), 3u);
  EXPECT_EQ(out["Operations"][0]["bulkId"], "u1");
  EXPECT_EQ(out["Operations"][0]["status"], "201");
  EXPECT_EQ(out["Operations"][0]["location"], "https://x/Users/id1");
  EXPECT_EQ(out["Operations"][0]["version"], "W/\"1\"");
  EXPECT_EQ(out["Operations"][2]["bulkId"], "g");
  EXPECT_FALSE(out["Operations"][2].contains("response"));
}

TEST(BulkRun, UnknownBulkIdFailsOnlyThatOperation) {
  Recorder r;
  const json out = run(request({post("u1", "/Users", {{"userName", "a"}}),
                                {{"method", "PATCH"}, {"path", "/Users/bulkId:nope"}, {"data", json::object()}},
                                post("g", "/Groups", {{"members", {{{"value", "bulkId:u1"}}}}})}),
                       r);
  ASSERT_EQ(out["Operations"].size(), 3u);
  EXPECT_EQ(out["Operations"][1]["status"], "400");
  EXPECT_EQ(out["Operations"][1]["response"]["scimType"], "invalidValue");
  EXPECT_NE(out["Operations"][1]["response"]["detail"].get<std::string>().find("'nope'"), std::string::npos);
  EXPECT_EQ(out["Operations"][2]["status"], "201");
  EXPECT_EQ(r.ran.size(), 2u);  // the PATCH never reached the executor
}

TEST(BulkRun, ReferenceToFailedPostIs409AndNotRun) {
  Recorder r;
  const json out = run(request({post("u1", "/Users", {{"fail", true}}),
                                post("g", "/Groups", {{"members", {{{"value", "bulkId:u1"}}}}}),
                                {{"method", "DELETE"}, {"path", "/Groups/bulkId:g"}}}),
                       r);
  ASSERT_EQ(out["Operations"].size(), 3u);
  EXPECT_EQ(out["Operations"][0]["status"], "400");
  EXPECT_FALSE(out["Operations"][0].contains("location"));
  EXPECT_EQ(out["Operations"][1]["status"], "409");
  EXPECT_EQ(out["Operations"][2]["status"], "409");  // its group failed in turn
  EXPECT_EQ(r.ran.size(), 1u);
}

// RFC 7644 §3.7.1: two groups holding each other. One is created without the
// member that does not exist yet, the other with it, then the first gets it.
TEST(BulkRun, CircularGroupMembershipIsResolved) {
  Recorder r;
  const json out = run(request({post("a", "/Groups", {{"displayName", "A"}, {"members", {{{"type", "Group"}, {"value", "bulkId:b"}}}}}),
                                post("b", "/Groups", {{"displayName", "B"}, {"members", {{{"type", "Group"}, {"value", "bulkId:a"}}}}})}),
                       r);
  ASSERT_EQ(r.ran.size(), 3u);
  EXPECT_EQ(r.ran[0].data["members"], json::array());
  EXPECT_EQ(r.ran[1].data["members"][0]["value"], "id1");
  EXPECT_EQ(r.ran[2].method, "PATCH");
  EXPECT_EQ(r.ran[2].path, "/Groups/id1");
  EXPECT_EQ(r.ran[2].data["Operations"][0], (json{{"op", "add"}, {"path", "members"}, {"value", {{{"type", "Group"}, {"value", "id2"}}}}}));
  ASSERT_EQ(out["Operations"].size(), 2u);
  EXPECT_EQ(out["Operations"][0]["status"], "201");
  EXPECT_EQ(out["Operations"][0]["version"], "W/\"2\"");  // as the PATCH left it
  EXPECT_EQ(out["Operations"][1]["status"], "201");
}

TEST(BulkRun, CycleThatCannotBeBrokenIs409) {
  Recorder r;
  // Self reference in a single-valued attribute, and two PATCHes on each other's POST-less ids.
  const json out = run(request({post("u", "/Users", {{"userName", "a"}, {"manager", "bulkId:u"}}),
                                {{"method", "PATCH"}, {"path", "/Users/bulkId:u"}, {"data", json::object()}}}),
                       r);
  EXPECT_TRUE(r.ran.empty());
  ASSERT_EQ(out["Operations"].size(), 2u);
  for (const auto& op : out["Operations"]) {
    EXPECT_EQ(op["status"], "409");
    EXPECT_NE(op["response"]["detail"].get<std::string>().find("circular"), std::string::npos) << op.dump();
  }
}

TEST(BulkRun, FailOnErrorsStopsAndListsOnlyWhatRan) {
  Recorder r;
  const json ops = {post("a", "/Users", {{"fail", true}}), post("b", "/Users", {{"userName", "b"}}),
                    post("c", "/Users", {{"fail", true}}), post("d", "/Users", {{"userName", "d"}})};
  const json out = run(request(ops, 2), r);
  ASSERT_EQ(out["Operations"].size(), 3u);
  EXPECT_EQ(out["Operations"][2]["bulkId"], "c");
  EXPECT_EQ(r.ran.size(), 3u);

  Recorder all;
  EXPECT_EQ(run(request(ops), all)["Operations"].size(), 4u);  // no failOnErrors: everything is tried
  EXPECT_EQ(all.ran.size(), 4u);
}
