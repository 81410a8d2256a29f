#pragma once
// The stored form of attributes, {"name": ["value", ...], ...} (a baseline's
// attributes column), read straight into mapping::Attributes. A full plan
// reads one per user: a general JSON parser spent most of its time on
// generality this shape never needs.
#include <optional>
#include <string>
#include <string_view>

#include "mapping/attributes.h"

namespace idb::state {

// Exactly JSON (RFC 8259) restricted to an object of arrays of strings:
// any other value, malformed JSON or ill-formed UTF-8 (raw or as escaped
// surrogates) is refused with `error` naming what and at which byte. A name
// given twice keeps its last values, as in a JSON object; names compare
// case-insensitively, as in Attributes.
std::optional<mapping::Attributes> parse_attributes_json(std::string_view text, std::string& error);

}  // namespace idb::state
