// RFC 4515 filter escaping: vectors, and the attribute-name check.
#include "connectors/ldap/filter.h"

#include <gtest/gtest.h>

namespace idb::connectors::ldap {
namespace {

TEST(ldap_filter, escapes_every_filter_special_character) {
  EXPECT_EQ(escape_filter_value("alice"), "alice");
  EXPECT_EQ(escape_filter_value("*)(uid=*"), "\\2a\\29\\28uid=\\2a");
  EXPECT_EQ(escape_filter_value("admin)(|(uid=*"), "admin\\29\\28|\\28uid=\\2a");
  EXPECT_EQ(escape_filter_value("back\\slash"), "back\\5cslash");
  EXPECT_EQ(escape_filter_value(std::string("nul\0byte", 8)), "nul\\00byte");
  EXPECT_EQ(escape_filter_value(""), "");
}

TEST(ldap_filter, escapes_bytes_outside_printable_ascii) {
  EXPECT_EQ(escape_filter_value("张"), "\\e5\\bc\\a0");
  EXPECT_EQ(escape_filter_value("a\nb\x7f"), "a\\0ab\\7f");
}

TEST(ldap_filter, builds_an_equality_filter) {
  auto filter = equality_filter("uid", "*)(uid=*");
  ASSERT_TRUE(filter.ok());
  EXPECT_EQ(filter.value(), "(uid=\\2a\\29\\28uid=\\2a)");
  EXPECT_EQ(equality_filter("employeeNumber", "42").value(), "(employeeNumber=42)");
  EXPECT_EQ(equality_filter("2.5.4.3", "x").value(), "(2.5.4.3=x)");
  EXPECT_EQ(equality_filter("cn;lang-de", "x").value(), "(cn;lang-de=x)");
}

TEST(ldap_filter, refuses_attribute_names_that_are_not_names) {
  for (const char* bad : {"", "uid)(objectClass=*", "uid=x", "1uid", "2.5..4", "2.5.4.", "cn;", "cn;;x", "u id", "*"}) {
    auto filter = equality_filter(bad, "x");
    ASSERT_FALSE(filter.ok()) << bad;
    EXPECT_EQ(filter.failure().kind, FailureKind::permanent) << bad;
    EXPECT_EQ(filter.failure().code, "ldap:-7 filterError") << bad;
    EXPECT_NE(filter.failure().message.find(std::string("'") + bad + "'"), std::string::npos) << bad;
  }
}

}  // namespace
}  // namespace idb::connectors::ldap
