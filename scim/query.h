#pragma once
// Listing resources (RFC 7644 §3.4.2, §3.4.3): the query a client asks for,
// from URL parameters or a SearchRequest body, and the ListResponse it gets:
// filter, sortBy/sortOrder, startIndex/count and attributes/
// excludedAttributes. Pure.
#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "scim/error.h"
#include "scim/filter.h"
#include "scim/schema.h"

namespace idb::scim {

inline constexpr const char* kListResponseSchema = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
inline constexpr const char* kSearchRequestSchema = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

struct QueryLimits {
  size_t max_results = 200;  // the most resources one response holds (ServiceProviderConfig filter.maxResults)
  FilterLimits filter;
};

// attributes/excludedAttributes: attribute paths, or a whole extension (its URN).
struct AttributeSelection {
  std::vector<AttributePath> paths;
  std::vector<std::string> extensions;
  bool empty() const { return paths.empty() && extensions.empty(); }
};

struct Query {
  std::optional<Filter> filter;
  std::optional<AttributePath> sort_by;
  bool descending = false;
  size_t start_index = 1;  // 1-based
  size_t count = 0;        // after clamping to QueryLimits::max_results
  AttributeSelection attributes, excluded;
};

// From URL query parameters (GET) ...
// `catalog` tells which names are whole extension schemas (attributes=urn:…).
std::variant<Query, Error> parse_query(const std::map<std::string, std::string>& params, const QueryLimits& limits,
                                       const Catalog& catalog = Catalog::builtin());
// ... or from a POST .search body.
std::variant<Query, Error> parse_search_request(const nlohmann::json& body, const QueryLimits& limits,
                                                const Catalog& catalog = Catalog::builtin());

// attributes/excludedAttributes alone, as GET, POST and PUT on one resource accept them.
std::variant<AttributeSelection, Error> parse_attribute_list(const std::string& text, const char* parameter,
                                                             const Catalog& catalog = Catalog::builtin());

// The resource with only what `attributes` asks for, or without what
// `excluded` names; id and schemas always stay (RFC 7643 §7 "returned").
nlohmann::json project(const nlohmann::json& resource, const AttributeSelection& attributes,
                       const AttributeSelection& excluded);

// Filters, sorts, pages and projects `resources` into a ListResponse.
nlohmann::json list_response(std::vector<nlohmann::json> resources, const Query& query);

}  // namespace idb::scim
