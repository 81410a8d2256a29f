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

bool match(const std::string& filter, const json& resource = kUser) {
  auto parsed = parse_filter(filter);
  if (auto* err = std::get_if<ParseError>(&parsed)) {
    ADD_FAILURE() << filter << ": " << err->message << " at " << err->offset;
    return false;
  }
  return matches(std::get<Filter>(parsed), resource);
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
      {"(userName eq \"x\"", "expected ')'", 16},
      {"not userName eq \"x\"", "expected '(' after 'not'", 4},
      {"userName eq \"x\" and", "expected an attribute name", 19},
      {"userName eq \"x\" or ", "expected an attribute name", 19},
      {"userName eq \"x\" and or title pr", "expected an attribute name, not 'or'", 20},
      {"()", "expected an attribute name", 1},
      {"userName eq \"x\")", "unexpected text after filter", 15},
      {"emails[]", "expected an attribute name", 7},
      {"emails[type eq \"work\"].", "expected a sub-attribute name after ']'", 23},
      {"name.givenName[value eq 1]", "a value filter must follow a top-level attribute", 14},
      {"userName eq {\"a\":1}", "invalid value '{\"a\":1}'", 12},
      {"userName eq \"\\q\"", "invalid value '\"\\q\"'", 12},
      {"title pr pr", "unexpected text after filter", 9},
  };
  for (const auto& c : cases) {
    auto parsed = parse_filter(c.text);
    ASSERT_TRUE(std::holds_alternative<ParseError>(parsed)) << c.text;
    EXPECT_EQ(std::get<ParseError>(parsed).message, c.message) << c.text;
    EXPECT_EQ(std::get<ParseError>(parsed).offset, c.offset) << c.text;
  }
}


// Every filter example of RFC 7644 §3.4.2.2, against two users that tell
// each branch apart.
TEST(Filter, Rfc7644Examples) {
  const json employee = json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User",
                "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
    "userName": "bjensen", "title": "Tour Guide", "userType": "Employee",
    "name": {"familyName": "O'Malley"},
    "emails": [{"value": "bjensen@example.com", "type": "work"}],
    "ims": [{"value": "bj@foo.com", "type": "xmpp"}],
    "meta": {"lastModified": "2011-05-13T04:42:34Z"}
  })");
  const json intern = json::parse(R"({
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "Jsmith", "userType": "Intern",
    "name": {"familyName": "Smith"},
    "emails": [{"value": "js@example.org", "type": "home"}],
    "meta": {"lastModified": "2011-05-13T06:42:34.5+02:00"}
  })");
  struct Case {
    const char* filter;
    bool employee, intern;
  } cases[] = {
      {R"(userName eq "bjensen")", true, false},
      {R"(name.familyName co "O'Malley")", true, false},
      {R"(userName sw "J")", false, true},
      {R"(urn:ietf:params:scim:schemas:core:2.0:User:userName sw "J")", false, true},
      {R"(title pr)", true, false},
      {R"(meta.lastModified gt "2011-05-13T04:42:34Z")", false, true},  // 06:42:34.5+02:00 is half a second later
      {R"(meta.lastModified ge "2011-05-13T04:42:34Z")", true, true},
      {R"(meta.lastModified lt "2011-05-13T04:42:34Z")", false, false},
      {R"(meta.lastModified le "2011-05-13T04:42:34Z")", true, false},
      {R"(title pr and userType eq "Employee")", true, false},
      {R"(title pr or userType eq "Intern")", true, true},
      {R"(schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User")", true, false},
      {R"(userType eq "Employee" and (emails co "example.com" or emails.value co "example.org"))", true, false},
      {R"(userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org"))", false, false},
      {R"(userType eq "Employee" and (emails.type eq "work"))", true, false},
      {R"(userType eq "Employee" and emails[type eq "work" and value co "@example.com"])", true, false},
      {R"(emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"])", true,
       false},
      // Beyond the RFC's list: precedence, negation, grouping and keyword case.
      {R"(userType eq "Intern" or userType eq "Employee" and title pr)", true, true},
      {R"((userType eq "Intern" or userType eq "Employee") and title pr)", true, false},
      {R"(not (title pr))", false, true},
      {R"(NOT(title pr) AND userName Sw "j")", false, true},
      {R"(emails[not (type eq "work")])", false, true},
      {R"(emails[type eq "home"] or (title pr and not (userType eq "Intern")))", true, true},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(match(c.filter, employee), c.employee) << c.filter;
    EXPECT_EQ(match(c.filter, intern), c.intern) << c.filter;
  }
}

TEST(Filter, UnicodeValuesCompareIntact) {
  const json user = json::parse(R"({"userName": "zoë", "displayName": "Zoë Ünal 张"})");
  EXPECT_TRUE(match(R"(userName eq "zoë")", user));
  EXPECT_TRUE(match(R"(displayName co "张")", user));
  EXPECT_TRUE(match(R"(displayName sw "Zo\u00eb")", user));
  EXPECT_FALSE(match(R"(displayName eq "Zoe Unal")", user));
}

TEST(Filter, LimitsLengthAndDepth) {
  const FilterLimits limits{64, 3};
  auto too_long = parse_filter(std::string(65, 'a'), limits);
  ASSERT_TRUE(std::holds_alternative<ParseError>(too_long));
  EXPECT_EQ(std::get<ParseError>(too_long).message, "the filter is longer than 64 bytes");

  ASSERT_TRUE(std::holds_alternative<Filter>(parse_filter("(((title pr)))", limits)));
  auto too_deep = parse_filter("((((title pr))))", limits);
  ASSERT_TRUE(std::holds_alternative<ParseError>(too_deep));
  EXPECT_EQ(std::get<ParseError>(too_deep).message, "the filter nests deeper than 3 levels");
  EXPECT_EQ(std::get<ParseError>(too_deep).offset, 3u);

  // The default depth stops a hostile nesting long before the stack would.
  const std::string hostile = std::string(3000, '(') + "title pr" + std::string(3000, ')');
  ASSERT_TRUE(std::holds_alternative<ParseError>(parse_filter(hostile)));
  std::string many = "title pr";
  for (int i = 0; i < 300; ++i) many += " and title pr";
  ASSERT_TRUE(std::holds_alternative<Filter>(parse_filter(many)));
}

TEST(AttributePath, PatchPathExamplesOfRfc7644) {
  for (const char* text : {R"(members[value eq "2819c223-7f76-453a-919d-413861904646"])", "name.familyName",
                           R"(addresses[type eq "work"])",
                           R"(members[value eq "2819c223-7f76-453a-919d-413861904646"].displayName)",
                           R"(emails[type eq "work" and value ew "example.com"].value)",
                           "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"}) {
    auto parsed = parse_path(text);
    ASSERT_TRUE(std::holds_alternative<AttributePath>(parsed)) << text << ": " << std::get<ParseError>(parsed).message;
    EXPECT_EQ(std::get<AttributePath>(parsed).text, text);
  }
  auto path = std::get<AttributePath>(parse_path(R"(emails[type eq "work" and value ew "example.com"].value)"));
  ASSERT_TRUE(path.value_filter);
  EXPECT_EQ(path.value_filter->kind, Filter::Kind::all_of);
  EXPECT_EQ(path.names, (std::vector<std::string>{"emails", "value"}));
}

}  // namespace
