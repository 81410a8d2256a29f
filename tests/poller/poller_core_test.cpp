// The poller's pure decisions and the OAuth2 token exchange, by vectors.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/signing/crypto.h"
#include "scim/client_oauth2.h"
#include "scim/poller_core.h"

namespace idb::scim {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pair;
using json = nlohmann::json;

TEST(poller_core, splits_a_configured_url_into_origin_and_path) {
  EXPECT_EQ(poll::split_url("https://hr.example.org/scim/v2/").origin, "https://hr.example.org");
  EXPECT_EQ(poll::split_url("https://hr.example.org/scim/v2/").path, "/scim/v2");
  EXPECT_EQ(poll::split_url("http://127.0.0.1:8080").origin, "http://127.0.0.1:8080");
  EXPECT_EQ(poll::split_url("http://127.0.0.1:8080").path, "");
}

TEST(poller_core, builds_a_list_request_with_paging_filter_and_attributes) {
  const auto r = poll::list_request("/scim/v2", 101, 50, poll::modified_since("2026-11-22T10:00:00.000Z"), "id");
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/scim/v2/Users");
  EXPECT_THAT(r.query, ElementsAre(Pair("startIndex", "101"), Pair("count", "50"),
                                   Pair("filter", "meta.lastModified gt \"2026-11-22T10:00:00.000Z\""),
                                   Pair("attributes", "id")));
  EXPECT_THAT(poll::list_request("", 1, 10).query, ElementsAre(Pair("startIndex", "1"), Pair("count", "10")));
}

TEST(poller_core, quotes_the_watermark_as_a_filter_string) {
  EXPECT_EQ(poll::modified_since("a\"b\\c"), R"(meta.lastModified gt "a\"b\\c")");
}

TEST(poller_core, parses_a_list_response) {
  auto page = poll::parse_list_response(R"({"schemas":["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
      "totalResults":3,"startIndex":1,"itemsPerPage":2,"Resources":[{"id":"a"},{"id":"b"}]})");
  ASSERT_TRUE(std::holds_alternative<poll::ListPage>(page));
  const auto& p = std::get<poll::ListPage>(page);
  EXPECT_EQ(p.total_results, 3);
  ASSERT_EQ(p.resources.size(), 2u);
  EXPECT_EQ(p.resources[1]["id"], "b");
  EXPECT_EQ(poll::next_start_index(p, 1), 3);
  EXPECT_EQ(poll::next_start_index(p, 2), std::nullopt);  // 2 + 2 > 3: the last page
  // No Resources at all is an empty page (RFC 7644 §3.4.2 makes it optional when empty).
  auto empty = std::get<poll::ListPage>(poll::parse_list_response(R"({"totalResults":0})"));
  EXPECT_TRUE(empty.resources.empty());
  EXPECT_EQ(poll::next_start_index(empty, 1), std::nullopt);
}

TEST(poller_core, an_empty_page_ends_a_listing_that_claims_more) {
  auto p = std::get<poll::ListPage>(poll::parse_list_response(R"({"totalResults":10,"Resources":[]})"));
  EXPECT_EQ(poll::next_start_index(p, 5), std::nullopt);
}

TEST(poller_core, names_what_is_wrong_with_a_list_response) {
  auto problem = [](std::string_view body) {
    auto r = poll::parse_list_response(body);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("parsed");
  };
  EXPECT_EQ(problem("<html>"), "the response is not a JSON object");
  EXPECT_EQ(problem("[]"), "the response is not a JSON object");
  EXPECT_EQ(problem(R"({"Resources":[]})"), "'totalResults' is missing or not a non-negative integer");
  EXPECT_EQ(problem(R"({"totalResults":"3"})"), "'totalResults' is missing or not a non-negative integer");
  EXPECT_EQ(problem(R"({"totalResults":-1})"), "'totalResults' is missing or not a non-negative integer");
  EXPECT_EQ(problem(R"({"totalResults":1,"Resources":{}})"), "'Resources' is not an array");
  EXPECT_EQ(problem(R"({"totalResults":2,"Resources":[{"id":"a"},{"id":7}]})"), "resource 2 of the page has no string 'id'");
  EXPECT_EQ(problem(R"({"totalResults":1,"Resources":[{"id":""}]})"), "resource 1 of the page has no string 'id'");
  EXPECT_EQ(problem(R"({"totalResults":1,"Resources":["a"]})"), "resource 1 of the page has no string 'id'");
}

TEST(poller_core, reads_filter_support_from_the_service_provider_config) {
  EXPECT_TRUE(poll::filter_supported(json::parse(R"({"filter":{"supported":true,"maxResults":200}})")));
  EXPECT_FALSE(poll::filter_supported(json::parse(R"({"filter":{"supported":false}})")));
  EXPECT_FALSE(poll::filter_supported(json::parse(R"({"filter":{"supported":"true"}})")));
  EXPECT_FALSE(poll::filter_supported(json::parse(R"({"patch":{"supported":true}})")));
  EXPECT_FALSE(poll::filter_supported(json()));  // an unreadable body
}

TEST(poller_core, parses_rfc3339_timestamps) {
  EXPECT_EQ(poll::parse_timestamp_us("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(poll::parse_timestamp_us("1970-01-01T00:00:01.5Z"), 1500000);
  EXPECT_EQ(poll::parse_timestamp_us("2026-11-22T17:17:37.763Z"), int64_t{1795367857763000});
  EXPECT_EQ(poll::parse_timestamp_us("2026-11-22T18:17:37.763+01:00"), poll::parse_timestamp_us("2026-11-22T17:17:37.763Z"));
  EXPECT_EQ(poll::parse_timestamp_us("2026-11-22t17:17:37.7631239z"), int64_t{1795367857763123});
  for (const char* bad : {"", "2026-11-22", "2026-11-22T17:17:37", "2026-02-30T00:00:00Z", "2026-11-22T24:00:00Z",
                          "2026-11-22T17:17:37.Z", "2026-11-22T17:17:37Zjunk", "2026-11-22T17:17:37+0100",
                          "26-11-22T17:17:37Z"}) {
    EXPECT_EQ(poll::parse_timestamp_us(bad), std::nullopt) << bad;
  }
}

TEST(poller_core, the_watermark_advances_to_the_newest_stored_change) {
  const std::vector<poll::Outcome> run{{"2026-11-22T10:00:02.000Z", true}, {"2026-11-22T10:00:03.000Z", true},
                                       {"2026-11-22T10:00:01.000Z", true}};
  EXPECT_EQ(poll::advance_watermark(std::nullopt, run), "2026-11-22T10:00:03.000Z");
  EXPECT_EQ(poll::advance_watermark("2026-11-22T09:00:00Z", {}), "2026-11-22T09:00:00Z");
  EXPECT_EQ(poll::advance_watermark(std::nullopt, {}), std::nullopt);
}

TEST(poller_core, the_watermark_never_moves_back) {
  EXPECT_EQ(poll::advance_watermark("2026-11-22T11:00:00.000Z", {{"2026-11-22T10:00:00.000Z", true}}),
            "2026-11-22T11:00:00.000Z");
}

TEST(poller_core, the_watermark_stops_before_the_oldest_failure) {
  const std::vector<poll::Outcome> run{{"2026-11-22T10:00:01.000Z", true},
                                       {"2026-11-22T10:00:03.000Z", false},
                                       {"2026-11-22T10:00:04.000Z", true},
                                       {"2026-11-22T10:00:02.000Z", true}};
  EXPECT_EQ(poll::advance_watermark("2026-11-22T09:00:00.000Z", run), "2026-11-22T10:00:02.000Z");
  // A failure with no usable time could be anywhere: the watermark stays.
  EXPECT_EQ(poll::advance_watermark("2026-11-22T09:00:00.000Z", {{"2026-11-22T10:00:01.000Z", true}, {"", false}}),
            "2026-11-22T09:00:00.000Z");
  // A stored resource without a usable time does not move it.
  EXPECT_EQ(poll::advance_watermark(std::nullopt, {{"yesterday", true}}), std::nullopt);
}

TEST(poller_core, users_no_longer_listed_are_absent) {
  const std::unordered_map<std::string, std::string> known{{"r1", "u1"}, {"r2", "u2"}, {"r3", "u3"}};
  const auto a = poll::absent_users(known, {"r1", "r9"}, 50, 10.0);
  EXPECT_THAT(a.remote_ids, ElementsAre("r2", "r3"));
  EXPECT_EQ(a.held, std::nullopt);  // 2 of 3 is many percent, but below the floor where percentages count
  EXPECT_TRUE(poll::absent_users(known, {"r1", "r2", "r3"}, 0, 0.0).remote_ids.empty());
}

TEST(poller_core, the_deletion_guard_holds_a_mass_absence) {
  std::unordered_map<std::string, std::string> known;
  for (int i = 0; i < 100; ++i) known.emplace("r" + std::to_string(i), "u" + std::to_string(i));
  std::unordered_set<std::string> listed;
  for (int i = 0; i < 80; ++i) listed.insert("r" + std::to_string(i));
  const auto by_percent = poll::absent_users(known, listed, 50, 10.0);
  EXPECT_EQ(by_percent.remote_ids.size(), 20u);
  ASSERT_TRUE(by_percent.held);
  EXPECT_THAT(*by_percent.held, HasSubstr("20 of 100"));
  const auto by_count = poll::absent_users(known, listed, 19, 100.0);
  ASSERT_TRUE(by_count.held);
  EXPECT_THAT(*by_count.held, HasSubstr("more than the limit of 19"));
  EXPECT_EQ(poll::absent_users(known, listed, 20, 20.0).held, std::nullopt);
  // An empty listing of a source that had users is the classic accident.
  EXPECT_TRUE(poll::absent_users(known, {}, 50, 10.0).held);
}

TEST(poller_oauth2, asks_for_a_client_credentials_token_with_basic_auth) {
  const auto r = oauth2::token_request("/oauth/token", {"http://x/oauth/token", "id:1", "s&cret", "scim.read users"});
  EXPECT_EQ(r.method, "POST");
  EXPECT_EQ(r.path, "/oauth/token");
  EXPECT_EQ(r.body, "grant_type=client_credentials&scope=scim.read%20users");
  EXPECT_EQ(connectors::signing::header_value(r.headers, "Content-Type"), "application/x-www-form-urlencoded");
  EXPECT_EQ(connectors::signing::header_value(r.headers, "Authorization"),
            "Basic " + connectors::signing::base64("id%3A1:s%26cret"));
  EXPECT_EQ(oauth2::token_request("", {"http://x", "a", "b", ""}).body, "grant_type=client_credentials");
}

TEST(poller_oauth2, reads_a_token_and_renews_it_before_it_expires) {
  const auto now = oauth2::Clock::time_point(std::chrono::seconds(1000));
  auto parsed = oauth2::parse_token_response(200, R"({"access_token":"tok","token_type":"bearer","expires_in":3600})", now);
  ASSERT_TRUE(std::holds_alternative<oauth2::Token>(parsed));
  EXPECT_EQ(std::get<oauth2::Token>(parsed).access_token, "tok");
  EXPECT_EQ(std::get<oauth2::Token>(parsed).refresh_at, now + std::chrono::seconds(3600 - 60));
  auto short_lived = oauth2::parse_token_response(200, R"({"access_token":"t","token_type":"Bearer","expires_in":30})", now);
  EXPECT_EQ(std::get<oauth2::Token>(short_lived).refresh_at, now + std::chrono::seconds(27));
  auto no_lifetime = oauth2::parse_token_response(200, R"({"access_token":"t","token_type":"Bearer"})", now);
  EXPECT_EQ(std::get<oauth2::Token>(no_lifetime).refresh_at, now + std::chrono::seconds(270));
}

TEST(poller_oauth2, names_what_is_wrong_with_a_token_response) {
  const auto now = oauth2::Clock::now();
  auto problem = [&](int status, std::string_view body) {
    auto r = oauth2::parse_token_response(status, body, now);
    return std::holds_alternative<std::string>(r) ? std::get<std::string>(r) : std::string("parsed");
  };
  EXPECT_EQ(problem(401, R"({"error":"invalid_client","error_description":"bad secret"})"),
            "the token endpoint answered HTTP 401 invalid_client: bad secret");
  EXPECT_EQ(problem(503, "busy"), "the token endpoint answered HTTP 503");
  EXPECT_EQ(problem(200, "x"), "the token endpoint's answer is not a JSON object");
  EXPECT_EQ(problem(200, R"({"token_type":"bearer"})"), "the token endpoint's answer has no 'access_token'");
  EXPECT_EQ(problem(200, R"({"access_token":"t","token_type":"mac"})"),
            "the token endpoint's answer has no 'token_type' of Bearer");
  EXPECT_EQ(problem(200, R"({"access_token":"t","token_type":"bearer","expires_in":"60"})"),
            "the token endpoint's 'expires_in' is not a positive integer");
}

}  // namespace
}  // namespace idb::scim
