#include "connectors/ldap/errors.h"

#include <ldap.h>

namespace idb::connectors::ldap {
namespace {

struct Known {
  int code;
  const char* name;
  FailureKind kind;
};

using enum FailureKind;

// Retry: the server or the path to it is in trouble, the request itself is fine.
// Conflict: the target no longer looks like the plan assumed; re-read and re-plan.
// Permanent: the request is wrong for this server and would fail the same way.
// unwillingToPerform is permanent: slapd uses it for writes outside its naming
// contexts and for read-only databases, which no waiting repairs.
constexpr Known kKnown[] = {
    {LDAP_OPERATIONS_ERROR, "operationsError", retry},
    {LDAP_PROTOCOL_ERROR, "protocolError", permanent},
    {LDAP_TIMELIMIT_EXCEEDED, "timeLimitExceeded", retry},
    {LDAP_SIZELIMIT_EXCEEDED, "sizeLimitExceeded", permanent},
    {LDAP_AUTH_METHOD_NOT_SUPPORTED, "authMethodNotSupported", permanent},
    {LDAP_STRONG_AUTH_REQUIRED, "strongerAuthRequired", permanent},
    {LDAP_REFERRAL, "referral", permanent},
    {LDAP_ADMINLIMIT_EXCEEDED, "adminLimitExceeded", retry},
    {LDAP_UNAVAILABLE_CRITICAL_EXTENSION, "unavailableCriticalExtension", permanent},
    {LDAP_CONFIDENTIALITY_REQUIRED, "confidentialityRequired", permanent},
    {LDAP_NO_SUCH_ATTRIBUTE, "noSuchAttribute", conflict},
    {LDAP_UNDEFINED_TYPE, "undefinedAttributeType", permanent},
    {LDAP_INAPPROPRIATE_MATCHING, "inappropriateMatching", permanent},
    {LDAP_CONSTRAINT_VIOLATION, "constraintViolation", conflict},
    {LDAP_TYPE_OR_VALUE_EXISTS, "attributeOrValueExists", conflict},
    {LDAP_INVALID_SYNTAX, "invalidAttributeSyntax", permanent},
    {LDAP_NO_SUCH_OBJECT, "noSuchObject", conflict},
    {LDAP_ALIAS_PROBLEM, "aliasProblem", permanent},
    {LDAP_INVALID_DN_SYNTAX, "invalidDNSyntax", permanent},
    {LDAP_ALIAS_DEREF_PROBLEM, "aliasDereferencingProblem", permanent},
    {LDAP_INAPPROPRIATE_AUTH, "inappropriateAuthentication", permanent},
    {LDAP_INVALID_CREDENTIALS, "invalidCredentials", permanent},
    {LDAP_INSUFFICIENT_ACCESS, "insufficientAccessRights", permanent},
    {LDAP_BUSY, "busy", retry},
    {LDAP_UNAVAILABLE, "unavailable", retry},
    {LDAP_UNWILLING_TO_PERFORM, "unwillingToPerform", permanent},
    {LDAP_LOOP_DETECT, "loopDetect", permanent},
    {LDAP_NAMING_VIOLATION, "namingViolation", permanent},
    {LDAP_OBJECT_CLASS_VIOLATION, "objectClassViolation", permanent},
    {LDAP_NOT_ALLOWED_ON_NONLEAF, "notAllowedOnNonLeaf", conflict},
    {LDAP_NOT_ALLOWED_ON_RDN, "notAllowedOnRDN", permanent},
    {LDAP_ALREADY_EXISTS, "entryAlreadyExists", conflict},
    {LDAP_NO_OBJECT_CLASS_MODS, "objectClassModsProhibited", permanent},
    {LDAP_AFFECTS_MULTIPLE_DSAS, "affectsMultipleDSAs", permanent},
    {LDAP_OTHER, "other", retry},  // slapd's internal (database) errors
    {LDAP_SERVER_DOWN, "serverDown", retry},
    {LDAP_LOCAL_ERROR, "localError", retry},
    {LDAP_ENCODING_ERROR, "encodingError", permanent},
    {LDAP_DECODING_ERROR, "decodingError", retry},
    {LDAP_TIMEOUT, "timeout", retry},
    {LDAP_AUTH_UNKNOWN, "authUnknown", permanent},
    {LDAP_FILTER_ERROR, "filterError", permanent},
    {LDAP_PARAM_ERROR, "paramError", permanent},
    {LDAP_NO_MEMORY, "noMemory", retry},
    {LDAP_CONNECT_ERROR, "connectError", retry},
    {LDAP_NOT_SUPPORTED, "notSupported", permanent},
};

const Known* find(int code) {
  for (const Known& known : kKnown) {
    if (known.code == code) return &known;
  }
  return nullptr;
}

}  // namespace

FailureKind kind_of(int result_code) {
  const Known* known = find(result_code);
  // A code we do not know is one we cannot expect to go away by itself.
  return known ? known->kind : permanent;
}

std::string code_of(int result_code) {
  const Known* known = find(result_code);
  return "ldap:" + std::to_string(result_code) + " " + (known ? known->name : "unknown");
}

Failure to_failure(int result_code, std::string_view what, std::string_view diagnostic,
                   std::string_view matched_dn) {
  std::string message(what);
  message += ": ";
  message += ldap_err2string(result_code);
  if (!diagnostic.empty()) {
    message += " (server: ";
    message += diagnostic;
    message += ")";
  }
  if (!matched_dn.empty()) {
    message += "; deepest existing entry: ";
    message += matched_dn;
  }
  return Failure{kind_of(result_code), code_of(result_code), std::move(message)};
}

}  // namespace idb::connectors::ldap
