#pragma once
// `idbridge plan`: the dry-run reconciliation report. Reads the state and the
// live targets, plans every user exactly as the daemon would, applies nothing.
#include <filesystem>
#include <optional>
#include <string>

#include "config/config.h"

namespace idb::daemon {

struct PlanRequest {
  std::optional<std::string> target;  // only this target
  std::string format = "text";        // text | json | html
  std::optional<std::filesystem::path> output;  // stdout when absent
};

// Exit status: 0 nothing needs attention, 3 conflicts or a held guard,
// 1 a target could not be read or the report not written, 2 bad request.
int plan(const config::Config& config, const PlanRequest& request);

}  // namespace idb::daemon
