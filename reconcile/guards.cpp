#include "reconcile/guards.h"

#include <cstdio>

namespace idb::reconcile {
namespace {

std::optional<std::string> check(const char* what, int64_t count, int64_t accounts, int64_t max_count,
                                 double max_percent, int64_t floor) {
  const double percent = accounts > 0 ? 100.0 * static_cast<double>(count) / static_cast<double>(accounts) : 0.0;
  char reason[200];
  if (count > max_count) {
    std::snprintf(reason, sizeof reason, "would %s %lld accounts, more than the limit of %lld", what,
                  static_cast<long long>(count), static_cast<long long>(max_count));
    return reason;
  }
  if (count >= floor && percent > max_percent) {
    std::snprintf(reason, sizeof reason, "would %s %lld of %lld accounts (%.1f%%), more than the limit of %.1f%%", what,
                  static_cast<long long>(count), static_cast<long long>(accounts), percent, max_percent);
    return reason;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> held_by_guard(const RunCounts& counts, const GuardLimits& limits) {
  if (auto r = check("disable", counts.disables, counts.accounts, limits.max_disables, limits.max_disable_percent,
                     limits.percent_floor)) {
    return r;
  }
  return check("modify", counts.modifies, counts.accounts, limits.max_modifies, limits.max_modify_percent,
               limits.percent_floor);
}

}  // namespace idb::reconcile
