// Transforms through the YAML language: exact values and exact errors, with
// Chinese, emoji, right-to-left text, empty versus absent values and multi-valued input.
#include <gtest/gtest.h>

#include "tests/mapping/mapping_fixture.h"

using namespace idb::mapping;
using namespace idb::mapping::test;
using nlohmann::json;

namespace {

const json kUser = json::parse(R"({
  "userName": "Li.Wei",
  "displayName": "  李伟 🚀  ",
  "nickName": "ÅSA-émilie",
  "title": "مهندس",
  "name": {"givenName": "伟", "familyName": " 李\u3000", "middleName": ""},
  "active": true,
  "emails": [{"value": "Li.Wei@Example.org", "type": "work"}, {"value": "li.wei@example.org", "type": "home"},
             {"value": "", "type": "other"}, {"type": "other"}, {"value": "wei@example.cn", "type": "work"}],
  "phoneNumbers": [{"value": "(030) 1234567", "type": "work"}, {"value": "555-0101", "type": "mobile"}],
  "meta": {"created": "2024-02-29T23:30:00-01:00", "lastModified": "2023-02-29"},
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "研发部", "costCenter": "C-9"},
  "urn:example:hr:1.0:User": {"tags": "a, b,,c", "emoji": "👩‍💻 dev"}
})");

using Expected = std::variant<Values, std::string>;

struct Case {
  std::string rule;
  Expected expected;
};

void run_cases(const std::vector<Case>& cases, const json& user = kUser) {
  for (const auto& c : cases) EXPECT_EQ(map_one(c.rule, user), c.expected) << c.rule;
}

TEST(Transforms, CaseAndWhiteSpaceLeaveNonAsciiIntact) {
  run_cases({
      {"{from: nickName, transform: lower}", Values{"Åsa-émilie"}},
      {"{from: nickName, transform: upper}", Values{"ÅSA-éMILIE"}},  // é is not ASCII: kept as written
      {"{from: userName, transform: upper}", Values{"LI.WEI"}},
      {"{from: title, transform: [upper, lower]}", Values{"مهندس"}},
      {"{from: displayName, transform: trim}", Values{"李伟 🚀"}},
      {"{from: name.familyName, transform: trim}", Values{"李"}},  // U+3000 IDEOGRAPHIC SPACE is white space
      {"{from: name.familyName, transform: [trim, upper, {truncate: 64}]}", Values{"李"}},
  });
}

TEST(Transforms, LengthsCountCodePointsNeverBytes) {
  run_cases({
      {"{from: displayName, transform: [trim, {truncate: 2}]}", Values{"李伟"}},
      {"{from: displayName, transform: [trim, {truncate: 4}]}", Values{"李伟 🚀"}},
      {"{from: displayName, transform: [trim, {truncate: 0}]}", Values{}},
      {"{from: title, transform: [{substring: {start: 1, length: 2}}]}", Values{"هن"}},
      {"{from: title, transform: [{substring: {start: 9, length: 2}}]}", Values{}},
      // A ZWJ emoji sequence is several code points; truncation keeps whole code points, not whole graphemes.
      {"{from: 'urn:example:hr:1.0:User:emoji', transform: [{truncate: 1}]}", Values{"👩"}},
  });
}

TEST(Transforms, ReplaceIsARegexOverWholeCharacters) {
  run_cases({
      {R"({from: userName, transform: [{replace: {pattern: '\.', with: ' '}}]})", Values{"Li Wei"}},
      {R"({from: userName, transform: [{replace: {pattern: '(\w+)\.(\w+)', with: '$2, $1'}}]})", Values{"Wei, Li"}},
      {R"({from: displayName, transform: [trim, {replace: {pattern: '🚀', with: '✈'}}]})", Values{"李伟 ✈"}},
      {R"({from: name.givenName, transform: [{replace: {pattern: '^.$', with: 'X'}}]})", Values{"X"}},  // one character
      {R"({from: nickName, transform: [{replace: {pattern: '[^A-Za-z-]', with: '_'}}]})", Values{"_SA-_milie"}},
      {R"({from: title, transform: [{replace: {pattern: '[\u0600-\u06FF]{2}$', with: '…'}}]})", Values{"مهن…"}},
      {R"({from: userName, transform: [{replace: {pattern: '.*', with: ''}}]})", Values{}},  // emptied: no value
      // ASCII values match with a byte regex, others with the wide one: one pattern, same answers.
      {R"({from: userName, transform: [{replace: {pattern: '[^A-Za-z-]', with: '_'}}]})", Values{"Li_Wei"}},
      {R"({from: userName, transform: [{replace: {pattern: '[\x2E]', with: ' '}}]})", Values{"Li Wei"}},
  });
  // Long values are refused rather than risk the regex engine's recursion.
  run_cases({{R"({from: userName, transform: [{replace: {pattern: '^[^b]*$', with: 'x'}}]})", Values{"x"}}},
            {{"userName", std::string(2048, 'a')}});
  run_cases({{R"({from: userName, transform: [{replace: {pattern: '^[^b]*$', with: 'x'}}]})",
              "target 't' attribute 'out': transform 'replace '^[^b]*$' with 'x'': the value is 50000 characters long; "
              "replace handles at most 2048"}},
            {{"userName", std::string(50000, 'a')}});
}

TEST(Transforms, SplitJoinAndMultiValuedInput) {
  run_cases({
      {"{from: 'urn:example:hr:1.0:User:tags', transform: [{split: ','}, trim]}", (Values{"a", "b", "c"})},
      {"{from: emails.value, all: true}", (Values{"Li.Wei@Example.org", "li.wei@example.org", "wei@example.cn"})},
      {"{from: emails.value, all: true, transform: lower}", (Values{"li.wei@example.org", "wei@example.cn"})},
      {"{from: 'emails[type eq \"work\"].value', all: true, transform: [{join: '; '}]}",
       Values{"Li.Wei@Example.org; wei@example.cn"}},
      {"{from: 'emails[type eq \"work\"].value'}", Values{"Li.Wei@Example.org"}},
      {"{from: 'emails[type eq \"other\"].value', all: true}", Values{}},  // "" and absent are both no value
      {"{from: 'emails[type eq \"fax\"].value', all: true, transform: [{join: ','}]}", Values{}},
  });
  // A value repeated is written once, first occurrence first, however many values there are.
  run_cases({
                {"{from: 'urn:example:hr:1.0:User:tags', transform: [{split: ','}]}", (Values{"b", "a", "c"})},
            },
            {{"urn:example:hr:1.0:User", {{"tags", "b,a,b,c,a"}}}});
  run_cases({
                {"{from: 'urn:example:hr:1.0:User:tags', transform: [{split: ','}]}",
                 (Values{"9", "1", "2", "3", "4", "5", "6", "7", "8", "0"})},
            },
            {{"urn:example:hr:1.0:User", {{"tags", "9,1,2,9,3,4,5,1,6,7,8,0,0,9"}}}});
}

TEST(Transforms, DefaultFillsOnlyWhenThereIsNoValue) {
  run_cases({
      {"{from: nickName, transform: [{default: none}]}", Values{"ÅSA-émilie"}},
      {"{from: name.middleName, transform: [{default: none}]}", Values{"none"}},  // empty counts as absent
      {"{from: name.honorificPrefix, transform: [{default: none}]}", Values{"none"}},
      {"{from: name.honorificPrefix, transform: [{default: ' '}, trim]}", Values{}},
  });
}

TEST(Transforms, LookupTables) {
  const std::string dept = "{from: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', ";
  run_cases({
      {dept + "transform: [{lookup: {table: {研发部: R&D, 销售部: Sales}}}]}", Values{"R&D"}},
      {dept + "transform: [{lookup: {table: {销售部: Sales}}}]}",
       "target 't' attribute 'out': transform 'lookup': '研发部' is not in the table (give a 'default' or set "
       "'missing: keep' or 'missing: drop')"},
      {dept + "transform: [{lookup: {table: {销售部: Sales}, default: Other}}]}", Values{"Other"}},
      {dept + "transform: [{lookup: {table: {销售部: Sales}, missing: keep}}]}", Values{"研发部"}},
      {dept + "transform: [{lookup: {table: {销售部: Sales}, missing: drop}}]}", Values{}},
  });
}

TEST(Transforms, LookupFileIsReadRelativeToTheMappingAtLoadTime) {
  const std::string dir = std::string(IDB_SOURCE_DIR) + "/tests/mapping/data/";
  const std::string rule = "{from: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', "
                           "transform: [{lookup: {file: departments.csv}}]}";
  EXPECT_EQ(map_one(rule, kUser, dir + "m.yaml"), Expected(Values{"Research & Development"}));
  EXPECT_EQ(map_one("{from: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:costCenter', "
                    "transform: [{lookup: {file: departments.csv}}]}",
                    kUser, dir + "m.yaml"),
            Expected(Values{"Cost \"centre\" 9, north"}));
}

TEST(Transforms, LookupFileColumnsAreChosenByTheirHeaderNames) {
  const std::string dir = std::string(IDB_SOURCE_DIR) + "/tests/mapping/data/";
  const std::string dept = "{from: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', ";
  EXPECT_EQ(map_one(dept + "transform: [{lookup: {file: departments_by_code.csv, key: name_zh, value: name_en}}]}",
                    kUser, dir + "m.yaml"),
            Expected(Values{"Research & Development"}));
  EXPECT_EQ(map_one(dept + "transform: [{lookup: {file: departments_by_code.csv, key: name_zh, value: code}}]}",
                    kUser, dir + "m.yaml"),
            Expected(Values{"D01"}));
  // The header is not a row of the table.
  EXPECT_EQ(map_one("{value: name_zh, transform: [{lookup: {file: departments_by_code.csv, key: name_zh, value: code, "
                    "missing: keep}}]}",
                    kUser, dir + "m.yaml"),
            Expected(Values{"name_zh"}));
}

TEST(Transforms, LookupFileColumnErrorsNameTheFileTheColumnAndWhatThereIs) {
  const std::string dir = std::string(IDB_SOURCE_DIR) + "/tests/mapping/data/";
  const auto errors = [&](const std::string& lookup) {
    return errors_of(one_rule("{from: userName, transform: [{lookup: {" + lookup + "}}]}"), kCloud, dir + "m.yaml");
  };
  const std::string rule = dir + "m.yaml:5:57: target 't' attribute 'out': ";
  EXPECT_EQ(errors("file: departments_by_code.csv, key: name, value: code"),
            std::vector<std::string>{rule + "'key' column 'name' is not in the header of " + dir +
                                     "departments_by_code.csv (columns: code, name_zh, name_en, cost_center)"});
  EXPECT_EQ(errors("file: departments_by_code.csv, key: code, value: ''"),
            std::vector<std::string>{rule + "'value' column '' is not in the header of " + dir +
                                     "departments_by_code.csv (columns: code, name_zh, name_en, cost_center)"});
  EXPECT_EQ(errors("file: short_row.csv, key: code, value: name"),
            std::vector<std::string>{rule + dir + "short_row.csv:3: a lookup row has 2 fields, as its header, this one has 1"});
  EXPECT_EQ(errors("file: duplicate_code.csv, key: code, value: name"),
            std::vector<std::string>{rule + dir + "duplicate_code.csv:3: 'D01' is in the table twice"});
  EXPECT_EQ(errors("file: empty.csv, key: code, value: name"),
            std::vector<std::string>{rule + dir + "empty.csv has no header row naming its columns"});
  const std::string both = dir + "m.yaml:5:50: target 't' attribute 'out': 'key' and 'value' name the columns of a "
                                 "lookup 'file'; give both";
  EXPECT_EQ(errors("file: departments_by_code.csv, key: code"), std::vector<std::string>{both});
  EXPECT_EQ(errors("table: {a: b}, key: code, value: name"), std::vector<std::string>{both});
  EXPECT_EQ(errors("file: departments_by_code.csv, key: [code], value: name"),
            std::vector<std::string>{dir + "m.yaml:5:87: target 't' attribute 'out': 'key' must be a string"});
}

TEST(Transforms, DatesConvertToUtcWithoutTheClock) {
  run_cases({
      {"{from: meta.created, transform: [{date: {from: iso8601, to: '%Y%m%d%H%M%SZ'}}]}", Values{"20240301003000Z"}},
      {"{from: meta.created, transform: [{date: {from: iso8601, to: iso8601}}]}", Values{"2024-03-01T00:30:00Z"}},
      {"{from: meta.created, transform: [{date: {from: iso8601, to: '%d/%m/%Y'}}]}", Values{"01/03/2024"}},
      {"{from: meta.lastModified, transform: [{date: {from: iso8601, to: '%Y'}}]}",
       "target 't' attribute 'out': transform 'date 'iso8601' -> '%Y'': '2023-02-29' is not a valid date"},
      {"{from: userName, transform: [{date: {from: '%Y-%m-%d', to: '%Y'}}]}",
       "target 't' attribute 'out': transform 'date '%Y-%m-%d' -> '%Y'': 'Li.Wei' does not match the date format "
       "'%Y-%m-%d'"},
  });
}

TEST(Transforms, PhonesBecomeE164InTheDefaultRegion) {
  const json user = {{"phoneNumbers",
                      {{{"value", "(030) 1234567"}, {"type", "de"}},
                       {{"value", "0049 30 1234567"}, {"type", "de-intl"}},
                       {{"value", "020 7946 0958"}, {"type", "gb"}},
                       {{"value", "010-5555-0105"}, {"type", "cn"}},
                       {{"value", "+86 10 5555 0105"}, {"type", "plus"}},
                       {{"value", "1 (415) 555-2671"}, {"type", "us-trunk"}},
                       {{"value", "415.555.2671"}, {"type", "us"}},
                       {{"value", "011 44 20 7946 0958"}, {"type", "us-intl"}},
                       {{"value", "555-0101"}, {"type", "short"}},
                       {{"value", "12-34"}, {"type", "shorter"}},
                       {{"value", "+1 555 0101 ext 12"}, {"type", "ext"}},
                       {{"value", "+44 1234 5678 9012 345"}, {"type", "long"}}}}};
  auto phone = [](const std::string& type, const std::string& region) {
    return "{from: 'phoneNumbers[type eq \"" + type + "\"].value', transform: [{phone: " + region + "}]}";
  };
  const std::string err = "target 't' attribute 'out': transform 'phone ";
  run_cases({{phone("de", "DE"), Values{"+49301234567"}},
             {phone("de-intl", "US"), Values{"+49301234567"}},
             {phone("gb", "gb"), Values{"+442079460958"}},
             {phone("cn", "CN"), Values{"+861055550105"}},
             {phone("plus", "DE"), Values{"+861055550105"}},
             {phone("us-trunk", "US"), Values{"+14155552671"}},
             {phone("us", "CA"), Values{"+14155552671"}},
             {phone("us-intl", "US"), Values{"+442079460958"}},
             {phone("short", "US"), err + "US': '555-0101' is not a phone number: a North American number has 10 digits"},
             {phone("short", "DE"), Values{"+495550101"}},
             {phone("shorter", "DE"), err + "DE': '12-34' is not a phone number: E.164 numbers have 8 to 15 digits, "
                                            "this has 6"},
             {phone("ext", "US"), err + "US': '+1 555 0101 ext 12' is not a phone number: unexpected character at byte 13"},
             {phone("long", "GB"), err + "GB': '+44 1234 5678 9012 345' is not a phone number: E.164 numbers have 8 "
                                         "to 15 digits, this has 17"}},
            user);
}

TEST(Transforms, BooleansBecomeEnumsAndHashesAreHex) {
  const std::string active = "{from: active, transform: [{boolean: {true: Activated, false: Suspended}}]}";
  run_cases({{active, Values{"Activated"}}});
  run_cases({{active, Values{"Suspended"}}}, {{"active", false}});
  run_cases({{active, Values{}}}, json::object());  // absent stays absent
  run_cases({{"{from: title, transform: [{boolean: {true: A, false: B}}]}",
              "target 't' attribute 'out': transform 'boolean 'A'/'B'': 'مهندس' is not a boolean (true or false)"}});
  run_cases({{"{from: name.givenName, transform: sha256}",
              Values{"a9a9c8fab51aa5973946e7949445597f44af94389535c605111acecfc68ddafe"}},
             {"{value: abc, transform: sha256}",
              Values{"ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"}},
             {"{from: name.middleName, transform: sha256}", Values{}}});
}

TEST(Transforms, EveryBadTransformIsALoadError) {
  struct Bad {
    std::string rule;
    std::string error;
  } cases[] = {
      {"{from: userName, transform: lowercase}",
       "m.yaml:5:40: target 't' attribute 'out': unknown transform 'lowercase' (known: lower, upper, trim, sha256, "
       "replace, split, join, substring, truncate, default, lookup, date, phone, boolean)"},
      {"{from: userName, transform: [truncate]}",
       "m.yaml:5:41: target 't' attribute 'out': transform 'truncate' needs arguments: {truncate: ...}"},
      {"{from: userName, transform: [{truncate: -1}]}",
       "m.yaml:5:52: target 't' attribute 'out': 'truncate' must be a whole number"},
      {"{from: userName, transform: [{truncate: ten}]}",
       "m.yaml:5:52: target 't' attribute 'out': 'truncate' must be a whole number"},
      {"{from: userName, transform: [{lower: yes}]}",
       "m.yaml:5:42: target 't' attribute 'out': transform 'lower' takes no arguments; write it as a plain name"},
      {"{from: userName, transform: [{trim: 1, lower: 2}]}",
       "m.yaml:5:41: target 't' attribute 'out': a transform is a name or a mapping of one name to its arguments"},
      {"{from: userName, transform: [{split: ''}]}",
       "m.yaml:5:49: target 't' attribute 'out': 'split' needs a non-empty separator"},
      {"{from: userName, transform: [{replace: {pattern: '(a'}}]}",
       "m.yaml:5:51: target 't' attribute 'out': 'replace' needs 'pattern' and 'with'"},
      {"{from: userName, transform: [{replace: {pattern: '(a', with: b}}]}",
       "m.yaml:5:51: target 't' attribute 'out': invalid regular expression '(a': Mismatched '(' and ')' in regular "
       "expression"},
      {"{from: userName, transform: [{substring: {start: 1}}]}",
       "m.yaml:5:53: target 't' attribute 'out': 'substring' needs 'length'"},
      {"{from: userName, transform: [{date: {from: '%Q', to: iso8601}}]}",
       "m.yaml:5:48: target 't' attribute 'out': date format '%Q' uses unknown directive '%Q' (known: %Y %m %d %H %M "
       "%S %z %%, or the word iso8601)"},
      {"{from: userName, transform: [{date: {from: iso8601, to: '%Y%'}}]}",
       "m.yaml:5:48: target 't' attribute 'out': date format '%Y%' ends with a lone '%'"},
      {"{from: userName, transform: [{phone: ZZ}]}",
       "m.yaml:5:49: target 't' attribute 'out': unknown phone region 'ZZ' (known: AT, AU, BE, BR, CA, CH, CN, DE, "
       "DK, ES, FI, FR, GB, HK, IE, IN, IT, JP, KR, MX, NL, NO, NZ, PL, SE, SG, TW, US)"},
      {"{from: userName, transform: [{boolean: {true: A}}]}",
       "m.yaml:5:51: target 't' attribute 'out': 'boolean' needs 'true' and 'false'"},
      {"{from: userName, transform: [{lookup: {default: x}}]}",
       "m.yaml:5:50: target 't' attribute 'out': 'lookup' needs exactly one of 'table' or 'file'"},
      {"{from: userName, transform: [{lookup: {table: {a: b, a: c}}}]}",
       "m.yaml:5:65: target 't' attribute 'out': 'a' is in the table twice"},
      {"{from: userName, transform: [{lookup: {table: {a: b}, default: x, missing: keep}}]}",
       "m.yaml:5:87: target 't' attribute 'out': 'missing' has no effect next to 'default'; remove one of them"},
      {"{from: userName, transform: [{lookup: {table: {a: b}, missing: sometimes}}]}",
       "m.yaml:5:75: target 't' attribute 'out': 'missing' must be keep, drop or error"},
      {"{from: userName, transform: [{lookup: {file: nowhere.csv}}]}",
       "m.yaml:5:57: target 't' attribute 'out': cannot read the lookup file 'nowhere.csv'"},
  };
  for (const auto& c : cases) EXPECT_EQ(errors_of(one_rule(c.rule)), std::vector<std::string>{c.error}) << c.rule;
}

TEST(Transforms, LookupFileErrorsNameTheFileAndLine) {
  const std::string dir = std::string(IDB_SOURCE_DIR) + "/tests/mapping/data/";
  const auto errors = [&](const std::string& csv) {
    return errors_of(one_rule("{from: userName, transform: [{lookup: {file: " + csv + "}}]}"), kCloud, dir + "m.yaml");
  };
  EXPECT_EQ(errors("bad_columns.csv"),
            std::vector<std::string>{dir + "m.yaml:5:57: target 't' attribute 'out': " + dir +
                                     "bad_columns.csv:3: a lookup row has 2 fields (value,replacement), this one has 3"});
  EXPECT_EQ(errors("bad_quote.csv"),
            std::vector<std::string>{dir + "m.yaml:5:57: target 't' attribute 'out': " + dir +
                                     "bad_quote.csv:2: text after a closing quote"});
  EXPECT_EQ(errors("duplicate.csv"),
            std::vector<std::string>{dir + "m.yaml:5:57: target 't' attribute 'out': " + dir +
                                     "duplicate.csv:5: 'Sales' is in the table twice"});
}

TEST(Transforms, UnicodeComesThroughEveryTransformWholeCodePointsIntact) {
  // Combining marks (e + U+0301), an emoji with a skin-tone modifier, Hebrew (RTL), Chinese.
  const json user = json::parse(R"({"userName": "u", "nickName": "e\u0301cole", "displayName": "Zoë Ünal",
    "title": "שלום עולם", "name": {"givenName": "👍🏽Ann", "familyName": "欧阳"},
    "emails": [{"value": "甲@例子.中国"}, {"value": "乙@例子.中国"}]})");
  run_cases(
      {
          {"{from: nickName, transform: [upper]}", Values{"E\u0301COLE"}},
          {"{from: nickName, transform: [{truncate: 2}]}", Values{"e\u0301"}},
          // Code points, not graphemes: the mark is a code point of its own.
          {"{from: nickName, transform: [{truncate: 1}]}", Values{"e"}},
          {"{from: nickName, transform: [{substring: {start: 1, length: 1}}]}", Values{"\u0301"}},
          {"{from: name.givenName, transform: [{truncate: 1}]}", Values{"👍"}},
          {"{from: name.givenName, transform: [{truncate: 2}, upper]}", Values{"👍🏽"}},
          {"{from: name.givenName, transform: [lower]}", Values{"👍🏽ann"}},
          {"{from: name.givenName, transform: [{replace: {pattern: '^.', with: X}}]}", Values{"X🏽Ann"}},
          {"{from: displayName, transform: [lower]}", Values{"zoë Ünal"}},  // ASCII letters only
          {"{from: displayName, transform: [upper]}", Values{"ZOë ÜNAL"}},
          {"{from: title, transform: [{replace: {pattern: 'ו', with: o}}]}", Values{"שלoם עoלם"}},
          {"{from: title, transform: [{split: ' '}, {truncate: 3}]}", Values{"שלו", "עול"}},
          {"{from: title, transform: [{split: ' '}, {join: '、'}]}", Values{"שלום、עולם"}},
          {"{from: name.familyName, transform: [{substring: {start: 1, length: 5}}]}", Values{"阳"}},
          {"{from: name.familyName, transform: [sha256]}",
           Values{"1340558609b818387d21eb2f9a0045bd589bc00fe8fe2a82780bd644b51c6445"}},
          {"{from: name.familyName, transform: [{lookup: {table: {欧阳: Ouyang}}}]}", Values{"Ouyang"}},
          {"{from: name.middleName, transform: [{default: 无}]}", Values{"无"}},
          {"{from: emails.value, all: true, transform: [{join: '；'}]}", Values{"甲@例子.中国；乙@例子.中国"}},
          {"{template: '{name.familyName}·{name.givenName}', transform: [{truncate: 4}]}", Values{"欧阳·👍"}},
      },
      user);
}

}  // namespace
