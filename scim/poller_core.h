#pragma once
// The SCIM poller's decisions, as pure functions: which page to ask for, what
// a ListResponse holds, how far the watermark may advance, and which users
// the source no longer has (held back by the deletion guard). The shell in
// scim/poller.h does the I/O around them.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/http/client.h"
#include "reconcile/guards.h"

namespace idb::scim::poll {

// A configured URL as the HTTP client takes it: the origin it connects to and
// the path requests start with ("" or "/scim/v2", no trailing slash).
struct Endpoint {
  std::string origin;  // scheme://host[:port]
  std::string path;
};
// Config has checked the form (scheme://host[:port][/path]).
Endpoint split_url(const std::string& url);

// A GET of a SCIM path, asking for SCIM JSON.
connectors::http::Request get_request(const std::string& path, connectors::signing::Params query = {});

// GET <base_path>/Users with RFC 7644 §3.4.2.4 paging (start_index is 1-based),
// and, when not empty, a filter and the attributes to return.
connectors::http::Request list_request(const std::string& base_path, int64_t start_index, int count,
                                       const std::string& filter = {}, const std::string& attributes = {});

// One page of a ListResponse (RFC 7644 §3.4.2). Every resource has a string id.
struct ListPage {
  int64_t total_results = 0;
  std::vector<nlohmann::json> resources;
};
// The page, or what is wrong with the body (a message naming the field).
std::variant<ListPage, std::string> parse_list_response(std::string_view body);

// Where the page after `page` (asked for at `asked`) starts, or nullopt when
// the listing is complete: past the last result, or on an empty page. Counted
// from what we asked, so a source that echoes a wrong startIndex or miscounts
// cannot make us loop.
std::optional<int64_t> next_start_index(const ListPage& page, int64_t asked);

// Whether a ServiceProviderConfig (RFC 7643 §5) says the source filters.
bool filter_supported(const nlohmann::json& service_provider_config);

// meta.lastModified gt "<watermark>", the value quoted per RFC 7644 §3.4.2.2.
std::string modified_since(const std::string& watermark);

// An RFC 3339 date-time as microseconds since the epoch; nullopt when malformed.
std::optional<int64_t> parse_timestamp_us(std::string_view text);

// What became of one resource of a run: its meta.lastModified as the source
// wrote it (empty if it had none) and whether it was stored.
struct Outcome {
  std::string last_modified;
  bool stored = false;
};
// The watermark after a run: the newest lastModified up to which every
// resource was stored, so a resource that failed is asked for again next
// time. Never moves back; nullopt while there is none.
std::optional<std::string> advance_watermark(const std::optional<std::string>& current,
                                             const std::vector<Outcome>& outcomes);

// The users a complete listing no longer shows.
struct Absence {
  std::vector<std::string> remote_ids;  // sorted
  std::optional<std::string> held;      // the guard's reason: then none may be disabled
};
// `known` maps the source's ids of the users it delivered to ours; `listed`
// is every id of a complete listing.
Absence absent_users(const std::unordered_map<std::string, std::string>& known,
                     const std::unordered_set<std::string>& listed, int64_t max_count, double max_percent);

}  // namespace idb::scim::poll
