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
  std::optional<std::filesystem::path> save;    // also write the plan as JSON, for `idbridge apply`
};

// Exit status: 0 nothing needs attention, 3 conflicts or a held guard,
// 1 a target could not be read or the report not written, 2 bad request.
int plan(const config::Config& config, const PlanRequest& request);

struct ApplyRequest {
  std::filesystem::path plan;  // a file written by `plan --save`
  bool approve = false;        // apply targets a guard held, after review
};

// `idbridge apply PLAN`: applies exactly the saved plan. Every item is planned
// again first and refused when what it was decided from (desired, baseline or
// observed) changed since. Exit status: 0 all applied, 3 something refused or
// held, 1 a target failed, 2 not a plan file or bad config.
int apply(const config::Config& config, const ApplyRequest& request);

}  // namespace idb::daemon
