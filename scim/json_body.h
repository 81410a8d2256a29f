#pragma once
// Parsing a request body as JSON without trusting it: nlohmann::json recurses
// per nesting level (parsing, copying, comparing, destroying), so a body of a
// few hundred thousand '[' would overflow the stack. The depth is checked on
// the raw text first.
#include <string_view>
#include <variant>

#include <nlohmann/json.hpp>

#include "scim/error.h"

namespace idb::scim {

inline constexpr int kMaxJsonDepth = 64;  // SCIM resources nest 3 or 4 levels

std::variant<nlohmann::json, Error> parse_json_body(std::string_view text, int max_depth = kMaxJsonDepth);

}  // namespace idb::scim
