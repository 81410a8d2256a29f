#include "reconcile/guards.h"

#include <cstdio>

namespace idb::reconcile {
namespace {

std::string percent(double value) {
  char out[32];
  std::snprintf(out, sizeof out, "%.1f%%", value);
  return out;
}

// `note` says what the count is made of ("2 deletes"), or is empty.
std::optional<std::string> check(const std::string& what, const std::string& note, int64_t count, int64_t accounts,
                                 int64_t max_count, double max_percent, int64_t floor) {
  const double share = accounts > 0 ? 100.0 * static_cast<double>(count) / static_cast<double>(accounts) : 0.0;
  const std::string would = "would " + what + " " + std::to_string(count);
  if (count > max_count) {
    return would + " accounts" + (note.empty() ? "" : " (" + note + ")") + ", more than the limit of " +
           std::to_string(max_count);
  }
  if (count >= floor && share > max_percent) {
    return would + " of " + std::to_string(accounts) + " accounts (" + (note.empty() ? "" : note + ", ") +
           percent(share) + "), more than the limit of " + percent(max_percent);
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> held_by_guard(const RunCounts& counts, const GuardLimits& limits) {
  // Deletes count against the disable limits; the reason says when some are deletes.
  const bool deleting = counts.deletes > 0;
  const std::string deletes =
      !deleting ? "" : std::to_string(counts.deletes) + (counts.deletes == 1 ? " delete" : " deletes");
  if (auto r = check(deleting ? "disable or delete" : "disable", deletes, counts.disables, counts.accounts,
                     limits.max_disables, limits.max_disable_percent, limits.percent_floor)) {
    return r;
  }
  return check("modify", "", counts.modifies, counts.accounts, limits.max_modifies, limits.max_modify_percent,
               limits.percent_floor);
}

}  // namespace idb::reconcile
