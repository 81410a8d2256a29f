#pragma once
// Distinguished names (RFC 4514) as values: parsed once, compared and taken
// apart without another round trip through strings.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connectors/connector.h"

namespace idb::connectors::ldap {

// One attribute=value pair; `value` is unescaped (raw UTF-8 bytes).
struct Ava {
  std::string type;
  std::string value;
  bool operator==(const Ava&) const = default;
};

// Usually one Ava; several when joined by '+' (multi-valued RDN).
using Rdn = std::vector<Ava>;

struct Dn {
  std::vector<Rdn> rdns;  // leftmost (most specific) first; empty for the root DSE

  bool empty() const { return rdns.empty(); }
  // The DN one level up; the parent of a one-RDN DN is the empty DN.
  Dn parent() const;
  // RFC 4514 string form, values escaped with escape_value.
  std::string str() const;
  bool operator==(const Dn&) const = default;
};

// Escapes one attribute value for use in a DN string (RFC 4514 section 2.4).
std::string escape_value(std::string_view value);

// RFC 4514 string form of one RDN, e.g. "cn=a\+b+uid=x".
std::string str(const Rdn& rdn);

// Parses a DN string. Accepts blanks around ',', '+' and '=' as RFC 2253-era
// servers and humans write them. Hex-string values ("cn=#04...") are refused:
// nothing we map produces them. Failures are permanent ldap:34 failures.
Result<Dn> parse_dn(std::string_view text);

// A form for equality tests: types and values lower-cased, AVAs of an RDN in
// a fixed order, no blanks. Values compare ASCII-case-insensitively, which is
// what the cn/ou/uid/dc matching rules we meet do for ASCII text.
std::string normalize(const Dn& dn);

// The normalized form of a DN written plainly, as mappings and servers mostly
// write them: no blanks, escapes, quotes or multi-valued RDNs, every value of
// ASCII letters, digits and ".-_@". Then normalize(parse_dn(text)) is only the
// text lower-cased, which this gives without parsing. nullopt for any other
// text (parse and normalize it).
std::optional<std::string> plain_normalized(std::string_view text);

// Where `dn` lands when moved below `parent`: its first RDN, then `parent`. A
// DN that does not parse comes back as it is (the target names the problem).
std::string moved_below(const std::string& dn, const std::string& parent);

// True when `dn` is `base` or lies below it.
bool within(const Dn& dn, const Dn& base);

}  // namespace idb::connectors::ldap
