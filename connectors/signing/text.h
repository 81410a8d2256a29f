#pragma once
// The request parts signers canonicalise: header and parameter lists, kept in
// the order given (the wire may repeat a name; each scheme says how to merge).
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace idb::connectors::signing {

using Headers = std::vector<std::pair<std::string, std::string>>;  // name, value
using Params = std::vector<std::pair<std::string, std::string>>;   // decoded name, decoded value

std::string lower(std::string_view text);
// Strips spaces and tabs (and CR, LF, FF) at both ends.
std::string trim(std::string_view text);
// The value of the first header named `name` (case-insensitive), or "".
std::string header_value(const Headers& headers, std::string_view name);

}  // namespace idb::connectors::signing
