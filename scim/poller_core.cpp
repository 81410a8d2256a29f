#include "scim/poller_core.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <limits>

namespace idb::scim::poll {
namespace {

using json = nlohmann::json;

// `n` digits at `pos`, advancing it; nullopt when they are not there.
std::optional<int> digits(std::string_view text, size_t& pos, size_t n) {
  if (pos + n > text.size()) return std::nullopt;
  int value = 0;
  for (size_t i = 0; i < n; ++i) {
    const char c = text[pos + i];
    if (!std::isdigit(static_cast<unsigned char>(c))) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += n;
  return value;
}

bool expect(std::string_view text, size_t& pos, std::string_view any_of) {
  if (pos >= text.size() || any_of.find(text[pos]) == std::string_view::npos) return false;
  ++pos;
  return true;
}

}  // namespace

Endpoint split_url(const std::string& url) {
  const auto sep = url.find("://");
  const auto slash = url.find('/', sep == std::string::npos ? 0 : sep + 3);
  Endpoint e{url.substr(0, slash), slash == std::string::npos ? "" : url.substr(slash)};
  while (!e.path.empty() && e.path.back() == '/') e.path.pop_back();
  return e;
}

connectors::http::Request get_request(const std::string& path, connectors::signing::Params query) {
  connectors::http::Request r;
  r.method = "GET";
  r.path = path;
  r.headers = {{"Accept", "application/scim+json, application/json"}};
  r.query = std::move(query);
  return r;
}

connectors::http::Request list_request(const std::string& base_path, int64_t start_index, int count,
                                       const std::string& filter, const std::string& attributes) {
  auto r = get_request(base_path + "/Users",
                       {{"startIndex", std::to_string(start_index)}, {"count", std::to_string(count)}});
  if (!filter.empty()) r.query.emplace_back("filter", filter);
  if (!attributes.empty()) r.query.emplace_back("attributes", attributes);
  return r;
}

std::variant<ListPage, std::string> parse_list_response(std::string_view body) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_discarded() || !doc.is_object()) return std::string("the response is not a JSON object");
  ListPage page;
  const auto resources = doc.find("Resources");
  if (resources != doc.end() && !resources->is_array()) return std::string("'Resources' is not an array");
  if (resources != doc.end()) page.resources = resources->get<std::vector<json>>();
  const auto total = doc.find("totalResults");
  if (total == doc.end() || !total->is_number_integer() || total->get<int64_t>() < 0) {
    return std::string("'totalResults' is missing or not a non-negative integer");
  }
  page.total_results = total->get<int64_t>();
  for (size_t i = 0; i < page.resources.size(); ++i) {
    const json& r = page.resources[i];
    if (!r.is_object() || !r.contains("id") || !r["id"].is_string() || r["id"].get<std::string>().empty()) {
      return "resource " + std::to_string(i + 1) + " of the page has no string 'id'";
    }
  }
  return page;
}

std::optional<int64_t> next_start_index(const ListPage& page, int64_t asked) {
  if (page.resources.empty()) return std::nullopt;
  const int64_t next = asked + static_cast<int64_t>(page.resources.size());
  if (next > page.total_results) return std::nullopt;
  return next;
}

bool filter_supported(const json& config) {
  const auto filter = config.find("filter");
  if (filter == config.end() || !filter->is_object()) return false;
  const auto supported = filter->find("supported");
  return supported != filter->end() && supported->is_boolean() && supported->get<bool>();
}

std::string modified_since(const std::string& watermark) {
  // A JSON string is the SCIM filter grammar's compValue for strings.
  return "meta.lastModified gt " + json(watermark).dump();
}

std::optional<int64_t> parse_timestamp_us(std::string_view text) {
  size_t pos = 0;
  const auto year = digits(text, pos, 4);
  if (!year || !expect(text, pos, "-")) return std::nullopt;
  const auto month = digits(text, pos, 2);
  if (!month || !expect(text, pos, "-")) return std::nullopt;
  const auto day = digits(text, pos, 2);
  if (!day || !expect(text, pos, "Tt ")) return std::nullopt;
  const auto hour = digits(text, pos, 2);
  if (!hour || !expect(text, pos, ":")) return std::nullopt;
  const auto minute = digits(text, pos, 2);
  if (!minute || !expect(text, pos, ":")) return std::nullopt;
  const auto second = digits(text, pos, 2);
  if (!second || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  int64_t micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    int64_t scale = 100000;
    const size_t first = pos;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      micros += (text[pos] - '0') * scale;  // digits past microseconds add nothing
      scale /= 10;
      ++pos;
    }
    if (pos == first) return std::nullopt;
  }
  int64_t offset_s = 0;
  if (!expect(text, pos, "Zz")) {
    if (pos >= text.size() || (text[pos] != '+' && text[pos] != '-')) return std::nullopt;
    const int sign = text[pos++] == '-' ? -1 : 1;
    const auto oh = digits(text, pos, 2);
    if (!oh || !expect(text, pos, ":")) return std::nullopt;
    const auto om = digits(text, pos, 2);
    if (!om || *oh > 23 || *om > 59) return std::nullopt;
    offset_s = sign * (*oh * 3600 + *om * 60);
  }
  if (pos != text.size()) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year(*year), std::chrono::month(static_cast<unsigned>(*month)),
                                         std::chrono::day(static_cast<unsigned>(*day))};
  if (!date.ok()) return std::nullopt;
  const int64_t days = std::chrono::sys_days(date).time_since_epoch().count();
  const int64_t seconds = days * 86400 + *hour * 3600 + *minute * 60 + *second - offset_s;
  return seconds * 1000000 + micros;
}

std::optional<std::string> advance_watermark(const std::optional<std::string>& current,
                                             const std::vector<Outcome>& outcomes) {
  // Resources modified at or after the oldest failure are asked for again.
  int64_t first_failure = std::numeric_limits<int64_t>::max();
  for (const Outcome& o : outcomes) {
    if (o.stored) continue;
    const auto at = parse_timestamp_us(o.last_modified);
    if (!at) return current;  // a failure we cannot place in time: keep everything asked for again
    first_failure = std::min(first_failure, *at);
  }
  std::optional<std::string> best = current;
  std::optional<int64_t> best_at = current ? parse_timestamp_us(*current) : std::nullopt;
  for (const Outcome& o : outcomes) {
    if (!o.stored) continue;
    const auto at = parse_timestamp_us(o.last_modified);
    if (!at || *at >= first_failure) continue;
    if (!best_at || *at > *best_at) best = o.last_modified, best_at = at;
  }
  return best;
}

Absence absent_users(const std::unordered_map<std::string, std::string>& known,
                     const std::unordered_set<std::string>& listed, int64_t max_count, double max_percent) {
  Absence out;
  for (const auto& [remote_id, ours] : known) {
    if (!listed.contains(remote_id)) out.remote_ids.push_back(remote_id);
  }
  std::sort(out.remote_ids.begin(), out.remote_ids.end());
  reconcile::GuardLimits limits;
  limits.max_disables = max_count;
  limits.max_disable_percent = max_percent;
  limits.max_modifies = std::numeric_limits<int64_t>::max();
  limits.max_modify_percent = 100.0;
  out.held = reconcile::held_by_guard(
      {.accounts = static_cast<int64_t>(known.size()), .disables = static_cast<int64_t>(out.remote_ids.size())},
      limits);
  return out;
}

}  // namespace idb::scim::poll
