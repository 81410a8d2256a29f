#include "scim/json_body.h"

#include <gtest/gtest.h>

using namespace idb::scim;

namespace {

TEST(JsonBody, RefusesDeepNestingBeforeParsing) {
  // Deep enough to overflow the stack of a recursive parser.
  const std::string hostile = "{\"a\":" + std::string(400000, '[') + std::string(400000, ']') + "}";
  auto parsed = parse_json_body(hostile);
  ASSERT_TRUE(std::holds_alternative<Error>(parsed));
  EXPECT_EQ(std::get<Error>(parsed).scim_type, "invalidSyntax");
  EXPECT_EQ(std::get<Error>(parsed).detail, "the request body nests deeper than 64 levels (at byte 68)");

  EXPECT_TRUE(std::holds_alternative<nlohmann::json>(parse_json_body(std::string(3, '[') + std::string(3, ']'), 3)));
  EXPECT_TRUE(std::holds_alternative<Error>(parse_json_body(std::string(4, '[') + std::string(4, ']'), 3)));
  // Brackets inside strings, escaped quotes included, do not count.
  auto in_string = parse_json_body(R"({"a":"[[[[\"[[[[","b":["{{{{"]})", 2);
  ASSERT_TRUE(std::holds_alternative<nlohmann::json>(in_string));
  EXPECT_EQ(std::get<nlohmann::json>(in_string)["a"], "[[[[\"[[[[");
}

TEST(JsonBody, InvalidJsonAndUtf8) {
  for (const char* bad : {"{", "", "{\"a\":tru}", "{\"a\":\"\xff\"}", "[1,]"}) {
    auto parsed = parse_json_body(bad);
    ASSERT_TRUE(std::holds_alternative<Error>(parsed)) << bad;
    EXPECT_EQ(std::get<Error>(parsed).detail, "the request body is not valid JSON");
  }
}

}  // namespace
