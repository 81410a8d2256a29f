#pragma once
// A stored resource (a SCIM user or group, JSON text the store wrote) read
// into nlohmann::json without nlohmann's general lexer: a full plan reads
// every user's resource, and that lexer was most of the cost.
#include <optional>
#include <string_view>

#include <nlohmann/json.hpp>

namespace idb::state {

// The same value nlohmann::json::parse(text) gives, or nullopt where this
// reader declines: malformed text (nlohmann::json::parse then says exactly
// what is wrong) or nesting deeper than it reads (nlohmann then reads it).
// Numbers are converted by nlohmann itself, so they keep its exact types.
std::optional<nlohmann::json> parse_json_document(std::string_view text);

}  // namespace idb::state
