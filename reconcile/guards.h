#pragma once
// Guards against mass changes: a run that would disable, or modify, a large
// part of a target at once is held until an administrator approves it. One
// empty HR export must never disable a company. Pure.
#include <cstdint>
#include <optional>
#include <string>

namespace idb::reconcile {

struct GuardLimits {
  int64_t max_disables = 50;          // more than this many disables/deletes in one run...
  double max_disable_percent = 10.0;  // ...or more than this share of the accounts idbridge manages there
  int64_t max_modifies = 1000;        // the same for updates
  double max_modify_percent = 50.0;
  // Percentages only count from this many changes on: disabling 1 of 5
  // accounts is 20% but no accident worth stopping a run for.
  int64_t percent_floor = 10;
};

struct RunCounts {
  int64_t accounts = 0;  // the share's whole: accounts idbridge manages on the target
  int64_t disables = 0;  // disables and deletes
  int64_t modifies = 0;  // updates of existing, active accounts
  int64_t deletes = 0;   // of the disables, those that delete the account (named in the reason)
};

// Why the run is held, or nullopt when it may proceed.
std::optional<std::string> held_by_guard(const RunCounts& counts, const GuardLimits& limits);

}  // namespace idb::reconcile
