#include "state/attributes_json.h"

#include <random>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace {

using idb::mapping::Attributes;
using idb::mapping::Values;
using idb::state::parse_attributes_json;

std::optional<Attributes> parse(std::string_view text, std::string* error = nullptr) {
  std::string message;
  auto out = parse_attributes_json(text, message);
  EXPECT_EQ(out.has_value(), message.empty()) << text;
  if (error) *error = message;
  return out;
}

TEST(attributes_json, ReadsObjectsOfStringArrays) {
  EXPECT_EQ(parse("{}"), Attributes{});
  EXPECT_EQ(parse(" \t\r\n{ } \n"), Attributes{});
  EXPECT_EQ(parse(R"({"cn":["Al"],"empty":[],"mail":["a@x","b@x"]})"),
            (Attributes{{"cn", {"Al"}}, {"empty", {}}, {"mail", {"a@x", "b@x"}}}));
  EXPECT_EQ(parse(" { \"cn\" : [ \"x\" , \"\" ] , \"sn\":[\"y\"] } "), (Attributes{{"cn", {"x", ""}}, {"sn", {"y"}}}));
  EXPECT_EQ(parse(R"({"":[""]})"), (Attributes{{"", {""}}}));
}

TEST(attributes_json, UnescapesEveryJsonEscape) {
  EXPECT_EQ(parse(R"({"a":["\"\\\/\b\f\n\r\t"]})"), (Attributes{{"a", {"\"\\/\b\f\n\r\t"}}}));
  EXPECT_EQ(parse(R"({"a":["\u0000\u001f\u0041\u00e9\u20AC\uD83D\uDE00"]})"),
            (Attributes{{"a", {std::string("\0\x1f", 2) + "A\u00e9\u20ac\U0001F600"}}}));
  EXPECT_EQ(parse(R"({"\u0063n":["x"]})"), (Attributes{{"cn", {"x"}}})) << "names are unescaped too";
}

TEST(attributes_json, KeepsRawUtf8) {
  EXPECT_EQ(parse("{\"cn\":[\"名字 \u00e9 \U0001F600 \u07ff \uffff \U0010FFFF\"]}"),
            (Attributes{{"cn", {"名字 \u00e9 \U0001F600 \u07ff \uffff \U0010FFFF"}}}));
}

TEST(attributes_json, ARepeatedNameKeepsItsLastValuesWhateverItsCase) {
  const auto out = parse(R"({"cn":["a","b"],"CN":["c"]})");
  ASSERT_TRUE(out);
  EXPECT_EQ(out->size(), 1u);
  EXPECT_EQ(out->at("cn"), (Values{"c"}));
  EXPECT_EQ(parse(R"({"b":["1"],"a":["2"],"B":["3"]})"), (Attributes{{"a", {"2"}}, {"b", {"3"}}}))
      << "out of order names";
}

TEST(attributes_json, RefusesEverythingElseNamingWhatAndWhere) {
  const std::pair<std::string_view, std::string_view> bad[] = {
      {"", "expected an object at byte 0"},
      {"null", "expected an object at byte 0"},
      {"[]", "expected an object at byte 0"},
      {R"({"cn": "x"})", "expected an array of strings at byte 7"},
      {R"({"cn": [1]})", "expected a string at byte 8"},
      {R"({"cn": [null]})", "expected a string at byte 8"},
      {R"({"cn": [true]})", "expected a string at byte 8"},
      {R"({"cn": [["x"]]})", "expected a string at byte 8"},
      {R"({"cn": {"a": ["x"]}})", "expected an array of strings at byte 7"},
      {R"({"cn": ["x"])", "expected ',' or '}' in the object at byte 12"},
      {R"({"cn": ["x"})", "expected ',' or ']' in an array at byte 11"},
      {R"({"cn": ["x",]})", "expected a string at byte 12"},
      {R"({"cn": ["x"],})", "expected a string at byte 13"},
      {R"({cn: ["x"]})", "expected a string at byte 1"},
      {R"({"cn" ["x"]})", "expected ':' after a name at byte 6"},
      {R"({"cn": ["x"]} {})", "text after the object at byte 14"},
      {R"({"cn": ["x)", "unterminated string at byte 10"},
      {R"({"cn": ["x\)", "unterminated string at byte 11"},
      {"{\"cn\": [\"a\nb\"]}", "control character in a string at byte 10"},
      {R"({"cn": ["\x"]})", "invalid escape at byte 10"},
      {R"({"cn": ["\u12"]})", "invalid \\u escape at byte 13"},
      {R"({"cn": ["\u12)", "truncated \\u escape at byte 11"},
      {R"({"cn": ["\u12G4"]})", "invalid \\u escape at byte 13"},
      {R"({"cn": ["\uDC00"]})", "low surrogate without a high one at byte 15"},
      {R"({"cn": ["\uD800"]})", "high surrogate without a low one at byte 15"},
      {R"({"cn": ["\uD800\u0041"]})", "high surrogate without a low one at byte 21"},
      {"{\"cn\": [\"\xff\"]}", "ill-formed UTF-8 at byte 9"},
      {"{\"cn\": [\"\xc0\xaf\"]}", "ill-formed UTF-8 at byte 9"},          // overlong '/'
      {"{\"cn\": [\"\xe0\x80\xaf\"]}", "ill-formed UTF-8 at byte 9"},      // overlong
      {"{\"cn\": [\"\xed\xa0\x80\"]}", "ill-formed UTF-8 at byte 9"},      // a surrogate
      {"{\"cn\": [\"\xf4\x90\x80\x80\"]}", "ill-formed UTF-8 at byte 9"},  // above U+10FFFF
      {"{\"cn\": [\"\xe2\x82\"]}", "ill-formed UTF-8 at byte 9"},          // cut short
      {"{\"cn\": [\"\xe2\x82", "ill-formed UTF-8 at byte 9"},              // cut at the end of the text
      {"{\"cn\": [\"\x80\"]}", "ill-formed UTF-8 at byte 9"},              // a lone continuation byte
  };
  for (const auto& [text, message] : bad) {
    std::string error;
    EXPECT_FALSE(parse(text, &error)) << text;
    EXPECT_EQ(error, message) << text;
  }
}

TEST(attributes_json, EveryPrefixOfAValidTextIsRefused) {
  const std::string text = R"({"cn":["Al \"Ice\"\n\u00e9"],"mail":["a@x","b@x"],"x":[]})";
  ASSERT_TRUE(parse(text));
  for (size_t n = 0; n < text.size(); ++n) EXPECT_FALSE(parse(std::string_view(text).substr(0, n))) << n;
}

// Attributes whose names and values hold quotes, controls, NUL and non-ASCII,
// names starting in either case.
Attributes random_attributes(std::mt19937& random) {
  const std::string alphabet[] = {"a", "Z", "b", "\"", "\\", "/", "\n", "\t", std::string(1, '\0'), "\x1f", "\x7f",
                                  "\u00e9", "名", "\U0001F600", " ", "{", "]", ","};
  const auto any = [&] { return alphabet[random() % std::size(alphabet)]; };
  Attributes attributes;
  for (int n = static_cast<int>(random() % 6) - 1; n >= 0; --n) {
    Values values(random() % 4);
    for (auto& v : values) {
      for (int k = static_cast<int>(random() % 8); k > 0; --k) v += any();
    }
    attributes[any() + "name" + std::to_string(n) + any()] = values;
  }
  return attributes;
}

// Whatever nlohmann::json writes for attributes (what the store wrote) reads back the same.
TEST(attributes_json, ReadsBackWhatTheStoreWrites) {
  std::mt19937 random(7);
  for (int round = 0; round < 200; ++round) {
    const Attributes attributes = random_attributes(random);
    for (const bool ascii : {false, true}) {
      const std::string text = nlohmann::json(attributes).dump(-1, ' ', ascii);
      EXPECT_EQ(parse(text), attributes) << text;
      EXPECT_EQ(parse(nlohmann::json(attributes).dump(2, ' ', ascii)), attributes) << "indented";
    }
  }
}

// What the store writes is byte for byte nlohmann's compact dump, names in
// bytewise order whatever their case, escapes as nlohmann writes them.
TEST(attributes_json, WritesWhatNlohmannDumpWrites) {
  std::mt19937 random(11);
  for (int round = 0; round < 300; ++round) {
    const Attributes attributes = random_attributes(random);
    const std::string text = idb::state::attributes_json_text(attributes);
    EXPECT_EQ(text, nlohmann::json(attributes).dump()) << text;
    EXPECT_EQ(parse(text), attributes) << text;
  }
}

TEST(attributes_json, AValueThatIsNotUtf8IsRefusedOrReplacedAsAsked) {
  const std::string bad = "caf\xe9";
  EXPECT_THROW(idb::state::attributes_json_text({{"cn", {bad}}}), nlohmann::json::type_error);
  std::string out;
  idb::state::append_json_strings(out, {bad, "ok"}, idb::state::BadUtf8::replace);
  EXPECT_EQ(out, nlohmann::json(Values{bad, "ok"}).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  EXPECT_EQ(out, "[\"caf\xef\xbf\xbd\",\"ok\"]");
}

}  // namespace
