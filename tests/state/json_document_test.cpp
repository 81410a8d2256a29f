#include "state/json_document.h"

#include <random>

#include <gtest/gtest.h>

namespace {

using idb::state::parse_json_document;
using nlohmann::json;

// What nlohmann reads, with its types: dump tells 1 from 1.0 and -1 from 18446744073709551615.
std::string as_nlohmann(std::string_view text) {
  const auto j = json::parse(text, nullptr, /*allow_exceptions=*/false);
  return j.is_discarded() ? "(refused)" : j.dump() + " " + j.type_name();
}

std::string as_read(std::string_view text) {
  const auto j = parse_json_document(text);
  return j ? j->dump() + " " + j->type_name() : "(declined)";
}

TEST(json_document, ReadsWhatNlohmannReadsWithTheSameTypes) {
  for (const std::string_view text : {
           R"({})", R"([])", R"("")", "true", "false", "null", " \t\r\n{ } ",
           R"({"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"bjensen","active":true,
               "name":{"givenName":"Barbara","familyName":"Jensen"},"emails":[{"value":"b@x","primary":true}],
               "meta":{"version":"W/\"3\""},"x":null,"n":[0,-1,1.5,-0.0,1e3,2E-2,18446744073709551615,
               -9223372036854775808,18446744073709551616,1.0]})",
           R"({"b":1,"a":2,"b":3})",  // a repeated name keeps its last value; out of order names
           R"({"a":{"b":{"c":[[[]],[{}]]}}})",
           R"(["\"\\\/\b\f\n\r\t\u0000\u001f\u00e9\u20AC\uD83D\uDE00", "名字 é 😀"])",
           "\"\x7f\"",
       }) {
    EXPECT_NE(as_read(text), "(declined)") << text;
    EXPECT_EQ(as_read(text), as_nlohmann(text)) << text;
  }
}

TEST(json_document, DeclinesWhatIsNotJsonSoNlohmannSaysWhy) {
  for (const std::string_view text : {
           "", " ", "{", "}", "[1,]", R"({"a":1,})", R"({"a" 1})", R"({a:1})", "tru", "nul", "truex", "01", "1.",
           "-", "+1", ".5", "1e", "0x10", R"("\x")", R"("\uD800")", R"("\uDC00")", R"("\u12")", "\"a\nb\"",
           "\"\xff\"", "\"\xc0\xaf\"", "\"\xed\xa0\x80\"", "{} {}", "[1 2]", "NaN", "[Infinity]"}) {
    EXPECT_EQ(as_read(text), "(declined)") << text;
    EXPECT_EQ(as_nlohmann(text), "(refused)") << text;
  }
}

TEST(json_document, LeavesDeepNestingToNlohmann) {
  const std::string deep = std::string(1000, '[') + std::string(1000, ']');
  EXPECT_EQ(as_read(deep), "(declined)");
  EXPECT_NE(as_nlohmann(deep), "(refused)");
}

// Whatever nlohmann writes reads back as what it wrote.
TEST(json_document, ReadsBackWhatNlohmannWrites) {
  std::mt19937 random(11);
  const std::string pieces[] = {"a", "Z", "\"", "\\", "/", "\n", std::string(1, '\0'), "\x1f", "\u00e9", "名",
                                "\U0001F600"};
  std::function<json(int)> make = [&](int depth) -> json {
    switch (depth > 3 ? random() % 4 : random() % 7) {
      case 0: return nullptr;
      case 1: return random() % 2 == 0;
      case 2: return static_cast<int64_t>(random()) - (1LL << 31);
      case 3: {
        std::string s;
        for (int k = static_cast<int>(random() % 6); k > 0; --k) s += pieces[random() % std::size(pieces)];
        return s;
      }
      case 4: return static_cast<double>(random()) / 7.0;
      case 5: {
        json a = json::array();
        for (int k = static_cast<int>(random() % 4); k > 0; --k) a.push_back(make(depth + 1));
        return a;
      }
      default: {
        json o = json::object();
        for (int k = static_cast<int>(random() % 4); k > 0; --k) o["k" + pieces[random() % std::size(pieces)]] = make(depth + 1);
        return o;
      }
    }
  };
  for (int round = 0; round < 300; ++round) {
    const json value = make(0);
    for (const int indent : {-1, 2}) {
      const std::string text = value.dump(indent);
      EXPECT_EQ(as_read(text), as_nlohmann(text)) << text;
    }
  }
}

}  // namespace
