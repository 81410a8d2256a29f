#pragma once
// SCIM attribute paths and filters (RFC 7644 §3.4.2.2, §3.5.2), parsed into
// values and evaluated against a resource. Pure: no I/O.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

namespace idb::scim {

struct Filter;

// urn? attr ( [valFilter] )? ( .subAttr )?
struct AttributePath {
  std::string schema;              // extension URN, empty for the core schema
  std::vector<std::string> names;  // attr, then sub-attribute if any
  std::shared_ptr<const Filter> value_filter;  // applies to the elements of names[0]
  std::string text;                // as written, for messages
  // RFC 7643 caseExact of the attribute compared, from its schema
  // (bind_schema); unset, the name decides (see case_exact below).
  std::optional<bool> case_exact;
};

enum class CompareOp { eq, ne, co, sw, ew, gt, ge, lt, le, pr };

struct Comparison {
  AttributePath path;
  CompareOp op;
  nlohmann::json value;  // string, bool, number or null; null for `pr`
};

// A filter expression: a comparison, a value path standing alone
// (`emails[type eq "work"]`: some element matches), or and/or/not of filters.
struct Filter {
  enum class Kind { compare, value_path, all_of, any_of, negate };
  Kind kind = Kind::compare;
  Comparison comparison;          // compare: the comparison; value_path: its path (op unused)
  std::vector<Filter> operands;   // all_of/any_of: two or more; negate: one
};

// A parse failure, with the position (0-based offset) it was detected at.
struct ParseError {
  std::string message;
  size_t offset = 0;
};

// Bounds on untrusted filter text, so a hostile query costs little and cannot
// exhaust the stack.
struct FilterLimits {
  size_t max_length = 4096;  // bytes of filter text
  int max_depth = 16;        // nesting of parentheses, `not` and value filters
};

std::variant<AttributePath, ParseError> parse_path(std::string_view text);
std::variant<Filter, ParseError> parse_filter(std::string_view text);
std::variant<Filter, ParseError> parse_filter(std::string_view text, const FilterLimits& limits);

// Every value the path reaches in `resource`, in document order. Attribute
// names match case-insensitively, as RFC 7643 §2.1 requires.
std::vector<const nlohmann::json*> resolve(const AttributePath& path, const nlohmann::json& resource);
// The same into `out`, given the member of the resource that names path.names[0]
// (null when absent): for callers that look attributes up once for many paths
// and reuse one buffer.
void resolve_below(const AttributePath& path, const nlohmann::json* attribute, std::vector<const nlohmann::json*>& out);

bool matches(const Filter& filter, const nlohmann::json& resource);

// The member of a JSON object whose name equals `name` case-insensitively.
const nlohmann::json* member(const nlohmann::json& object, std::string_view name);
nlohmann::json* member(nlohmann::json& object, std::string_view name);

// Whether values of the attribute at `path` compare case-sensitively (RFC 7643
// caseExact): as its schema says when the path was bound to one, else true
// only for id, externalId, $ref and meta.version.
bool case_exact(const AttributePath& path);

// Orders two attribute values as a SCIM filter or sortBy does: numbers
// numerically, dateTimes chronologically, strings case-folded unless
// `exact`. Returns <0, 0, >0; `comparable` is false for unlike types.
int compare_values(const nlohmann::json& a, const nlohmann::json& b, bool exact, bool& comparable);

}  // namespace idb::scim
