#pragma once
// Every libldap result code, told as what the outbox should do about it.
#include <string>
#include <string_view>

#include "connectors/connector.h"

namespace idb::connectors::ldap {

FailureKind kind_of(int result_code);

// "ldap:65 objectClassViolation": the RFC 4511 name (libldap's own names for
// its client-side codes), stable enough to grep logs and match in tests.
std::string code_of(int result_code);

// `what` says which operation on which DN, e.g. "add uid=x,dc=example,dc=org".
// `diagnostic` and `matched_dn` are what the server sent back, if anything.
Failure to_failure(int result_code, std::string_view what, std::string_view diagnostic = {},
                   std::string_view matched_dn = {});

}  // namespace idb::connectors::ldap
