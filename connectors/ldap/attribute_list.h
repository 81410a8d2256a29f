#pragma once
// The attribute list of a SearchResultEntry (RFC 4511 4.5.2), read from its
// BER bytes in place: PartialAttributeList ::= SEQUENCE OF SEQUENCE { type
// OCTET STRING, vals SET OF OCTET STRING }. libldap's own walk
// (ldap_get_attribute_ber) interprets a ber_scanf format per attribute and
// copies each value set into an array; a paged read of 100k entries spent
// half its instructions there.
#include <string_view>

#include "connectors/ldap/session.h"

namespace idb::connectors::ldap {

// Reads the list's contents `ber` (its attributes one after another) into
// `out`, which is refilled keeping its vectors' capacity; the views point
// into `ber`. Stops at the first element that is not an attribute. False when
// an attribute's bytes are malformed or cut short: the attributes before it
// are kept, that one is not.
bool read_attribute_list(std::string_view ber, EntryView::Attributes& out);

// Reads a whole SearchResultEntry element ([APPLICATION 4] { objectName,
// attributes }), as the Post-Read control (RFC 4527) carries the entry after
// a write, into `out` (views into `ber`). False when it is malformed.
bool read_entry(std::string_view ber, EntryView& out);

}  // namespace idb::connectors::ldap
