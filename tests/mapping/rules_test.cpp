// Conditions, scope, ownership, correlation keys, target limits and explain,
// with exact results and exact errors.
#include <gtest/gtest.h>

#include "tests/mapping/mapping_fixture.h"

using namespace idb::mapping;
using namespace idb::mapping::test;
using nlohmann::json;

namespace {

const json kEmployee = json::parse(R"({"userName": "zoë", "userType": "Employee", "active": true, "title": "מהנדסת",
  "emails": [{"value": "zoe@example.org", "type": "work"}],
  "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D", "employeeNumber": "42"}})");
const json kContractor = json::parse(R"({"userName": "sam", "userType": "Contractor", "active": false})");

TargetMapping load_one(const std::string& yaml) {
  auto loaded = parse(yaml, "m.yaml", kCloud);
  EXPECT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  return loaded.targets.at("t");
}

TEST(Rules, WhenConditionsUseScimFilters) {
  const auto m = load_one(R"(targets:
  t:
    key: "{userName}"
    attributes:
      title: {from: title, when: 'userType eq "Employee" and emails[type eq "work"]'}
      status: {value: inactive, when: 'not (active eq true)'}
      dept: {from: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department', when: 'userType pr'}
)");
  const auto e = std::get<Desired>(m.apply(kEmployee));
  EXPECT_EQ(e.attributes.at("title"), Values{"מהנדסת"});
  EXPECT_EQ(e.attributes.at("status"), Values{});  // condition false: managed and must be absent
  EXPECT_EQ(e.attributes.at("dept"), Values{"R&D"});
  const auto c = std::get<Desired>(m.apply(kContractor));
  EXPECT_EQ(c.attributes.at("title"), Values{});
  EXPECT_EQ(c.attributes.at("status"), Values{"inactive"});
  EXPECT_EQ(c.attributes.at("dept"), Values{});
}

TEST(Rules, ScopeDecidesWhichUsersATargetReceives) {
  const auto m = load_one(
      "targets:\n  t:\n    key: \"{userName}\"\n    scope: 'userType eq \"Employee\" and active eq true'\n"
      "    attributes:\n      uid: userName\n");
  EXPECT_EQ(std::get<Desired>(m.apply(kEmployee)).key, "zoë");
  // Not an error: an answer of its own, naming the filter (the lifecycle decides what follows).
  EXPECT_EQ(std::get<OutOfScope>(m.apply(kContractor)).scope, "userType eq \"Employee\" and active eq true");
  // Decided before anything else: a user out of scope whose key cannot be built is still only out of scope.
  EXPECT_TRUE(std::holds_alternative<OutOfScope>(m.apply(json{{"userType", "Contractor"}})));
}

TEST(Rules, OwnershipAndCorrelationKeysAreExposed) {
  const auto m = load_one(R"(targets:
  t:
    key: "{userName}"
    correlate: [employeeId, email]
    attributes:
      employeeId: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber
      email: emails.value
      nickname: {from: nickName, authoritative: target}
      password: {value: changeme, authoritative: create_only}
      notes: {from: title, authoritative: manual}
)");
  EXPECT_EQ(m.correlation_keys(), (std::vector<std::string>{"employeeId", "email"}));
  EXPECT_EQ(m.authority("EMPLOYEEID"), Authority::source);
  EXPECT_EQ(m.authority("nickname"), Authority::target);
  EXPECT_EQ(m.authority("password"), Authority::create_only);
  EXPECT_EQ(m.authority("notes"), Authority::manual);
  EXPECT_EQ(m.authority("unmapped"), Authority::source);
}

TEST(Rules, TargetLimitsAreCheckedPerUser) {
  const auto m = load_one(R"(targets:
  t:
    key: "{userName}"
    schema:
      login: {max_length: 3, required: true}
      number: {type: integer}
      flag: {type: boolean}
      groups: {multi_valued: true, max_length: 20}
    attributes:
      login: [nickName, userName]
      number: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber
      flag: active
      groups: {from: emails.value, all: true}
)");
  const auto ok = std::get<Desired>(m.apply(kEmployee));  // "zoë" is 3 code points, 4 bytes
  EXPECT_EQ(ok.attributes.at("login"), Values{"zoë"});
  EXPECT_EQ(ok.attributes.at("number"), Values{"42"});
  EXPECT_EQ(ok.attributes.at("flag"), Values{"TRUE"});
  EXPECT_EQ(ok.attributes.at("groups"), Values{"zoe@example.org"});
  struct Case {
    json user;
    std::string error;
  } cases[] = {
      {{{"userName", "李小龙🐉"}}, "target 't' attribute 'login': the target refuses it: '李小龙🐉' is 4 characters long; at most 3 fit"},
      {{{"userName", "ab"}, {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User", {{"employeeNumber", "E-42"}}}},
       "target 't' attribute 'number': the target refuses it: 'E-42' is not an integer"},
      {{{"userName", "ab"}, {"active", "yes"}}, "target 't' attribute 'flag': the target refuses it: 'yes' is not a boolean (TRUE or FALSE)"},
      {{{"userName", "ab"}, {"emails", {{{"value", "a-very-long-address@example.org"}}}}},
       "target 't' attribute 'groups': the target refuses it: 'a-very-long-address@example.org' is 31 characters long; "
       "at most 20 fit"},
  };
  for (const auto& c : cases) EXPECT_EQ(std::get<std::string>(m.apply(c.user)), c.error) << c.user.dump();

  const auto required = load_one(
      "targets:\n  t:\n    key: k\n    schema:\n      login: {required: true}\n    attributes:\n      login: nickName\n");
  EXPECT_EQ(std::get<std::string>(required.apply(kEmployee)),
            "target 't' attribute 'login': the target refuses it: a value is required");
}

TEST(Rules, EveryLanguageErrorIsLocated) {
  struct Case {
    std::string yaml;
    std::vector<std::string> errors;
  } cases[] = {
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: name.givnName\n",
       {"m.yaml:5:10: target 't' attribute 'a': 'name' has no sub-attribute 'givnName' (known: formatted, familyName, "
        "givenName, middleName, honorificPrefix, honorificSuffix)"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: usrName\n",
       {"m.yaml:5:10: target 't' attribute 'a': unknown attribute 'usrName' in the SCIM User schema (an attribute of "
        "your own needs its extension URN)"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:dept\n",
       {"m.yaml:5:10: target 't' attribute 'a': unknown attribute 'dept' in the enterprise User extension"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: \"{name.givenName} {name.lastName}\"\n",
       {"m.yaml:5:29: target 't' attribute 'a': 'name' has no sub-attribute 'lastName' (known: formatted, familyName, "
        "givenName, middleName, honorificPrefix, honorificSuffix)"}},
      {"targets:\n  t:\n    key: \"{userName.x}\"\n    attributes: {}\n",
       {"m.yaml:3:12: target 't' key: 'userName' has no sub-attributes"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: {from: title, when: 'userType eq'}\n",
       {"m.yaml:5:42: target 't' attribute 'a' 'when': invalid filter: expected a value"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: {from: title, when: 'usertype eq \"x\" or departmnt pr'}\n",
       {"m.yaml:5:30: target 't' attribute 'a' 'when': unknown attribute 'departmnt' in the SCIM User schema (an "
        "attribute of your own needs its extension URN)"}},
      {"targets:\n  t:\n    key: k\n    scope: [a]\n    attributes: {}\n",
       {"m.yaml:4:12: target 't' scope must be a string"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: [{value: x}, title]\n",
       {"m.yaml:5:11: target 't' attribute 'a': expected a SCIM attribute path or a template"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: {value: [x], authoritative: always}\n",
       {"m.yaml:5:38: target 't' attribute 'a': 'authoritative' must be source, target, create_only or manual"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: {from: title, secret: yes please}\n",
       {"m.yaml:5:32: target 't' attribute 'a': 'secret' must be true or false"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: {from: title, secret: [true]}\n",
       {"m.yaml:5:32: target 't' attribute 'a': 'secret' must be true or false"}},
      {"targets:\n  t:\n    key: k\n    attributes:\n      a: {from: title, secret: {}}\n      b: {secret: true}\n",
       {"m.yaml:5:32: target 't' attribute 'a': 'secret' must be true or false",
        "m.yaml:6:10: target 't' attribute 'b': needs exactly one of 'from', 'template' or 'value'"}},
      {"targets:\n  t:\n    key: k\n    correlate: [a, b, A]\n    attributes:\n      a: userName\n",
       {"m.yaml:4:20: target 't': correlation key 'b' is not an attribute of this mapping",
        "m.yaml:4:23: target 't': correlation key 'A' is listed twice"}},
      {"targets:\n  t:\n    key: k\n    schema:\n      a: {type: date, max_length: x, colour: red}\n    attributes: {}\n",
       {"m.yaml:5:38: target 't' schema 'a': unknown key 'colour' (known: type, max_length, enum, required, "
        "multi_valued)",
        "m.yaml:5:17: target 't' schema 'a': 'type' must be string, integer or boolean",
        "m.yaml:5:35: target 't' schema 'a': 'max_length' must be a whole number"}},
      {"targets:\n  t:\n    key: k\n    schema:\n      a: {}\n      A: {type: integer}\n    attributes: {}\n",
       {"m.yaml:6:7: target 't': duplicate schema attribute 'A' (first at line 5)"}},
      {"targets:\n  t:\n    key: k\n    schema:\n      a: {required: true}\n    attributes: {}\n",
       {"m.yaml:5:7: target 't': the schema requires 'a' but no rule maps it"}},
      {"targets:\n  t:\n    key: k\n    schema:\n      a: {max_length: 2, enum: [ok, long]}\n    attributes: {}\n",
       {"m.yaml:5:32: target 't' schema 'a': the enum value 'long' is 4 characters long; at most 2 fit"}},
  };
  for (const auto& c : cases) EXPECT_EQ(errors_of(c.yaml), c.errors) << c.yaml;
}

TEST(Rules, ValuesTheTargetCannotAcceptAreLoadErrorsWhenKnowable) {
  struct Case {
    std::string rule;
    std::string error;
  } cases[] = {
      {"{value: Suspended}",
       "m.yaml:7:7: target 't' attribute 'status': can produce a value the target refuses: 'Suspended' is not one of "
       "the allowed values (active, disabled)"},
      {"{from: active, transform: [{boolean: {true: active, false: Suspended}}]}",
       "m.yaml:7:7: target 't' attribute 'status': can produce a value the target refuses: 'Suspended' is not one of "
       "the allowed values (active, disabled)"},
      {"{from: userType, transform: [{lookup: {table: {Employee: Active, Contractor: disabled}}}, lower]}", ""},
      {"{from: userType, transform: [{lookup: {table: {Employee: active}, default: gone}}]}",
       "m.yaml:7:7: target 't' attribute 'status': can produce a value the target refuses: 'gone' is not one of the "
       "allowed values (active, disabled)"},
      {"{from: userType, transform: [{lookup: {table: {Employee: active}, missing: keep}}]}", ""},  // unknowable
      {"{from: emails.value, all: true}",
       "m.yaml:7:7: target 't' attribute 'status': can produce several values, but the target's schema holds one (set "
       "multi_valued: true, or join them)"},
      {"{from: emails.value, all: true, transform: [{join: ','}, {split: ','}]}",
       "m.yaml:7:7: target 't' attribute 'status': can produce several values, but the target's schema holds one (set "
       "multi_valued: true, or join them)"},
      {"{from: emails.value, all: true, transform: [{join: ','}]}", ""},
      {"{value: active, transform: upper}",
       "m.yaml:7:7: target 't' attribute 'status': can produce a value the target refuses: 'ACTIVE' is not one of "
       "the allowed values (active, disabled)"},
  };
  for (const auto& c : cases) {
    const std::string yaml = "targets:\n  t:\n    key: k\n    schema:\n      status: {enum: [active, disabled]}\n"
                             "    attributes:\n      status: " + c.rule + "\n";
    EXPECT_EQ(errors_of(yaml), c.error.empty() ? std::vector<std::string>{} : std::vector<std::string>{c.error}) << c.rule;
  }
}

TEST(Rules, ExplainTellsWhereEveryValueCameFrom) {
  const auto m = load_one(R"(targets:
  t:
    key: "{userName}"
    scope: active eq true
    attributes:
      cn: ["{name.givenName} {name.familyName}", displayName, userName]
      mail: {from: 'emails[type eq "work"].value', transform: [upper, {truncate: 5}], authoritative: target}
      title: {from: title, when: 'userType eq "Contractor"'}
      phone: {from: phoneNumbers.value, transform: [{phone: US}]}
)");
  const json user = {{"userName", "zoë"}, {"active", true}, {"emails", {{{"value", "zoe@x.org"}, {"type", "work"}}}},
                     {"phoneNumbers", {{{"value", "12"}}}}};
  const Explanation ex = m.explain(user);
  EXPECT_EQ(ex.target, "t");
  EXPECT_EQ(ex.scope, "active eq true");
  EXPECT_TRUE(ex.in_scope);
  EXPECT_EQ(ex.key, "zoë");
  EXPECT_EQ(ex.error, "target 't' attribute 'phone': transform 'phone US': '12' is not a phone number: a North "
                      "American number has 10 digits");
  EXPECT_EQ(ex.error, std::get<std::string>(m.apply(user)));  // explain and apply agree
  ASSERT_EQ(ex.attributes.size(), 4u);
  const auto& cn = ex.attributes[0];
  EXPECT_EQ(cn.attribute, "cn");
  EXPECT_EQ(cn.rule_at, "m.yaml:6:7");
  EXPECT_EQ(cn.alternative, 3u);
  EXPECT_EQ(cn.source, "userName");
  EXPECT_EQ(cn.values, Values{"zoë"});
  const auto& mail = ex.attributes[1];
  EXPECT_EQ(mail.found, Values{"zoe@x.org"});
  EXPECT_EQ(mail.transforms, (std::vector<std::string>{"upper", "truncate 5"}));
  EXPECT_EQ(mail.values, Values{"ZOE@X"});
  EXPECT_EQ(mail.authority, Authority::target);
  const auto& title = ex.attributes[2];
  EXPECT_EQ(title.condition, "userType eq \"Contractor\"");
  EXPECT_FALSE(title.condition_met);
  EXPECT_EQ(title.alternative, 0u);
  EXPECT_EQ(title.values, Values{});
  EXPECT_EQ(ex.attributes[3].error, "transform 'phone US': '12' is not a phone number: a North American number has 10 digits");

  const Explanation out = m.explain({{"userName", "x"}, {"active", false}});
  EXPECT_FALSE(out.in_scope);
  EXPECT_EQ(out.error, "the user is outside the scope of target 't' (active eq true)");
  EXPECT_EQ(out.attributes.size(), 4u);  // still shows what would be written
}

TEST(Rules, ConditionsThatCanNeverHoldAreLoadErrors) {
  const auto when = [](const std::string& filter) {
    return errors_of("targets:\n  t:\n    key: k\n    attributes:\n      a: {value: x, when: '" + filter + "'}\n");
  };
  const std::string at = "m.yaml:5:27: target 't' attribute 'a' 'when': can never be true: ";
  struct Case {
    std::string filter;
    std::string why;  // empty: some user meets it
  } cases[] = {
      {"active eq true and active eq false", "'active eq true' and 'active eq false' cannot both hold"},
      {R"f(userType eq "A" and not (userType eq "A"))f",
       R"f('userType eq "A"' and 'not (userType eq "A")' cannot both hold)f"},
      {"title pr and not (title pr)", "'title pr' and 'not (title pr)' cannot both hold"},
      {R"f(not (title pr) and title sw "Dr")f", R"f('not (title pr)' and 'title sw "Dr"' cannot both hold)f"},
      {R"f(userType eq "a" and userType ne "A")f", R"f('userType eq "a"' and 'userType ne "A"' cannot both hold)f"},
      {R"f(name.givenName eq "Ann" and name.givenName eq "Bo")f",
       R"f('name.givenName eq "Ann"' and 'name.givenName eq "Bo"' cannot both hold)f"},
      {R"f(not (userType ne "x" or title pr) and title eq "y")f",
       R"f('not (title pr)' and 'title eq "y"' cannot both hold)f"},
      {R"f(active eq "yes")f", R"f('active eq "yes"' never holds: 'active' is a boolean, "yes" is not)f"},
      {"userName eq 5", "'userName eq 5' never holds: 'userName' is a string, 5 is not"},
      {"active gt false", "'active gt false' never holds: a boolean has no order"},
      {R"f(active eq 1 or userName eq true)f",
       "'active eq 1' never holds: 'active' is a boolean, 1 is not; 'userName eq true' never holds: 'userName' is a "
       "string, true is not"},
      // Some user meets these.
      {R"f(emails.value eq "a@x" and emails.value eq "b@x")f", ""},  // several emails
      {R"f(emails[type eq "work"] and emails[type eq "home"])f", ""},
      {R"f(userType eq "A" or userType eq "B")f", ""},
      {"not (active eq true) and not (active eq false)", ""},  // active absent
      {R"f(userType ne "A" and userType ne "B")f", ""},
      {R"f(name.givenName eq "Ann" and name.familyName eq "Bo")f", ""},
      {R"f(urn:example:params:1.0:User:level eq 1 and urn:example:params:1.0:User:level eq 2)f", ""},  // not known
      {R"f(meta.lastModified gt "2024-01-01T00:00:00Z" and active eq true)f", ""},
  };
  for (const auto& c : cases) {
    EXPECT_EQ(when(c.filter), c.why.empty() ? std::vector<std::string>{} : std::vector<std::string>{at + c.why})
        << c.filter;
  }
}

TEST(Rules, AConditionOutsideItsTargetsScopeAndAnEmptyScopeAreLoadErrors) {
  EXPECT_EQ(errors_of("targets:\n  t:\n    key: k\n    scope: 'userType eq \"Employee\"'\n    attributes:\n"
                      "      a: {value: x, when: 'userType eq \"Contractor\" and active eq true'}\n"
                      "      b: {value: y, when: 'userType eq \"employee\"'}\n"),
            std::vector<std::string>{
                "m.yaml:6:27: target 't' attribute 'a' 'when': can never be true for a user in the target's scope "
                "(userType eq \"Employee\"): 'userType eq \"Employee\"' and 'userType eq \"Contractor\"' cannot both "
                "hold"});
  EXPECT_EQ(errors_of("targets:\n  t:\n    key: k\n    scope: 'active eq true and not (active pr)'\n    attributes: {}\n"),
            std::vector<std::string>{"m.yaml:4:12: target 't' scope: can never be true: 'active eq true' and "
                                     "'not (active pr)' cannot both hold"});
}

TEST(Rules, GroupMembershipsAreAValueSource) {
  // User.groups as the SCIM endpoint computes it from Group membership (direct and inherited).
  const json member = json::parse(R"({"userName": "ann", "groups": [
    {"value": "g1", "display": "Admins", "type": "direct"},
    {"value": "g2", "display": "Engineering", "type": "indirect"}]})");
  const json loner = json::parse(R"({"userName": "bo"})");
  const auto m = load_one(R"(targets:
  t:
    key: "{userName}"
    attributes:
      memberOf: {from: groups.display, all: true}
      firstGroup: groups.display
      admin: {value: "yes", when: 'groups[display eq "Admins"]'}
      adminGroupId: 'groups[display eq "Admins"].value'
      direct: {from: 'groups[type eq "direct"].display', all: true}
      teams: {from: groups.display, all: true, transform: [lower, {join: ";"}]}
)");
  const auto a = std::get<Desired>(m.apply(member));
  EXPECT_EQ(a.attributes.at("memberOf"), (Values{"Admins", "Engineering"}));
  EXPECT_EQ(a.attributes.at("firstGroup"), Values{"Admins"});
  EXPECT_EQ(a.attributes.at("admin"), Values{"yes"});
  EXPECT_EQ(a.attributes.at("adminGroupId"), Values{"g1"});
  EXPECT_EQ(a.attributes.at("direct"), Values{"Admins"});
  EXPECT_EQ(a.attributes.at("teams"), Values{"admins;engineering"});
  const auto b = std::get<Desired>(m.apply(loner));  // in no group: every one of them must be absent
  for (const char* attribute : {"memberOf", "firstGroup", "admin", "adminGroupId", "direct", "teams"}) {
    EXPECT_EQ(b.attributes.at(attribute), Values{}) << attribute;
  }
}

// `secret:` marks an attribute whatever its name (and unmarks one that only
// looks like a secret); a secret's errors name the target, attribute and
// step or limit, never the value nor a step's arguments.
TEST(Rules, ASecretIsWhatTheMappingSaysAndItsErrorsQuoteNoValue) {
  const auto m = load_one(R"(targets:
  t:
    key: "{userName}"
    schema:
      badge: {type: integer}
      plainBadge: {type: integer}
    attributes:
      hrPin: {from: title, transform: [trim, {date: {from: '%Y-%m-%d', to: '%Y%m%d'}}], secret: true}
      hrDate: {from: title, transform: [{date: {from: '%Y-%m-%d', to: '%Y%m%d'}}]}
      badge: {from: title, secret: true}
      plainBadge: title
      recovery: {from: title, transform: [{lookup: {table: {a: b}}}], secret: true}
      userPassword: {value: x}
      next_login_change_password: {value: "true", secret: false}
)");
  const auto& secrets = m.secrets();
  for (const char* secret : {"hrPin", "badge", "recovery", "userPassword", "HRPIN"}) {
    EXPECT_TRUE(secrets(secret)) << secret;
  }
  for (const char* plain : {"hrDate", "plainBadge", "next_login_change_password", "uid"}) {
    EXPECT_FALSE(secrets(plain)) << plain;
  }
  EXPECT_TRUE(secrets("api_token")) << "not in the mapping: the name decides";

  const std::string title = kEmployee["title"];
  const Explanation ex = m.explain(kEmployee);
  std::map<std::string, AttributeTrace> traces;
  for (const auto& a : ex.attributes) traces[a.attribute] = a;
  EXPECT_EQ(traces["hrPin"].error, "transform 'date' failed on the value (a secret, not shown)");
  EXPECT_EQ(traces["recovery"].error, "transform 'lookup' failed on the value (a secret, not shown)");
  EXPECT_EQ(traces["badge"].error, "the target refuses it: the value (a secret, not shown) is not an integer");
  EXPECT_EQ(traces["hrDate"].error,
            "transform 'date '%Y-%m-%d' -> '%Y%m%d'': '" + title + "' does not match the date format '%Y-%m-%d'");
  EXPECT_EQ(traces["plainBadge"].error, "the target refuses it: '" + title + "' is not an integer");
  EXPECT_TRUE(traces["hrPin"].secret);
  EXPECT_TRUE(traces["userPassword"].secret);
  EXPECT_FALSE(traces["hrDate"].secret);
  EXPECT_FALSE(traces["next_login_change_password"].secret);
  EXPECT_EQ(ex.error, "target 't' attribute 'hrPin': transform 'date' failed on the value (a secret, not shown)");
  EXPECT_EQ(std::get<std::string>(m.apply(kEmployee)), ex.error);
}

// A value the loader can tell a secret's schema refuses is reported without it.
TEST(Rules, ASecretConstantTheSchemaRefusesIsALoadErrorWithoutItsValue) {
  EXPECT_EQ(errors_of("targets:\n  t:\n    key: k\n    schema:\n      pin: {max_length: 4}\n"
                      "    attributes:\n      pin: {value: Hunter22, secret: true}\n"),
            std::vector<std::string>{"m.yaml:7:7: target 't' attribute 'pin': can produce a value the target refuses: "
                                     "the value (a secret, not shown) is 8 characters long; at most 4 fit"});
}

}  // namespace
