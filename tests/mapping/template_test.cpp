#include "mapping/template.h"

#include <gtest/gtest.h>

using namespace idb::mapping;
using nlohmann::json;

namespace {

std::optional<std::string> run(const std::string& text, const json& user, const Escape& escape = nullptr) {
  auto t = parse_template(text);
  EXPECT_TRUE(std::holds_alternative<Template>(t)) << text;
  auto& parsed = std::get<Template>(t);
  AttributeSlots slots;
  for (auto& piece : parsed.pieces) {
    if (piece.path) piece.path->slot = slots.add(piece.path->path);
  }
  return render(parsed, UserView(slots, user), escape);
}

TEST(Template, RendersWhenEveryPartHasAValue) {
  const json user = {{"userName", "ada"}, {"name", {{"givenName", "Ada"}, {"familyName", "Lovelace"}}}};
  EXPECT_EQ(run("{name.givenName} {name.familyName}", user), "Ada Lovelace");
  EXPECT_EQ(run("uid={userName},ou=people", user), "uid=ada,ou=people");
  EXPECT_EQ(run("{{literal}} {userName}", user), "{literal} ada");
  EXPECT_EQ(run("{name.givenName} {nickName}", user), std::nullopt);  // missing part: no value at all
  EXPECT_EQ(run("{name.middleName}", json{{"name", {{"middleName", ""}}}}), std::nullopt);
}

TEST(Template, PassesUnicodeAndEscapesSubstitutionsOnly) {
  const json user = {{"userName", "李伟, 🚀"}};
  auto upper_commas = [](std::string_view v) {
    std::string out;
    for (char c : v) out += (c == ',') ? std::string("\\,") : std::string(1, c);
    return out;
  };
  EXPECT_EQ(run("uid={userName},ou=x", user, upper_commas), "uid=李伟\\, 🚀,ou=x");
}

TEST(Template, ScalarsBecomeText) {
  EXPECT_EQ(scalar_text(json(true)), "TRUE");
  EXPECT_EQ(scalar_text(json(false)), "FALSE");
  EXPECT_EQ(scalar_text(json(42)), "42");
  EXPECT_EQ(scalar_text(json("")), std::nullopt);
  EXPECT_EQ(scalar_text(json::object()), std::nullopt);
}

TEST(Template, ReportsErrorsWithOffsets) {
  struct Case {
    const char* text;
    const char* message;
    size_t offset;
  } cases[] = {
      {"{userName", "unterminated '{'", 0},
      {"a}b", "unmatched '}' (write '}}' for a literal brace)", 1},
      {"x {emails[type eqq \"w\"].value}", "unknown operator 'eqq'", 15},
      {"{}", "expected an attribute name", 1},
  };
  for (const auto& c : cases) {
    auto t = parse_template(c.text);
    ASSERT_TRUE(std::holds_alternative<TemplateError>(t)) << c.text;
    EXPECT_EQ(std::get<TemplateError>(t).message, c.message) << c.text;
    EXPECT_EQ(std::get<TemplateError>(t).offset, c.offset) << c.text;
  }
}

}  // namespace
