#pragma once
// `idbridge audit`: reads the audit log (every change applied, or tried, on a
// target; see state/store.h) as text or JSON, and prunes it by age.
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "state/store.h"

namespace idb::daemon {

struct AuditRequest {
  std::optional<std::string> target;
  std::optional<std::string> user;   // a user id or userName
  std::optional<std::string> since;  // as parse_since reads it
  std::string format = "text";       // text | json
};

// Exit status 0, or 2 on a bad request (format, --since).
int audit(const config::Config& config, const AuditRequest& request, std::ostream& out, std::ostream& err);

// A point in time: "2026-11-22" (midnight UTC), "2026-11-22T13:44:32Z", or an
// age before `now_ms`: "45m", "36h", "7d". nullopt when it is none of these.
std::optional<int64_t> parse_since(std::string_view text, int64_t now_ms);

// One row per change, then one indented line per attribute written.
void write_audit_text(const std::vector<state::AuditRecord>& rows, std::ostream& out);
nlohmann::json audit_json(const state::AuditRecord& row);

// Deletes the rows older than `days` (0: the log is kept forever); logs how many went.
void prune_audit(state::Store& store, int64_t days, int64_t now_ms);

}  // namespace idb::daemon
