#include "scim/query.h"

#include <algorithm>
#include <charconv>
#include <climits>

#include "scim/ascii.h"
#include "scim/filter_schema.h"

namespace idb::scim {
namespace {

using json = nlohmann::json;

Error invalid_value(const std::string& detail) { return {400, "invalidValue", detail}; }

std::optional<Error> set_filter(Query& q, const std::string& text, const QueryLimits& limits, const Catalog& catalog) {
  auto parsed = parse_filter(text, limits.filter);
  if (auto* err = std::get_if<ParseError>(&parsed)) {
    return Error{400, "invalidFilter", "filter: " + err->message + " at offset " + std::to_string(err->offset)};
  }
  q.filter = std::get<Filter>(std::move(parsed));
  bind_schema(*q.filter, catalog.types());
  return std::nullopt;
}

std::optional<Error> set_sort(Query& q, const std::string& by, const std::string& order, const Catalog& catalog) {
  if (!by.empty()) {
    auto parsed = parse_path(by);
    if (auto* err = std::get_if<ParseError>(&parsed)) {
      return invalid_value("sortBy: " + err->message + " at offset " + std::to_string(err->offset));
    }
    if (std::get<AttributePath>(parsed).value_filter) return invalid_value("sortBy: a value filter is not allowed");
    q.sort_by = std::get<AttributePath>(std::move(parsed));
    bind_schema(*q.sort_by, catalog.types());
  }
  if (order.empty() || iequals(order, "ascending")) {
    q.descending = false;
  } else if (iequals(order, "descending")) {
    q.descending = true;
  } else {
    return invalid_value("sortOrder must be \"ascending\" or \"descending\", not '" + order + "'");
  }
  return std::nullopt;
}

// RFC 7644 §3.4.2.4: startIndex < 1 means 1, a negative count means 0, and a
// count above what the server returns is lowered to it.
void set_page(Query& q, std::optional<long long> start, std::optional<long long> count, const QueryLimits& limits) {
  q.start_index = start && *start > 1 ? static_cast<size_t>(*start) : 1;
  const long long wanted = count ? std::max(0LL, *count) : static_cast<long long>(limits.max_results);
  q.count = std::min(static_cast<size_t>(wanted), limits.max_results);
}

std::variant<std::optional<long long>, Error> integer_param(const std::map<std::string, std::string>& params,
                                                            const char* key) {
  const auto it = params.find(key);
  if (it == params.end() || it->second.empty()) return std::optional<long long>{};
  long long v = 0;
  const auto& s = it->second;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return std::optional<long long>{s[0] == '-' ? LLONG_MIN / 2 : LLONG_MAX / 2};
  if (ec != std::errc() || end != s.data() + s.size()) {
    return invalid_value(std::string(key) + " must be an integer, not '" + s + "'");
  }
  return std::optional<long long>{v};
}

std::string param(const std::map<std::string, std::string>& params, const char* key) {
  const auto it = params.find(key);
  return it == params.end() ? std::string() : it->second;
}

// A multi-valued attribute sorts by its primary value, else its first (RFC 7644 §3.4.2.3).
const json* sort_key(const json& object, const AttributePath& path) {
  const auto values = resolve(path, object);
  if (values.empty()) return nullptr;
  const json* pick = values.front();
  for (const auto* v : values) {
    if (v->is_object() && v->value("primary", false) == true) {
      pick = v;
      break;
    }
  }
  return pick->is_object() ? member(*pick, "value") : pick;
}

// Copies what `path` reaches in `from` into `to`.
void copy_path(const json& from, json& to, const AttributePath& path) {
  const json* scope = path.schema.empty() ? &from : member(from, path.schema);
  if (!scope || !scope->is_object()) return;
  const json* value = member(*scope, path.names[0]);
  if (!value) return;
  json& target_scope = path.schema.empty() ? to : to[path.schema];
  std::string key = path.names[0];
  for (auto it = scope->begin(); it != scope->end(); ++it) {
    if (iequals(it.key(), key)) key = it.key();
  }
  if (path.names.size() == 1) {
    target_scope[key] = *value;
    return;
  }
  const std::string& sub = path.names[1];
  auto pick = [&](const json& element, json& into) {
    if (!element.is_object()) return;
    for (auto it = element.begin(); it != element.end(); ++it) {
      if (iequals(it.key(), sub)) into[it.key()] = it.value();
    }
  };
  if (value->is_array()) {
    json& out = target_scope[key];
    if (!out.is_array() || out.size() != value->size()) out = json::array();
    for (size_t i = 0; i < value->size(); ++i) {
      if (out.size() <= i) out.push_back(json::object());
      pick((*value)[i], out[i]);
    }
  } else {
    json& out = target_scope[key];
    if (!out.is_object()) out = json::object();
    pick(*value, out);
  }
}

void erase_path(json& resource, const AttributePath& path) {
  json* scope = path.schema.empty() ? &resource : member(resource, path.schema);
  if (!scope || !scope->is_object()) return;
  auto erase_in = [](json& object, const std::string& name) {
    for (auto it = object.begin(); it != object.end(); ++it) {
      if (iequals(it.key(), name)) {
        object.erase(it);
        return;
      }
    }
  };
  if (path.names.size() == 1) return erase_in(*scope, path.names[0]);
  json* value = member(*scope, path.names[0]);
  if (!value) return;
  if (value->is_array()) {
    for (auto& e : *value) {
      if (e.is_object()) erase_in(e, path.names[1]);
    }
  } else if (value->is_object()) {
    erase_in(*value, path.names[1]);
  }
}

bool always_returned(const AttributePath& path) {
  return path.schema.empty() && path.names.size() == 1 && (iequals(path.names[0], "id") || iequals(path.names[0], "schemas"));
}

}  // namespace

std::variant<AttributeSelection, Error> parse_attribute_list(const std::string& text, const char* parameter,
                                                             const Catalog& catalog) {
  AttributeSelection out;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    if (comma == std::string::npos) comma = text.size();
    std::string item = text.substr(start, comma - start);
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    start = comma + 1;
    if (item.empty()) continue;
    if (const Schema* ext = catalog.find_extension(item)) {
      out.extensions.push_back(ext->id);
      continue;
    }
    auto parsed = parse_path(item);
    if (auto* err = std::get_if<ParseError>(&parsed)) {
      return invalid_value(std::string(parameter) + ": '" + item + "': " + err->message);
    }
    if (std::get<AttributePath>(parsed).value_filter) {
      return invalid_value(std::string(parameter) + ": '" + item +
                           "': attribute names only, no value filters (RFC 7644 §3.4.2.5)");
    }
    out.paths.push_back(std::get<AttributePath>(std::move(parsed)));
  }
  return out;
}

std::variant<Query, Error> parse_query(const std::map<std::string, std::string>& params, const QueryLimits& limits,
                                       const Catalog& catalog) {
  Query q;
  if (const auto it = params.find("filter"); it != params.end()) {
    if (auto err = set_filter(q, it->second, limits, catalog)) return *err;
  }
  if (auto err = set_sort(q, param(params, "sortBy"), param(params, "sortOrder"), catalog)) return *err;
  auto start = integer_param(params, "startIndex");
  if (auto* err = std::get_if<Error>(&start)) return *err;
  auto count = integer_param(params, "count");
  if (auto* err = std::get_if<Error>(&count)) return *err;
  set_page(q, std::get<0>(start), std::get<0>(count), limits);
  for (auto [key, into] : {std::pair{"attributes", &q.attributes}, std::pair{"excludedAttributes", &q.excluded}}) {
    if (const auto it = params.find(key); it != params.end()) {
      auto selection = parse_attribute_list(it->second, key, catalog);
      if (auto* err = std::get_if<Error>(&selection)) return *err;
      *into = std::get<AttributeSelection>(std::move(selection));
    }
  }
  if (!q.attributes.empty() && !q.excluded.empty()) {
    return invalid_value("attributes and excludedAttributes cannot be used together");
  }
  return q;
}

std::variant<Query, Error> parse_search_request(const json& body, const QueryLimits& limits, const Catalog& catalog) {
  if (!body.is_object()) return Error{400, "invalidSyntax", "the search request must be a JSON object"};
  std::map<std::string, std::string> params;
  for (auto it = body.begin(); it != body.end(); ++it) {
    const std::string& key = it.key();
    const json& v = it.value();
    if (iequals(key, "schemas")) {
      if (!v.is_array() || std::find(v.begin(), v.end(), kSearchRequestSchema) == v.end()) {
        return Error{400, "invalidSyntax", std::string("'schemas' must list ") + kSearchRequestSchema};
      }
      continue;
    }
    static const char* kKnown[] = {"attributes", "excludedAttributes", "filter", "sortBy", "sortOrder", "startIndex", "count"};
    const auto known = std::find_if(std::begin(kKnown), std::end(kKnown), [&](const char* k) { return iequals(k, key); });
    if (known == std::end(kKnown)) continue;
    if (v.is_null()) continue;
    if (v.is_array()) {  // attributes lists
      std::string joined;
      for (const auto& item : v) {
        if (!item.is_string()) return invalid_value(std::string("'") + *known + "' must list strings");
        joined += (joined.empty() ? "" : ",") + item.get<std::string>();
      }
      params[*known] = joined;
    } else if (v.is_string()) {
      params[*known] = v.get<std::string>();
    } else if (v.is_number_integer()) {
      params[*known] = std::to_string(v.get<long long>());
    } else {
      return invalid_value(std::string("'") + *known + "' has the wrong type");
    }
  }
  return parse_query(params, limits, catalog);
}

json project(const json& resource, const AttributeSelection& attributes, const AttributeSelection& excluded) {
  if (!attributes.empty()) {
    json out = json::object();
    for (const char* always : {"schemas", "id"}) {
      if (resource.contains(always)) out[always] = resource[always];
    }
    for (const auto& path : attributes.paths) copy_path(resource, out, path);
    for (const auto& urn : attributes.extensions) {
      if (const json* ext = member(resource, urn)) out[urn] = *ext;
    }
    return out;
  }
  json out = resource;
  for (const auto& path : excluded.paths) {
    if (!always_returned(path)) erase_path(out, path);
  }
  for (const auto& urn : excluded.extensions) out.erase(urn);
  return out;
}

json list_response(std::vector<json> resources, const Query& query) {
  if (query.filter) {
    std::erase_if(resources, [&](const json& r) { return !matches(*query.filter, r); });
  }
  if (query.sort_by) {
    const bool exact = case_exact(*query.sort_by);
    // Resources without a value sort last in ascending order (RFC 7644 §3.4.2.3).
    std::stable_sort(resources.begin(), resources.end(), [&](const json& a, const json& b) {
      const json* va = sort_key(a, *query.sort_by);
      const json* vb = sort_key(b, *query.sort_by);
      if (!va || !vb) return query.descending ? (!va && vb) : (va && !vb);
      bool comparable = false;
      const int order = compare_values(*va, *vb, exact, comparable);
      return comparable && (query.descending ? order > 0 : order < 0);
    });
  }
  json page = json::array();
  for (size_t i = query.start_index - 1; i < resources.size() && page.size() < query.count; ++i) {
    page.push_back(project(resources[i], query.attributes, query.excluded));
  }
  return {{"schemas", {kListResponseSchema}},
          {"totalResults", resources.size()},
          {"startIndex", query.start_index},
          {"itemsPerPage", page.size()},
          {"Resources", std::move(page)}};
}

}  // namespace idb::scim
