#pragma once
#include "config/config.h"

namespace idb::daemon {

// Runs the daemon until SIGINT/SIGTERM: the SCIM endpoint and admin routes on
// config.listen, and the outbox drained into the targets as changes arrive and
// retries fall due. Returns the process exit status.
int serve(const config::Config& config);

// `sync --once`: enqueues every user for every target, drains until nothing
// is due, and reports what is left. Returns 0 when every target is in line.
int sync_once(const config::Config& config);

}  // namespace idb::daemon
