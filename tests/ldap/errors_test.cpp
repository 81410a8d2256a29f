#include "connectors/ldap/errors.h"

#include <gtest/gtest.h>
#include <ldap.h>

namespace idb::connectors::ldap {
namespace {

TEST(ldap_errors, connection_trouble_is_retried) {
  for (int rc : {LDAP_BUSY, LDAP_UNAVAILABLE, LDAP_SERVER_DOWN, LDAP_TIMEOUT, LDAP_CONNECT_ERROR,
                 LDAP_TIMELIMIT_EXCEEDED, LDAP_ADMINLIMIT_EXCEEDED, LDAP_OTHER}) {
    EXPECT_EQ(kind_of(rc), FailureKind::retry) << code_of(rc);
  }
}

TEST(ldap_errors, a_target_that_moved_on_is_a_conflict) {
  for (int rc : {LDAP_ALREADY_EXISTS, LDAP_NOT_ALLOWED_ON_NONLEAF, LDAP_CONSTRAINT_VIOLATION,
                 LDAP_TYPE_OR_VALUE_EXISTS, LDAP_NO_SUCH_ATTRIBUTE, LDAP_NO_SUCH_OBJECT}) {
    EXPECT_EQ(kind_of(rc), FailureKind::conflict) << code_of(rc);
  }
}

TEST(ldap_errors, a_wrong_request_is_permanent) {
  for (int rc : {LDAP_OBJECT_CLASS_VIOLATION, LDAP_INVALID_SYNTAX, LDAP_UNDEFINED_TYPE, LDAP_INSUFFICIENT_ACCESS,
                 LDAP_INVALID_CREDENTIALS, LDAP_NAMING_VIOLATION, LDAP_UNWILLING_TO_PERFORM, LDAP_INVALID_DN_SYNTAX,
                 LDAP_PARAM_ERROR, 4711}) {
    EXPECT_EQ(kind_of(rc), FailureKind::permanent) << code_of(rc);
  }
}

TEST(ldap_errors, codes_carry_number_and_rfc_name) {
  EXPECT_EQ(code_of(LDAP_OBJECT_CLASS_VIOLATION), "ldap:65 objectClassViolation");
  EXPECT_EQ(code_of(LDAP_SERVER_DOWN), "ldap:-1 serverDown");
  EXPECT_EQ(code_of(4711), "ldap:4711 unknown");
}

TEST(ldap_errors, message_tells_what_and_what_the_server_said) {
  Failure f = to_failure(LDAP_NO_SUCH_OBJECT, "add uid=a,ou=x,dc=y", "parent does not exist", "dc=y");
  EXPECT_EQ(f.kind, FailureKind::conflict);
  EXPECT_EQ(f.message, "add uid=a,ou=x,dc=y: No such object (server: parent does not exist); deepest existing entry: dc=y");
}

}  // namespace
}  // namespace idb::connectors::ldap
