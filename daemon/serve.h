#pragma once
#include "config/config.h"
#include "daemon/reload.h"

namespace idb::daemon {

// Runs the daemon until SIGINT/SIGTERM: the SCIM endpoint and admin routes on
// config.listen, and the outbox drained into the targets as changes arrive and
// retries fall due. SIGHUP reloads through `reload_source` (see daemon/reload.h).
// Returns the process exit status.
int serve(const config::Config& config, const ConfigSource& reload_source);

// `sync --once`: enqueues every user for every target, drains until nothing
// is due, and reports what is left. Returns 0 when every target is in line.
int sync_once(const config::Config& config);

}  // namespace idb::daemon
