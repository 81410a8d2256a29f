#pragma once
// What SIGHUP changes in a running `serve`, and what only a restart does.
//
// Reloaded: the mapping file (`mapping:`, re-read even when its name did not
// change: every target's key, scope, correlation, attributes, ownership and
// lookup tables) and each target's `guards:`. The new rules are compiled in
// full before anything changes; on any error the running ones stay and the
// errors are logged as FILE:LINE:COL. A drain already running finishes with
// the rules it started with; every user is then re-planned with the new ones.
//
// Needs a restart (a changed key is logged as not applied, the rest reloads):
// listen, state_dir, log, scim (tokens, limits, extensions, tls), retry,
// full_sync, audit, sources, and every target setting but its guards (connection,
// credentials, how an account is disabled). They are held by the listening
// socket, the open store, the pollers and the connectors' sessions. Adding,
// removing or renaming a target reloads nothing: its rules and its
// connection come together, and only a restart brings both.
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "daemon/runtime.h"

namespace idb::daemon {

struct ReloadPlan {
  // `running` with what a reload may change taken from the new config; nullopt
  // when the set of targets changed (nothing reloads).
  std::optional<config::Config> config;
  std::vector<std::string> restart_needed;  // changed keys left as they run, spelled as in the config file
};

ReloadPlan plan_reload(const config::Config& running, const config::Config& next);

// Reads the config again (with the command line's overrides applied).
using ConfigSource = std::function<config::LoadResult()>;

// Loads the config and its mapping through `source`; when both load, installs
// the new rules in `runtime`'s worker and makes `running` what now runs.
// Logs what it did, every error and every change left for a restart. True when
// new rules are installed.
bool reload(const ConfigSource& source, config::Config& running, Runtime& runtime);

}  // namespace idb::daemon
