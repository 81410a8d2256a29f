#include "config/references.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/config/config_fixture.h"

namespace idb::config::testing {

// Table rows live outside the unnamed namespace so that the row printer
// in config_fixture.h is found for them.
struct Expansion {
  const char* name;
  std::string text;
  std::string value;  // when `error` is empty
  std::string error;
};

struct Resolution {
  const char* name;
  std::string base_dn;
  std::string value;  // when `error` is empty; "DIR" stands for the config's folder
  std::string error;
};

namespace {

using ::testing::IsEmpty;

// ---------------------------------------------------------------- expand, with a fake resolver

// Resolves ${k:a} to "<k|a>", and fails on kind "bad".
TextOrError echo(std::string_view kind, std::string_view arg) {
  if (kind == "bad") return {{}, "bad kind"};
  return {"<" + std::string(kind) + "|" + std::string(arg) + ">", std::nullopt};
}

const Expansion kExpansions[] = {
    {"PlainText", "dc=example,dc=org", "dc=example,dc=org", ""},
    {"Empty", "", "", ""},
    {"WholeReference", "${env:A}", "<env|A>", ""},
    {"Embedded", "ldap://${env:HOST}:389", "ldap://<env|HOST>:389", ""},
    {"Adjacent", "${env:A}${file:b}", "<env|A><file|b>", ""},
    {"ArgumentKeepsColons", "${file:/a:b}", "<file|/a:b>", ""},
    {"EscapedReference", "$${env:A}", "${env:A}", ""},
    {"EscapeThenReference", "$${${env:A}", "${<env|A>", ""},
    {"LoneDollars", "a$b$$c$", "a$b$$c$", ""},
    {"LoneBraces", "{x}", "{x}", ""},
    {"Unterminated", "x${env:A", "", "unterminated '${' (write $${ for a literal '${')"},
    {"NoKind", "${A}", "", "malformed reference: expected ${env:NAME} or ${file:PATH}"},
    {"ResolverFailure", "a${bad:x}b", "", "bad kind"},
};

class ExpandTest : public ::testing::TestWithParam<Expansion> {};

TEST_P(ExpandTest, Expands) {
  TextOrError got = expand(GetParam().text, echo);
  EXPECT_EQ(got.error.value_or(""), GetParam().error);
  if (GetParam().error.empty()) {
    EXPECT_EQ(got.text, GetParam().value);
  }
}

INSTANTIATE_TEST_SUITE_P(config_references, ExpandTest, ::testing::ValuesIn(kExpansions),
                         row_name);

TEST(config_references, SingleReferenceIsOneReferenceAndNothingElse) {
  EXPECT_TRUE(is_single_reference("${env:A}"));
  EXPECT_TRUE(is_single_reference("${file:/run/secrets/pw}"));
  EXPECT_FALSE(is_single_reference("hunter2"));
  EXPECT_FALSE(is_single_reference(""));
  EXPECT_FALSE(is_single_reference("${env:A}x"));
  EXPECT_FALSE(is_single_reference("x${env:A}"));
  EXPECT_FALSE(is_single_reference("${env:A}${env:B}"));
  EXPECT_FALSE(is_single_reference("$${env:A}"));
  EXPECT_FALSE(is_single_reference("${env:A"));
}

// ---------------------------------------------------------------- real resolution, through load()

// The reference is written as base_dn, at line 11 column 14 of the config.
std::string config_with_base_dn(const std::string& base_dn) {
  return "scim:\n"
         "  tokens:\n"
         "    - ${env:IDBRIDGE_SCIM_TOKEN}\n"
         "mapping: mappings/quickstart.yaml\n"
         "targets:\n"
         "  - name: ldap\n"
         "    type: ldap\n"
         "    url: ldap://localhost\n"
         "    bind_dn: cn=admin\n"
         "    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}\n"
         "    base_dn: " +
         base_dn + "\n";
}

const Resolution kResolutions[] = {
    {"Env", "dc=${env:DOMAIN},dc=org", "dc=example,dc=org", ""},
    {"EnvSetButEmpty", "dc=${env:EMPTY}x", "dc=x", ""},
    {"Escaped", "$${env:DOMAIN}", "${env:DOMAIN}", ""},
    {"FileRelative", "${file:secrets/lf}", "dc=lf", ""},
    {"FileOnlyOneLineBreakDropped", "${file:secrets/two-lf}", "dc=two\n", ""},
    {"FileCrLfDropped", "${file:secrets/crlf}", "dc=crlf", ""},
    {"FileWithoutLineBreak", "${file:secrets/bare}", "dc=bare", ""},
    {"FileAbsolute", "${file:DIR/secrets/bare}", "dc=bare", ""},
    {"FileEmbedded", "ou=${file:secrets/bare}", "ou=dc=bare", ""},
    {"UnknownKind", "${vault:kv/ldap}", "", "unknown reference kind 'vault' (known: env, file)"},
    {"Unterminated", "${env:DOMAIN", "", "unterminated '${' (write $${ for a literal '${')"},
    {"EnvUnset", "${env:NOT_SET}", "", "environment variable 'NOT_SET' is not set"},
    {"EnvWithoutName", "${env:}", "", "empty variable name in ${env:}"},
    {"FileWithoutPath", "${file:}", "", "empty path in ${file:}"},
    {"FileMissing", "${file:secrets/none}", "",
     "cannot read secret file 'DIR/secrets/none': No such file or directory"},
    {"FileIsADirectory", "${file:secrets}", "", "cannot read secret file 'DIR/secrets': Is a directory"},
};

class ResolutionTest : public ConfigTest, public ::testing::WithParamInterface<Resolution> {};

TEST_P(ResolutionTest, Resolves) {
  write("secrets/lf", "dc=lf\n");
  write("secrets/two-lf", "dc=two\n\n");
  write("secrets/crlf", "dc=crlf\r\n");
  write("secrets/bare", "dc=bare");
  LoadResult r = load_text(config_with_base_dn(placeholders(GetParam().base_dn)));
  if (GetParam().error.empty()) {
    ASSERT_THAT(r.errors, IsEmpty());
    EXPECT_EQ(r.config->targets[0].ldap.base_dn, GetParam().value);
  } else {
    ASSERT_EQ(r.errors.size(), 1u);
    EXPECT_EQ(r.errors[0].to_string(), placeholders("FILE:11:14: " + GetParam().error));
  }
}

INSTANTIATE_TEST_SUITE_P(config_references, ResolutionTest, ::testing::ValuesIn(kResolutions),
                         row_name);

TEST_F(config_load, SecretFromFileKeepsReferenceAndValue) {
  write("secrets/pw", kLdapPassword + "\r\n");
  env_.erase("IDBRIDGE_LDAP_PASSWORD");
  std::string text = config_with_base_dn("dc=x");
  text.replace(text.find("${env:IDBRIDGE_LDAP_PASSWORD}"), 29, "${file:secrets/pw}");
  LoadResult r = load_text(text);
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->targets[0].ldap.bind_password.reference, "${file:secrets/pw}");
  EXPECT_EQ(r.config->targets[0].ldap.bind_password.value, kLdapPassword);
}

}  // namespace
}  // namespace idb::config::testing
