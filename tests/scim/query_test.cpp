#include "scim/query.h"

#include <gtest/gtest.h>

using namespace idb::scim;
using nlohmann::json;

namespace {

const QueryLimits kLimits{10, {}};

Query query(const std::map<std::string, std::string>& params) {
  auto q = parse_query(params, kLimits);
  EXPECT_TRUE(std::holds_alternative<Query>(q)) << std::get<Error>(q).detail;
  return std::holds_alternative<Query>(q) ? std::get<Query>(q) : Query{};
}

Error error(const std::map<std::string, std::string>& params) {
  auto q = parse_query(params, kLimits);
  EXPECT_TRUE(std::holds_alternative<Error>(q));
  return std::holds_alternative<Error>(q) ? std::get<Error>(q) : Error{};
}

std::vector<std::string> names(const json& list) {
  std::vector<std::string> out;
  for (const auto& r : list["Resources"]) out.push_back(r.value("userName", "-"));
  return out;
}

const std::vector<json> kUsers = {
    json::parse(R"({"id":"1","userName":"carol","meta":{"created":"2024-01-01T10:00:00+02:00"},"emails":[{"value":"z@x"},{"value":"a@x","primary":true}]})"),
    json::parse(R"({"id":"2","userName":"Ada","meta":{"created":"2024-01-01T09:00:00Z"},"title":"Countess"})"),
    json::parse(R"({"id":"3","userName":"bob","meta":{"created":"2024-01-01T08:30:00Z"},"emails":[{"value":"m@x"}]})"),
};

TEST(Query, PagingPerRfc7644) {
  EXPECT_EQ(query({}).count, 10u);  // the configured maximum when none is asked for
  EXPECT_EQ(query({{"count", "3"}}).count, 3u);
  EXPECT_EQ(query({{"count", "99"}}).count, 10u);
  EXPECT_EQ(query({{"count", "-4"}}).count, 0u);
  EXPECT_EQ(query({{"startIndex", "0"}}).start_index, 1u);
  EXPECT_EQ(query({{"startIndex", "99999999999999999999999"}}).start_index > 1000u, true);
  EXPECT_EQ(error({{"count", "1e3"}}).scim_type, "invalidValue");
  EXPECT_EQ(error({{"startIndex", "two"}}).detail, "startIndex must be an integer, not 'two'");

  auto page = list_response(kUsers, query({{"startIndex", "2"}, {"count", "5"}}));
  EXPECT_EQ(page["totalResults"], 3);
  EXPECT_EQ(page["startIndex"], 2);
  EXPECT_EQ(page["itemsPerPage"], 2);
  EXPECT_EQ(page["schemas"][0], kListResponseSchema);
  EXPECT_EQ(list_response(kUsers, query({{"startIndex", "9"}}))["Resources"], json::array());
}

TEST(Query, SortsCaseInsensitivelyChronologicallyAndByPrimary) {
  EXPECT_EQ(names(list_response(kUsers, query({{"sortBy", "userName"}}))), (std::vector<std::string>{"Ada", "bob", "carol"}));
  // carol's 10:00+02:00 is 08:00Z, the earliest.
  EXPECT_EQ(names(list_response(kUsers, query({{"sortBy", "meta.created"}}))),
            (std::vector<std::string>{"carol", "bob", "Ada"}));
  // carol sorts by her primary email a@x; Ada has none and comes last (first when descending).
  EXPECT_EQ(names(list_response(kUsers, query({{"sortBy", "emails"}}))), (std::vector<std::string>{"carol", "bob", "Ada"}));
  EXPECT_EQ(names(list_response(kUsers, query({{"sortBy", "emails"}, {"sortOrder", "Descending"}}))),
            (std::vector<std::string>{"Ada", "bob", "carol"}));
  EXPECT_EQ(error({{"sortBy", "emails[type eq \"x\"]"}}).scim_type, "invalidValue");
}

TEST(Query, FilterErrorsAreInvalidFilterWithOffset) {
  const Error e = error({{"filter", "userName eq"}});
  EXPECT_EQ(e.scim_type, "invalidFilter");
  EXPECT_EQ(e.detail, "filter: expected a value at offset 11");
}

TEST(Query, ProjectsAttributes) {
  const json user = json::parse(R"({"schemas":["s"],"id":"1","userName":"ada","name":{"givenName":"A","familyName":"L"},
    "emails":[{"value":"a@x","type":"work"},{"value":"b@x"}],
    "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R","costCenter":"C"}})");
  auto selection = [](const std::string& text) {
    return std::get<AttributeSelection>(parse_attribute_list(text, "attributes"));
  };
  EXPECT_EQ(project(user, selection("userName, name.givenName"), {}),
            json::parse(R"({"schemas":["s"],"id":"1","userName":"ada","name":{"givenName":"A"}})"));
  EXPECT_EQ(project(user, selection("EMAILS.TYPE"), {}),
            json::parse(R"({"schemas":["s"],"id":"1","emails":[{"type":"work"},{}]})"));
  EXPECT_EQ(project(user, selection("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"), {}),
            json::parse(R"({"schemas":["s"],"id":"1","urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":{"department":"R"}})"));
  EXPECT_EQ(project(user, selection("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"), {}).size(), 3u);
  const json without = project(user, {}, selection("id,name,emails.value,urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
  EXPECT_EQ(without, json::parse(R"({"schemas":["s"],"id":"1","userName":"ada","emails":[{"type":"work"},{}]})"));
  EXPECT_EQ(error({{"attributes", "userName"}, {"excludedAttributes", "name"}}).scim_type, "invalidValue");
}

TEST(Query, SearchRequestBody) {
  auto q = parse_search_request(json::parse(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
    "filter":"userName sw \"a\"","sortBy":"userName","sortOrder":"descending","startIndex":1,"count":2,
    "excludedAttributes":["emails"]})"), kLimits);
  ASSERT_TRUE(std::holds_alternative<Query>(q)) << std::get<Error>(q).detail;
  const Query& query = std::get<Query>(q);
  EXPECT_TRUE(query.filter);
  EXPECT_TRUE(query.descending);
  EXPECT_EQ(query.count, 2u);
  EXPECT_EQ(query.excluded.paths.size(), 1u);
  for (const char* bad : {R"([])", R"({"schemas":["urn:x"]})",
                          R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":"many"})",
                          R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"count":{"a":1}})",
                          R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],"attributes":[1]})"}) {
    EXPECT_TRUE(std::holds_alternative<Error>(parse_search_request(json::parse(bad), kLimits))) << bad;
  }
}

}  // namespace
