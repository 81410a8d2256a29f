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

// How a value that is not UTF-8 is written: refused (nlohmann::json::type_error
// thrown, as a baseline must store exactly what was written) or replaced by
// U+FFFD (the audit log shows what the target holds, never refuses it).
enum class BadUtf8 { refuse, replace };

// Appends `s` as a JSON string, byte for byte as nlohmann's dump writes it.
void append_json_string(std::string& out, std::string_view s, BadUtf8 bad);
// Appends ["value", ...].
void append_json_strings(std::string& out, const mapping::Values& values, BadUtf8 bad);
// The stored form of `attributes`, byte for byte nlohmann's compact dump of
// them (names in bytewise order), written without building a json tree: a
// sync writes one per account it changes.
std::string attributes_json_text(const mapping::Attributes& attributes);

}  // namespace idb::state
