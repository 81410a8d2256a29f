#include "daemon/audit.h"

#include <charconv>
#include <ctime>
#include <ostream>

#include <spdlog/spdlog.h>

#include "daemon/runtime.h"
#include "reconcile/report.h"

namespace idb::daemon {
namespace {

constexpr int64_t kDayMs = 24 * 3600 * 1000;

using reconcile::values_text;

std::optional<int64_t> number(std::string_view digits) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), n);
  if (ec != std::errc() || end != digits.data() + digits.size() || digits.empty()) return std::nullopt;
  return n;
}

}  // namespace

std::optional<int64_t> parse_since(std::string_view text, int64_t now_ms) {
  if (text.size() >= 2 && text.size() <= 7) {
    const int64_t unit = text.back() == 'm' ? 60'000 : text.back() == 'h' ? 3'600'000 : text.back() == 'd' ? kDayMs : 0;
    const auto n = number(text.substr(0, text.size() - 1));
    if (unit && n && *n >= 0) return now_ms - *n * unit;
  }
  // A date, or a date and time in UTC: the shapes utc_iso8601 writes.
  std::tm tm{};
  const std::string copy(text);
  const char* end = nullptr;
  if (copy.size() == 10) end = strptime(copy.c_str(), "%Y-%m-%d", &tm);
  if (copy.size() == 20) end = strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  // strptime takes 2026-02-30, which timegm moves on to March: not a date.
  const std::tm parsed = tm;
  const std::time_t at = timegm(&tm);
  std::tm back{};
  if (!gmtime_r(&at, &back) || back.tm_year != parsed.tm_year || back.tm_mon != parsed.tm_mon ||
      back.tm_mday != parsed.tm_mday) {
    return std::nullopt;
  }
  return static_cast<int64_t>(at) * 1000;
}

void write_audit_text(const std::vector<state::AuditRecord>& rows, std::ostream& out) {
  for (const auto& r : rows) {
    out << utc_iso8601(r.at_ms) << "  " << r.target << "  " << r.action << "  "
        << (r.previous_key.empty() ? r.account_key : r.previous_key + " -> " + r.account_key) << "  user "
        << r.user_name << " (" << r.user_id << ")  " << r.outcome << (r.error.empty() ? "" : " " + r.error)
        << "  source: " << r.source << "\n";
    for (const auto& c : r.changes) {
      out << "    " << c.attribute << ": " << c.change << " "
          << (c.values ? values_text(*c.values) : "(secret, not recorded)") << "\n";
    }
  }
}

nlohmann::json audit_json(const state::AuditRecord& r) {
  nlohmann::json changes = nlohmann::json::array();
  for (const auto& c : r.changes) {
    nlohmann::json one{{"attribute", c.attribute}, {"change", c.change}};
    if (c.values) {
      one["values"] = *c.values;
    } else {
      one["secret"] = true;
    }
    changes.push_back(std::move(one));
  }
  return {{"id", r.id},
          {"time", utc_iso8601(r.at_ms)},
          {"time_ms", r.at_ms},
          {"target", r.target},
          {"user_id", r.user_id},
          {"user_name", r.user_name},
          {"action", r.action},
          {"key", r.account_key},
          {"previous_key", r.previous_key.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.previous_key)},
          {"changes", std::move(changes)},
          {"outcome", r.outcome},
          {"error", r.error.empty() ? nlohmann::json(nullptr) : nlohmann::json(r.error)},
          {"source", r.source}};
}

int audit(const config::Config& config, const AuditRequest& request, std::ostream& out, std::ostream& err) {
  if (request.format != "text" && request.format != "json") {
    err << "idbridge audit: unknown format '" << request.format << "' (known: text, json)\n";
    return 2;
  }
  state::AuditQuery query{request.target, request.user, std::nullopt};
  if (request.since) {
    query.since_ms = parse_since(*request.since, now_ms());
    if (!query.since_ms) {
      err << "idbridge audit: --since '" << *request.since
          << "' is not a time (2026-11-22, 2026-11-22T13:44:32Z in UTC, or an age: 45m, 36h, 7d)\n";
      return 2;
    }
  }
  const auto rows = state::Store::open(config.state_dir)->audit(query);
  if (request.format == "text") {
    write_audit_text(rows, out);
    return 0;
  }
  nlohmann::json all = nlohmann::json::array();
  for (const auto& r : rows) all.push_back(audit_json(r));
  // Values are what the targets hold: bytes that are not UTF-8 are replaced, never refused.
  out << all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

void prune_audit(state::Store& store, int64_t days, int64_t now_ms) {
  if (days <= 0) return;
  if (const int64_t gone = store.prune_audit(now_ms - days * kDayMs)) {
    spdlog::info("audit log: {} row(s) older than {} day(s) pruned", gone, days);
  }
}

}  // namespace idb::daemon
