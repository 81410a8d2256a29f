#pragma once
// Search filters (RFC 4515) built from untrusted values: every value is
// escaped so it can only ever be compared, never parsed as filter syntax.
#include <string>
#include <string_view>

#include "connectors/connector.h"

namespace idb::connectors::ldap {

// Escapes `*`, `(`, `)`, `\` and NUL as \XX (RFC 4515 section 3), plus every
// byte outside printable ASCII so the filter stays plain text in logs.
std::string escape_filter_value(std::string_view value);

// "(attribute=value)" with the value escaped. The attribute must be a
// descriptor (letters, digits, '-', options after ';') or a numeric OID;
// anything else is a permanent ldap:87 filterError naming it.
Result<std::string> equality_filter(std::string_view attribute, std::string_view value);

}  // namespace idb::connectors::ldap
