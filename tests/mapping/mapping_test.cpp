#include "mapping/group_mapping.h"
#include "mapping/mapping.h"

#include <fstream>

#include <gtest/gtest.h>

using namespace idb::mapping;
using nlohmann::json;

namespace {

const std::vector<TargetRef> kTargets = {{"ldap", "ldap", [](std::string_view v) {
                                            std::string out;
                                            for (char c : v) out += (c == ',' ? "\\," : std::string(1, c));
                                            return out;
                                          }}};

std::vector<std::string> errors_of(const std::string& yaml, const std::vector<TargetRef>& targets = kTargets) {
  std::vector<std::string> out;
  for (const auto& e : parse(yaml, "m.yaml", targets).errors) out.push_back(e.to_string());
  return out;
}

TEST(Mapping, QuickstartExampleMapsAUser) {
  auto loaded = load(std::string(IDB_SOURCE_DIR) + "/examples/mappings/quickstart.yaml", kTargets);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  std::ifstream in(std::string(IDB_SOURCE_DIR) + "/examples/users/ada.lovelace.json");
  const json user = json::parse(in);
  auto result = loaded.targets.at("ldap").apply(user);
  ASSERT_TRUE(std::holds_alternative<Desired>(result)) << std::get<std::string>(result);
  const auto& d = std::get<Desired>(result);
  EXPECT_EQ(d.key, "uid=ada.lovelace,ou=people,dc=example,dc=org");
  EXPECT_EQ(d.attributes.at("uid"), Values{"ada.lovelace"});
  EXPECT_EQ(d.attributes.at("cn"), Values{"Ada Lovelace"});
  EXPECT_EQ(d.attributes.at("SN"), Values{"Lovelace"});  // attribute names are case-insensitive
  EXPECT_EQ(d.attributes.at("mail"), Values{"ada.lovelace@example.org"});
  EXPECT_EQ(d.attributes.at("telephoneNumber"), Values{"+1-555-0101"});
  EXPECT_EQ(d.attributes.at("departmentNumber"), Values{"Analytical Engines"});
  EXPECT_EQ(d.attributes.at("o"), Values{"Example Org"});
  EXPECT_EQ(d.attributes.at("title"), Values{});  // managed but empty: must be absent on the target
  EXPECT_EQ(d.attributes.at("objectClass"), (Values{"top", "person", "organizationalPerson", "inetOrgPerson"}));
}

TEST(Mapping, AlternativesAllValuesConstantsAndKeyEscaping) {
  auto loaded = parse(R"(
targets:
  ldap:
    dn: "cn={displayName},dc=x"
    attributes:
      cn: ["{name.givenName} {name.familyName}", displayName]
      mail: {from: emails.value, all: true}
      single: emails.value
      o: {value: [A, B, A]}
      t: {template: "{userName}"}
)",
                      "m.yaml", kTargets);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const json user = {{"userName", "u"}, {"displayName", "Smith, J"},
                     {"emails", {{{"value", "a@x"}}, {{"value", "b@x"}}, {{"value", "a@x"}}}}};
  const auto d = std::get<Desired>(loaded.targets.at("ldap").apply(user));
  EXPECT_EQ(d.key, "cn=Smith\\, J,dc=x");
  EXPECT_EQ(d.attributes.at("cn"), Values{"Smith, J"});
  EXPECT_EQ(d.attributes.at("mail"), (Values{"a@x", "b@x"}));  // duplicates dropped
  EXPECT_EQ(d.attributes.at("single"), Values{"a@x"});
  EXPECT_EQ(d.attributes.at("o"), (Values{"A", "B"}));
  EXPECT_EQ(d.attributes.at("t"), Values{"u"});
  EXPECT_EQ(loaded.targets.at("ldap").managed_attributes(), (std::vector<std::string>{"cn", "mail", "single", "o", "t"}));

  auto missing_key = loaded.targets.at("ldap").apply(json{{"userName", "u"}});
  ASSERT_TRUE(std::holds_alternative<std::string>(missing_key));
  EXPECT_EQ(std::get<std::string>(missing_key),
            "the account key template of target 'ldap' refers to an attribute this user lacks");
}

TEST(Mapping, EveryLoadErrorIsLocated) {
  struct Case {
    std::string yaml;
    std::vector<std::string> errors;
  } cases[] = {
      {"targets: [", {"m.yaml:1:1: end of sequence flow not found"}},
      {"- a\n", {"m.yaml:1:1: a mapping file is a YAML mapping with a 'targets' key"}},
      {"targets: {}\nextra: 1\n", {"m.yaml:2:1: unknown key 'extra' (known: targets)", "m.yaml:1:10: no mapping for target 'ldap'"}},
      {"targets: 3\n", {"m.yaml:1:10: 'targets' must be a mapping from target name to its rules"}},
      {"targets:\n  ldap:\n    attributes: {}\n", {"m.yaml:3:5: target 'ldap': missing required key 'dn'"}},
      {"targets:\n  ldap:\n    dn: x\n    attributes: {}\n  other:\n    dn: y\n",
       {"m.yaml:5:3: no target named 'other' in the config"}},
      {"targets:\n  ldap:\n    dn: \"uid={userName\"\n    attributes: {}\n",
       {"m.yaml:3:14: target 'ldap' dn: invalid template: unterminated '{'"}},
      {"targets:\n  ldap:\n    dn: x\n    attributes:\n      mail: emails[type eqq \"w\"].value\n",
       {"m.yaml:5:25: target 'ldap' attribute 'mail': invalid attribute path: unknown operator 'eqq'"}},
      {"targets:\n  ldap:\n    dn: x\n    attributes:\n      mail: title\n      MAIL: nickName\n",
       {"m.yaml:6:7: target 'ldap': duplicate attribute 'MAIL' (first at line 5)"}},
      {"targets:\n  ldap:\n    dn: x\n    attributes:\n      mail: {from: title, value: b}\n",
       {"m.yaml:5:13: target 'ldap' attribute 'mail': needs exactly one of 'from', 'template' or 'value'"}},
      {"targets:\n  ldap:\n    dn: x\n    attributes:\n      mail: {form: a}\n",
       {"m.yaml:5:14: target 'ldap' attribute 'mail': unknown key 'form' (known: from, template, value, all, transform, when, authoritative, secret)",
        "m.yaml:5:13: target 'ldap' attribute 'mail': needs exactly one of 'from', 'template' or 'value'"}},
      {"targets:\n  ldap:\n    dn: x\n    attributes:\n      mail: {from: title, all: maybe}\n",
       {"m.yaml:5:32: target 'ldap' attribute 'mail': 'all' must be true or false"}},
      {"targets:\n  ldap:\n    dn: x\n    object_classes: [a]\n    attributes:\n      objectclass: {value: b}\n",
       {"m.yaml:6:7: target 'ldap': objectClass is set by 'object_classes'; remove one of them"}},
      {"targets:\n  ldap:\n    dn: x\n    attributes:\n      mail: [title, {b: c}]\n",
       {"m.yaml:5:21: target 'ldap' attribute 'mail': expected a SCIM attribute path or a template"}},
      {"targets:\n  ldap:\n    dn: x\n    colour: red\n    attributes: []\n",
       {"m.yaml:4:5: target 'ldap': unknown key 'colour' (known: dn, object_classes, scope, correlate, schema, attributes, groups)",
        "m.yaml:5:17: target 'ldap': 'attributes' must be a mapping from target attribute to rule"}},
  };
  for (const auto& c : cases) EXPECT_EQ(errors_of(c.yaml), c.errors) << c.yaml;
}

TEST(Mapping, LdapGroupsAreMappedAndCheckedWhereWritten) {
  auto loaded = parse("targets:\n  ldap:\n    dn: \"uid={userName},dc=x\"\n    attributes: {uid: userName}\n"
                      "    groups:\n      dn: \"cn={displayName},ou=groups,dc=x\"\n      member_attribute: memberUid\n"
                      "      object_classes: [posixGroup]\n      attributes: {gidNumber: externalId}\n",
                      "m.yaml", kTargets);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const GroupMapping* groups = loaded.targets.at("ldap").groups();
  ASSERT_TRUE(groups);
  EXPECT_EQ(groups->member_value, "uid") << "memberUid names members by uid unless told";
  EXPECT_TRUE(groups->may_be_empty());
  const json group{{"displayName", "R&D, EU"}, {"externalId", "5001"}};
  EXPECT_EQ(groups->render_dn(group), "cn=R&D\\, EU,ou=groups,dc=x");
  EXPECT_EQ(groups->render_attributes(group), (Attributes{{"gidNumber", {"5001"}}}));
  EXPECT_EQ(groups->render_dn(json{{"id", "g"}}), std::nullopt);

  EXPECT_EQ(errors_of("targets:\n  ldap:\n    dn: x\n    attributes: {}\n    groups:\n      member: x\n"),
            (std::vector<std::string>{
                "m.yaml:6:7: target 'ldap' groups: unknown key 'member' (known: dn, object_classes, member_attribute, "
                "member_value, attributes)",
                "m.yaml:6:7: target 'ldap' groups: missing required key 'dn'"}));
  EXPECT_EQ(errors_of("targets:\n  authing:\n    key: x\n    attributes: {}\n    groups: {dn: x}\n",
                      {{"authing", "authing", nullptr}}),
            (std::vector<std::string>{"m.yaml:5:5: target 'authing': unknown key 'groups' (known: key, scope, correlate, "
                                      "schema, attributes)"}));
}

// Group rules take `secret:` as user rules do (one reading, mapping/rule_secret.h):
// as written, else what the name says.
TEST(Mapping, GroupAttributesAreSecretAsUserOnesAre) {
  auto loaded = parse("targets:\n  ldap:\n    dn: \"uid={userName},dc=x\"\n    attributes: {uid: userName}\n"
                      "    groups:\n      dn: \"cn={displayName},ou=groups,dc=x\"\n      attributes:\n"
                      "        joinCode: {template: \"{externalId}\", secret: true}\n"
                      "        groupToken: {template: \"{displayName}\", secret: false}\n"
                      "        groupPassword: externalId\n"
                      "        description: displayName\n",
                      "m.yaml", kTargets);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const GroupMapping* groups = loaded.targets.at("ldap").groups();
  ASSERT_TRUE(groups);
  EXPECT_TRUE(groups->secrets("joinCode"));
  EXPECT_FALSE(groups->secrets("groupToken")) << "unmarked by the rule, whatever the name says";
  EXPECT_TRUE(groups->secrets("groupPassword")) << "not marked: the name decides";
  EXPECT_FALSE(groups->secrets("description"));
  EXPECT_EQ(groups->render_attributes(json{{"displayName", "Ops"}, {"externalId", "7"}}),
            (Attributes{{"description", {"Ops"}}, {"groupPassword", {"7"}}, {"groupToken", {"Ops"}}, {"joinCode", {"7"}}}));
  EXPECT_FALSE(loaded.targets.at("ldap").secrets()("joinCode")) << "the user rules' secrets are their own";

  const std::string head = "targets:\n  ldap:\n    dn: x\n    attributes: {}\n    groups:\n      dn: x\n      attributes:\n";
  EXPECT_EQ(errors_of(head + "        a: {template: x, secret: yes please}\n"),
            std::vector<std::string>{"m.yaml:8:34: target 'ldap' groups: attribute 'a': 'secret' must be true or false"});
  EXPECT_EQ(errors_of(head + "        a: {from: x, secret: true}\n"),
            (std::vector<std::string>{
                "m.yaml:8:13: target 'ldap' groups: attribute 'a': unknown key 'from' (known: template, secret)",
                "m.yaml:8:12: target 'ldap' groups: attribute 'a': missing required key 'template'"}));
  EXPECT_EQ(errors_of(head + "        a: [x]\n"),
            std::vector<std::string>{"m.yaml:8:12: target 'ldap' groups: attribute 'a' must be a non-empty string"});
}

TEST(Mapping, NonLdapTargetsUseAPlainKey) {
  const std::vector<TargetRef> cloud = {{"authing", "authing", nullptr}};
  auto loaded = parse("targets:\n  authing:\n    key: \"{externalId}\"\n    attributes:\n      username: userName\n",
                      "m.yaml", cloud);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const auto d = std::get<Desired>(loaded.targets.at("authing").apply(json{{"userName", "a,b"}, {"externalId", "E,1"}}));
  EXPECT_EQ(d.key, "E,1");  // no escaping outside LDAP
  EXPECT_EQ(d.attributes.at("username"), Values{"a,b"});
  EXPECT_EQ(errors_of("targets:\n  authing:\n    dn: x\n    object_classes: [a]\n    attributes: {}\n", cloud),
            (std::vector<std::string>{"m.yaml:3:5: target 'authing': unknown key 'dn' (known: key, scope, correlate, schema, attributes)",
                                      "m.yaml:4:5: target 'authing': unknown key 'object_classes' (known: key, scope, correlate, schema, attributes)",
                                      "m.yaml:3:5: target 'authing': missing required key 'key'"}));
}

TEST(Mapping, UnreadableFileIsAnError) {
  auto loaded = load("/nonexistent/mapping.yaml", kTargets);
  ASSERT_EQ(loaded.errors.size(), 1u);
  EXPECT_EQ(loaded.errors[0].to_string(), "/nonexistent/mapping.yaml: cannot read the mapping file");
  EXPECT_TRUE(loaded.targets.empty());
}

}  // namespace

TEST(Attributes, SecretsAreKnownByTheEndOfTheirName) {
  for (const char* secret : {"userPassword", "unicodePwd", "sambaNTPassword", "authPassword", "password", "PASSWD",
                             "client_secret", "api-token", "recoveryPassphrase"}) {
    EXPECT_TRUE(is_secret_attribute(secret)) << secret;
  }
  for (const char* plain : {"mail", "cn", "set_password_first_login", "password_never_expired", "pwdAccountLockedTime",
                            "employeeType", "secretary", ""}) {
    EXPECT_FALSE(is_secret_attribute(plain)) << plain;
  }
}

TEST(Attributes, ASecretsValuesAreShownAsOnePlaceholderEach) {
  const SecretAttributes by_name;
  EXPECT_EQ(by_name.shown("userPassword", {"a", "b"}), (Values{"********", "********"}));
  EXPECT_EQ(by_name.shown("userPassword", {}), Values{});
  EXPECT_EQ(by_name.shown("cn", {"Ada"}), Values{"Ada"});
}

TEST(Attributes, WhatAMappingMarksWinsOverTheName) {
  SecretAttributes secrets;
  secrets.mark("hrPin", true);
  secrets.mark("next_login_change_password", false);
  EXPECT_TRUE(secrets("HRPIN")) << "names compare case-insensitively";
  EXPECT_FALSE(secrets("next_login_change_password"));
  EXPECT_TRUE(secrets("userPassword")) << "unmarked: the name decides";
  EXPECT_FALSE(secrets("mail"));
  EXPECT_EQ(secrets.shown("hrPin", {"1234"}), Values{"********"});
}
