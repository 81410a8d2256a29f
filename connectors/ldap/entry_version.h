#pragma once
// An entry's version: what changes with every write to it, so a later read
// tells whether anyone wrote the entry since we did. entryCSN where the
// server keeps it (OpenLDAP does for every entry of a backend with lastmod),
// else modifyTimestamp (RFC 4512, any server), which has only seconds: two
// writes within one second look alike. Both are operational, sent only when
// asked for by name.
#include <array>
#include <string>
#include <string_view>

#include "connectors/ldap/session.h"
#include "mapping/attributes.h"

namespace idb::connectors::ldap {

inline constexpr std::array<const char*, 2> kVersionAttributes{"entryCSN", "modifyTimestamp"};

// The version among `attributes` (names as the server spells them, compared
// ignoring case); empty when neither is there.
std::string version_of(const EntryView::Attributes& attributes);

// Removes both version attributes from `attributes` (they are no account
// data) and returns the version they gave.
std::string take_version(mapping::Attributes& attributes);

// The Post-Read control's value asking for the version attributes (an
// AttributeSelection, RFC 4527 3.2), BER-encoded once.
std::string_view post_read_request();

// The version in a Post-Read response control's value (the entry as it is
// after the write); empty when it is malformed or holds neither attribute.
std::string post_read_version(std::string_view control_value);

}  // namespace idb::connectors::ldap
