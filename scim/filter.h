#pragma once
// SCIM attribute paths and filters (RFC 7644 §3.4.2.2, §3.5.2), parsed into
// values and evaluated against a resource. Pure: no I/O.
//
// The walking skeleton needs one comparison (`attrPath op value`) at the top of
// a filter and inside a value path (`emails[type eq "work"].value`); the full
// grammar (and/or/not, grouping) grows here behind the same types.
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace idb::scim {

struct Comparison;

// urn? attr ( [filter] )? ( .subAttr )?
struct AttributePath {
  std::string schema;  // extension URN, empty for the core schema
  std::vector<std::string> names;  // attr, then sub-attribute if any
  std::shared_ptr<Comparison> value_filter;  // applies to the elements of names[0]
  std::string text;    // as written, for messages
};

enum class CompareOp { eq, ne, co, sw, ew, gt, ge, lt, le, pr };

struct Comparison {
  AttributePath path;
  CompareOp op;
  nlohmann::json value;  // string, bool, number or null; null for `pr`
};

// A parse failure, with the position (0-based offset) it was detected at.
struct ParseError {
  std::string message;
  size_t offset = 0;
};

std::variant<AttributePath, ParseError> parse_path(std::string_view text);
std::variant<Comparison, ParseError> parse_filter(std::string_view text);

// Every value the path reaches in `resource`, in document order. Attribute
// names match case-insensitively, as RFC 7643 §2.1 requires.
std::vector<const nlohmann::json*> resolve(const AttributePath& path, const nlohmann::json& resource);

bool matches(const Comparison& filter, const nlohmann::json& resource);

}  // namespace idb::scim
