#include "connectors/ldap/dn.h"

#include <gtest/gtest.h>

namespace idb::connectors::ldap {
namespace {

Dn parsed(std::string_view text) {
  auto dn = parse_dn(text);
  EXPECT_TRUE(dn.ok()) << text << ": " << (dn.ok() ? "" : dn.failure().message);
  return dn.ok() ? dn.value() : Dn{};
}

TEST(ldap_dn, parses_rdns_leftmost_first) {
  Dn dn = parsed("uid=jdoe,ou=people,dc=example,dc=org");
  ASSERT_EQ(dn.rdns.size(), 4u);
  EXPECT_EQ(dn.rdns[0], (Rdn{{"uid", "jdoe"}}));
  EXPECT_EQ(dn.rdns[3], (Rdn{{"dc", "org"}}));
}

TEST(ldap_dn, empty_text_is_the_root) {
  EXPECT_TRUE(parsed("").empty());
  EXPECT_TRUE(parsed("   ").empty());
}

struct Vector {
  const char* text;
  const char* value;  // the unescaped value of the first RDN
};

class ldap_dn_vectors : public ::testing::TestWithParam<Vector> {};

TEST_P(ldap_dn_vectors, unescapes_the_first_value) {
  Dn dn = parsed(GetParam().text);
  ASSERT_FALSE(dn.empty());
  EXPECT_EQ(dn.rdns[0][0].value, GetParam().value);
}

INSTANTIATE_TEST_SUITE_P(
    rfc4514, ldap_dn_vectors,
    ::testing::Values(Vector{R"(cn=Doe\, John,dc=x)", "Doe, John"}, Vector{R"(cn=Doe\2C John,dc=x)", "Doe, John"},
                      Vector{R"(cn=a\+b\"c\\d\<e\>f\;g\=h,dc=x)", R"(a+b"c\d<e>f;g=h)"},
                      Vector{R"(cn=\#hash,dc=x)", "#hash"}, Vector{R"(cn=\ lead,dc=x)", " lead"},
                      Vector{R"(cn=trail\ ,dc=x)", "trail "}, Vector{R"(cn=a=b,dc=x)", "a=b"},
                      Vector{R"(cn=\E4\BD\A0\E5\A5\BD,dc=x)", "你好"}, Vector{"cn=你好,dc=x", "你好"},
                      Vector{" cn = spaced , dc = x ", "spaced"}, Vector{"cn=in ner,dc=x", "in ner"}));

TEST(ldap_dn, keeps_an_escaped_nul) {
  EXPECT_EQ(parsed(R"(cn=a\00b)").rdns[0][0].value, std::string("a\0b", 3));
}

TEST(ldap_dn, splits_multi_valued_rdns) {
  Dn dn = parsed("cn=John+uid=jdoe,dc=x");
  EXPECT_EQ(dn.rdns[0], (Rdn{{"cn", "John"}, {"uid", "jdoe"}}));
  EXPECT_EQ(dn.rdns[1], (Rdn{{"dc", "x"}}));
}

TEST(ldap_dn, accepts_numeric_oids) { EXPECT_EQ(parsed("2.5.4.3=x").rdns[0][0].type, "2.5.4.3"); }

class ldap_dn_invalid : public ::testing::TestWithParam<const char*> {};

TEST_P(ldap_dn_invalid, is_a_permanent_dn_syntax_failure) {
  auto dn = parse_dn(GetParam());
  ASSERT_FALSE(dn.ok()) << GetParam();
  EXPECT_EQ(dn.failure().kind, FailureKind::permanent);
  EXPECT_EQ(dn.failure().code, "ldap:34 invalidDNSyntax");
  EXPECT_NE(dn.failure().message.find("offset"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(rfc4514, ldap_dn_invalid,
                         ::testing::Values("cn", "=x", "cn=", "cn=x,", ",cn=x", "cn=x,,dc=y", "cn=a\"b", "cn=a;b",
                                           "cn=a<b", R"(cn=a\)", R"(cn=a\zz)", R"(cn=a\4)", "cn=#04024869",
                                           "cn=x+", "-cn=x"));

TEST(ldap_dn, escape_value_escapes_specials_and_edges) {
  EXPECT_EQ(escape_value(R"(a,b+c"d\e<f>g;h=i)"), R"(a\,b\+c\"d\\e\<f\>g\;h\=i)");
  EXPECT_EQ(escape_value("#x"), R"(\#x)");
  EXPECT_EQ(escape_value("x#"), "x#");
  EXPECT_EQ(escape_value(" x "), R"(\ x\ )");
  EXPECT_EQ(escape_value("a b"), "a b");
  EXPECT_EQ(escape_value(std::string("a\0b", 3)), R"(a\00b)");
  EXPECT_EQ(escape_value("你好"), "你好");
}

TEST(ldap_dn, escaped_values_parse_back_to_themselves) {
  for (const std::string& value : std::vector<std::string>{",+\"\\<>;=", "# lead", " both ", "😀 emoji", std::string("n\0l", 3), "a\\2C"}) {
    Dn dn = parsed("cn=" + escape_value(value) + ",dc=x");
    ASSERT_FALSE(dn.empty());
    EXPECT_EQ(dn.rdns[0][0].value, value);
    EXPECT_EQ(parsed(dn.str()), dn);
  }
}

TEST(ldap_dn, parent_drops_the_leftmost_rdn) {
  EXPECT_EQ(parsed("uid=a,ou=people,dc=x").parent(), parsed("ou=people,dc=x"));
  EXPECT_TRUE(parsed("dc=x").parent().empty());
  EXPECT_TRUE(Dn{}.parent().empty());
}

TEST(ldap_dn, normalize_ignores_case_blanks_and_ava_order) {
  EXPECT_EQ(normalize(parsed("UID=JDoe , OU=People,DC=Example")), "uid=jdoe,ou=people,dc=example");
  EXPECT_EQ(normalize(parsed("uid=x+cn=y,dc=z")), normalize(parsed("CN=Y+UID=X,dc=z")));
  EXPECT_EQ(normalize(parsed(R"(cn=a\2Cb)")), normalize(parsed(R"(cn=A\,B)")));
  EXPECT_NE(normalize(parsed("cn=a,dc=x")), normalize(parsed("cn=a,dc=y")));
}

// Whenever plain_normalized answers, it is what parsing and normalizing give.
class ldap_dn_plain : public ::testing::TestWithParam<const char*> {};

TEST_P(ldap_dn_plain, is_normalize_of_parse_or_nothing) {
  const std::string text = GetParam();
  const auto plain = plain_normalized(text);
  const auto dn = parse_dn(text);
  if (plain) {
    ASSERT_TRUE(dn.ok()) << text;
    EXPECT_EQ(*plain, normalize(dn.value())) << text;
  }
}

INSTANTIATE_TEST_SUITE_P(
    spellings, ldap_dn_plain,
    ::testing::Values("uid=jdoe,ou=people,dc=example,dc=org", "UID=JDoe,OU=People,DC=Example,DC=org",
                      "uid=j.doe-1_x@corp,ou=people", "2.5.4.3=x,dc=y", "cn=a=b,dc=x", "cn=a\\,b,dc=x",
                      "cn=a b,dc=x", " uid=a,dc=x", "uid=a ,dc=x", "cn=a+uid=b,dc=x", "cn=#x,dc=x", "cn=,dc=x",
                      "=x", "uid=a,", "uid=a,,dc=x", "u.id=a", "2a=x", "-x=y", "cn=你好,dc=x", "cn=\"q\",dc=x",
                      "cn=a;b", "x", ""));

TEST(ldap_dn, plain_normalized_answers_for_plain_dns_only) {
  EXPECT_EQ(plain_normalized("UID=JDoe,OU=People,DC=Example,DC=org"), "uid=jdoe,ou=people,dc=example,dc=org");
  EXPECT_EQ(plain_normalized("2.5.4.3=X"), "2.5.4.3=x");
  for (const char* other : {"cn=a b,dc=x", "cn=a\\,b,dc=x", "cn=a+uid=b", "cn=a=b", "uid=a,", "", "cn=你好"}) {
    EXPECT_EQ(plain_normalized(other), std::nullopt) << other;
  }
}

TEST(ldap_dn, within_compares_suffixes) {
  Dn base = parsed("dc=example,dc=org");
  EXPECT_TRUE(within(parsed("uid=a,ou=People,DC=Example,dc=org"), base));
  EXPECT_TRUE(within(base, base));
  EXPECT_FALSE(within(parsed("dc=org"), base));
  EXPECT_FALSE(within(parsed("uid=a,dc=other,dc=org"), base));
}

}  // namespace
}  // namespace idb::connectors::ldap
