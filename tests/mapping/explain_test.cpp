// `idbridge explain` on the quickstart config: exact text and JSON, and every
// request error.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "daemon/explain.h"

using idb::daemon::ExplainRequest;
using nlohmann::json;

namespace {

const std::string kSource = IDB_SOURCE_DIR;

idb::config::Config quickstart() {
  auto loaded = idb::config::load(kSource + "/examples/quickstart.yaml", [](const std::string& name) {
    return std::optional<std::string>(name == "IDBRIDGE_LDAP_URL" ? "ldap://127.0.0.1:1" : "not-a-real-secret");
  });
  EXPECT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  return *loaded.config;
}

struct Run {
  int status;
  std::string out, err;
};

Run explain(const ExplainRequest& request) {
  std::ostringstream out, err;
  const int status = idb::daemon::explain(quickstart(), request, out, err);
  return {status, out.str(), err.str()};
}

TEST(Explain, TextShowsEveryAttributeAndWhereItCameFrom) {
  const auto run = explain({kSource + "/examples/users/li.wei.json", "ldap", "text"});
  EXPECT_EQ(run.status, 0);
  EXPECT_EQ(run.err, "");
  const std::string m = kSource + "/examples/mappings/quickstart.yaml";
  EXPECT_EQ(run.out, "target 'ldap'\n"
                     "  key: uid=li.wei,ou=people,dc=example,dc=org\n"
                     "  uid = [\"li.wei\"]\n"
                     "      from alternative 1: userName -> [\"li.wei\"]\n"
                     "      rule at " + m + ":8:7\n"
                     "  givenName = [\"伟\"]\n"
                     "      from alternative 1: name.givenName -> [\"伟\"]\n"
                     "      rule at " + m + ":9:7\n"
                     "  sn = [\"李\"]\n"
                     "      from alternative 1: name.familyName -> [\"李\"]\n"
                     "      rule at " + m + ":10:7\n"
                     "  cn = [\"伟 李\"]\n"
                     "      from alternative 1: {name.givenName} {name.familyName} -> [\"伟 李\"]\n"
                     "      rule at " + m + ":11:7\n"
                     "  displayName = [\"伟 李\"]\n"
                     "      from alternative 2: {name.givenName} {name.familyName} -> [\"伟 李\"]\n"
                     "      rule at " + m + ":12:7\n"
                     "  mail = [\"li.wei@example.org\"]\n"
                     "      from alternative 1: emails[primary eq true].value -> [\"li.wei@example.org\"]\n"
                     "      rule at " + m + ":13:7\n"
                     "  telephoneNumber = [\"+86-10-5555-0105\"]\n"
                     "      from alternative 1: phoneNumbers[type eq \"work\"].value -> [\"+86-10-5555-0105\"]\n"
                     "      rule at " + m + ":14:7\n"
                     "  title = (no value)\n"
                     "      no alternative has a value for this user\n"
                     "      rule at " + m + ":15:7\n"
                     "  employeeNumber = [\"E1005\"]\n"
                     "      from alternative 1: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber "
                     "-> [\"E1005\"]\n"
                     "      rule at " + m + ":16:7\n"
                     "  departmentNumber = [\"研发部\"]\n"
                     "      from alternative 1: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department "
                     "-> [\"研发部\"]\n"
                     "      rule at " + m + ":17:7\n"
                     "  o = [\"Example Org\"]\n"
                     "      from alternative 1: value: Example Org -> [\"Example Org\"]\n"
                     "      rule at " + m + ":18:7\n"
                     "  result: maps\n");
}

TEST(Explain, JsonCarriesTheSameFacts) {
  const auto run = explain({kSource + "/examples/users/ada.lovelace.json", std::nullopt, "json"});
  EXPECT_EQ(run.status, 0);
  const json doc = json::parse(run.out);
  ASSERT_EQ(doc["targets"].size(), 1u);
  const json& t = doc["targets"][0];
  EXPECT_EQ(t["target"], "ldap");
  EXPECT_EQ(t["key"], "uid=ada.lovelace,ou=people,dc=example,dc=org");
  EXPECT_EQ(t["in_scope"], true);
  EXPECT_EQ(t["scope"], nullptr);
  EXPECT_EQ(t["error"], nullptr);
  ASSERT_EQ(t["attributes"].size(), 11u);
  EXPECT_EQ(t["attributes"][3], json::parse(R"({"attribute": "cn", "values": ["Ada Lovelace"], "found": ["Ada Lovelace"],
    "alternative": 1, "source": "{name.givenName} {name.familyName}", "transforms": [], "authoritative": "source",
    "rule": ")" + kSource + R"(/examples/mappings/quickstart.yaml:11:7"})"));
  EXPECT_EQ(t["attributes"][7]["values"], json::array());
  EXPECT_EQ(t["attributes"][7]["alternative"], nullptr);
}

TEST(Explain, RequestErrorsAreReportedNotThrown) {
  const std::string dir = kSource + "/tests/mapping/data/";
  struct Case {
    ExplainRequest request;
    std::string err;
  } cases[] = {
      {{kSource + "/examples/users/li.wei.json", "nowhere", "text"}, "idbridge: no target named 'nowhere' (known: ldap)\n"},
      {{kSource + "/examples/users/li.wei.json", std::nullopt, "yaml"}, "idbridge: --format must be text or json\n"},
      {{dir + "missing.json", std::nullopt, "text"}, dir + "missing.json: cannot read the user file\n"},
      {{dir + "not_a_user.json", std::nullopt, "text"}, dir + "not_a_user.json: not a valid SCIM User: 'userName' must be a string\n"},
      {{dir + "departments.csv", std::nullopt, "text"},
       dir + "departments.csv: not JSON: [json.exception.parse_error.101] parse error at line 1, column 1: syntax error "
             "while parsing value - invalid literal; last read: '\xE7'\n"},
  };
  for (const auto& c : cases) {
    const auto run = explain(c.request);
    EXPECT_EQ(run.status, 2);
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, c.err);
  }
}

}  // namespace

// The quickstart mapping with a PIN the mapping marks secret, named like no
// password: explain shows its rule and never its value, nor quotes the value
// in the error a bad one makes.
TEST(Explain, AnAttributeTheMappingMarksSecretShowsNoValue) {
  auto config = quickstart();
  const auto dir = std::filesystem::temp_directory_path() / ("idb-explain-secret-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::string mapping;
  {
    std::ifstream in(config.mapping_file);
    mapping.assign(std::istreambuf_iterator<char>(in), {});
  }
  mapping += "      roomNumber: {from: nickName, transform: [{date: {from: '%Y', to: '%Y'}}], secret: true}\n"
             "      carLicense: {from: nickName, secret: true}\n";
  config.mapping_file = dir / "mapping.yaml";
  std::ofstream(config.mapping_file) << mapping;
  const std::string user = (dir / "user.json").string();
  std::ofstream(user) << R"({"userName": "pin.holder", "nickName": "Secret-Nick-7731"})";
  std::ostringstream text, js, err;
  EXPECT_EQ(idb::daemon::explain(config, {user, "ldap", "text"}, text, err), 0) << err.str();
  EXPECT_EQ(idb::daemon::explain(config, {user, "ldap", "json"}, js, err), 0) << err.str();
  std::filesystem::remove_all(dir);
  for (const std::string& out : {text.str(), js.str()}) {
    EXPECT_EQ(out.find("Secret-Nick-7731"), std::string::npos) << out;
    EXPECT_NE(out.find("carLicense"), std::string::npos) << out;
  }
  EXPECT_NE(text.str().find("  carLicense = [\"********\"]\n      from alternative 1: ******** -> [\"********\"]\n"),
            std::string::npos)
      << text.str();
  EXPECT_NE(text.str().find("  roomNumber = [\"********\"]\n      from alternative 1: ******** -> [\"********\"]\n"
                            "      transforms: date\n"
                            "      ERROR: transform 'date' failed on the value (a secret, not shown)\n"),
            std::string::npos)
      << text.str();
  const json doc = json::parse(js.str());
  EXPECT_EQ(doc["targets"][0]["error"],
            "target 'ldap' attribute 'roomNumber': transform 'date' failed on the value (a secret, not shown)");
}

TEST(Explain, ASecretAttributeShowsItsRuleNeverItsValue) {
  idb::mapping::AttributeTrace password;
  password.attribute = "userPassword";
  password.secret = true;  // as the mapping says (TargetMapping::explain)
  password.rule_at = "m.yaml:9:7";
  password.source = "value: Initial-pa55word";
  password.alternative = 1;
  password.found = password.values = {"Initial-pa55word"};
  password.transforms = {"default 'Fallback-pa55'"};
  idb::mapping::Explanation explanation;
  explanation.target = "ldap";
  explanation.key = "uid=ada,dc=x";
  explanation.attributes = {password};
  const std::vector<idb::mapping::Explanation> explained{explanation};
  const std::string text = idb::daemon::explain_text(explained), js = idb::daemon::explain_json(explained).dump();
  for (const std::string* out : {&text, &js}) {
    EXPECT_EQ(out->find("pa55"), std::string::npos) << *out;
    EXPECT_NE(out->find("userPassword"), std::string::npos) << *out;
  }
  EXPECT_NE(text.find("  userPassword = [\"********\"]\n      from alternative 1: ******** -> [\"********\"]\n"
                      "      transforms: default\n      rule at m.yaml:9:7\n"),
            std::string::npos)
      << text;
}
