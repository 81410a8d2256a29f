#include "scim/filter.h"

#include <gtest/gtest.h>

using namespace idb::scim;
using nlohmann::json;

namespace {

const json kUser = json::parse(R"({
  "userName": "Bjensen",
  "externalId": "E-1",
  "name": {"givenName": "Barbara", "familyName": "Jensen"},
  "emails": [{"value": "bjensen@home.example", "type": "home"},
             {"value": "bjensen@example.com", "type": "work", "primary": true}],
  "active": true,
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "Tour Operations"}
})");

std::vector<std::string> values(const std::string& path) {
  auto parsed = parse_path(path);
  EXPECT_TRUE(std::holds_alternative<AttributePath>(parsed)) << path;
  std::vector<std::string> out;
  for (const auto* v : resolve(std::get<AttributePath>(parsed), kUser)) out.push_back(v->is_string() ? v->get<std::string>() : v->dump());
  return out;
}

bool match(const std::string& filter) {
  auto parsed = parse_filter(filter);
  EXPECT_TRUE(std::holds_alternative<Comparison>(parsed)) << filter << ": " << std::get<ParseError>(parsed).message;
  return matches(std::get<Comparison>(parsed), kUser);
}

TEST(AttributePath, ResolvesSimpleNestedMultiValuedAndExtension) {
  EXPECT_EQ(values("userName"), std::vector<std::string>{"Bjensen"});
  EXPECT_EQ(values("USERNAME"), std::vector<std::string>{"Bjensen"});  // names are case-insensitive
  EXPECT_EQ(values("name.givenName"), std::vector<std::string>{"Barbara"});
  EXPECT_EQ(values("emails.value"), (std::vector<std::string>{"bjensen@home.example", "bjensen@example.com"}));
  EXPECT_EQ(values(R"(emails[type eq "work"].value)"), std::vector<std::string>{"bjensen@example.com"});
  EXPECT_EQ(values(R"(emails[type eq "WORK"].value)"), std::vector<std::string>{"bjensen@example.com"});
  EXPECT_EQ(values("emails[primary eq true].value"), std::vector<std::string>{"bjensen@example.com"});
  EXPECT_EQ(values("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department"),
            std::vector<std::string>{"Tour Operations"});
  EXPECT_EQ(values("urn:ietf:params:scim:schemas:core:2.0:User:userName"), std::vector<std::string>{"Bjensen"});
  EXPECT_TRUE(values("nickName").empty());
  EXPECT_TRUE(values("name.middleName").empty());
}

TEST(Filter, ComparesPerRfc7644) {
  EXPECT_TRUE(match(R"(userName eq "bjensen")"));  // userName is caseExact=false
  EXPECT_FALSE(match(R"(externalId eq "e-1")"));   // externalId is caseExact=true
  EXPECT_TRUE(match(R"(externalId eq "E-1")"));
  EXPECT_TRUE(match(R"(name.familyName co "ens")"));
  EXPECT_TRUE(match(R"(userName sw "bj")"));
  EXPECT_TRUE(match(R"(userName ew "sen")"));
  EXPECT_TRUE(match(R"(emails pr)"));
  EXPECT_FALSE(match(R"(nickName pr)"));
  EXPECT_TRUE(match(R"(nickName ne "x")"));
  EXPECT_TRUE(match(R"(active eq true)"));
  EXPECT_TRUE(match(R"(active eq True)"));  // Entra ID's spelling
  EXPECT_TRUE(match(R"(emails[type eq "work"] pr)"));
  EXPECT_TRUE(match(R"(userName gt "a")"));
  EXPECT_TRUE(match(R"(userName EQ "Bjensen")"));
}

TEST(Filter, RejectsMalformedInputWithAnOffset) {
  struct Case {
    const char* text;
    const char* message;
    size_t offset;
  } cases[] = {
      {"", "expected an attribute name", 0},
      {"userName", "expected a comparison operator", 8},
      {"userName eqq \"x\"", "unknown operator 'eqq'", 9},
      {"userName eq", "expected a value", 11},
      {"userName eq \"x", "unterminated string", 12},
      {"userName eq bogus", "invalid value 'bogus'", 12},
      {"userName eq \"x\" trailing", "unexpected text after filter", 16},
      {"emails[type eq \"work\"", "expected ']'", 21},
      {"emails[type[value eq 1] eq 1]", "value filters cannot be nested", 11},
      {"1abc eq 1", "invalid attribute name in '1abc'", 0},
      {"a.b.c eq 1", "attribute path 'a.b.c' is nested too deeply", 0},
  };
  for (const auto& c : cases) {
    auto parsed = parse_filter(c.text);
    ASSERT_TRUE(std::holds_alternative<ParseError>(parsed)) << c.text;
    EXPECT_EQ(std::get<ParseError>(parsed).message, c.message) << c.text;
    EXPECT_EQ(std::get<ParseError>(parsed).offset, c.offset) << c.text;
  }
}

}  // namespace
