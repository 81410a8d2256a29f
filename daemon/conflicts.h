#pragma once
// `idbridge conflicts list|show ID|resolve ID --take source|target` (the
// review queue) and `idbridge approve --target T` (a batch a guard holds).
#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>

#include "config/config.h"

namespace idb::daemon {

struct ConflictsRequest {
  std::string action;                 // list | show | resolve
  std::optional<int64_t> id;          // show, resolve
  std::string take;                   // resolve: source | target
  std::string key;                    // resolve of an ambiguous correlation --take target: the account to link
  std::optional<std::string> target;  // list: only this target
  bool all = false;                   // list: closed items too
  std::string format = "text";        // list, show: text | json
};

// Exit status: 0 done, 1 the target refused or could not be reached (the
// item stays open), 2 bad request or unknown item.
int conflicts(const config::Config& config, const ConflictsRequest& request, std::ostream& out, std::ostream& err);

// Approves the batch a guard holds on `target` (only if it is still `batch`
// when given): the daemon (or the next `sync --once`) applies exactly its
// changes. Exit status 0, or 2 when the target is unknown, not held, or holds
// another batch.
int approve(const config::Config& config, const std::string& target, const std::optional<std::string>& batch,
            std::ostream& out, std::ostream& err);

}  // namespace idb::daemon
