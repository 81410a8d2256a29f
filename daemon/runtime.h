#pragma once
// Everything `serve` and `sync` share: the config turned into live parts
// (mapping compiled, state opened, one connector per target, the worker).
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "daemon/outbox_worker.h"
#include "mapping/mapping.h"
#include "state/store.h"

namespace idb::daemon {

// Compiles the mapping file named by the config against its targets.
mapping::LoadResult load_mapping(const config::Config& config);

// The compiled mappings with one connector per target, bound together: what a
// reload replaces as one piece. Immutable once built; whoever holds it (a
// running drain) keeps using it while a reload installs the next one.
struct Targets {
  std::map<std::string, mapping::TargetMapping> mappings;
  std::vector<std::unique_ptr<connectors::Connector>> connectors;
  std::vector<TargetBinding> bindings;  // one per target, in config order

  // The binding of the target named `name`; nullptr when there is none.
  const TargetBinding* binding(const std::string& name) const;
};

// Binds `mappings` (compiled for config.targets) to new connectors keeping their state in `store`.
std::shared_ptr<const Targets> build_targets(const config::Config& config,
                                             std::map<std::string, mapping::TargetMapping> mappings,
                                             state::Store& store);
// The bindings of `targets`, sharing its ownership (as OutboxWorker takes them).
OutboxWorker::Bindings bindings_of(std::shared_ptr<const Targets> targets);

struct Runtime {
  std::unique_ptr<state::Store> store;  // first: the connectors keep state in it, so it outlives them
  std::shared_ptr<const Targets> targets;  // the rules now in force (a reload replaces them, see daemon/reload.h)
  std::unique_ptr<OutboxWorker> worker;
  std::vector<std::string> target_names;
};

// Mapping errors come back as diagnostics (exit 2); a state store that cannot
// be opened throws state::StoreError (exit 1).
std::variant<std::unique_ptr<Runtime>, std::vector<diag::Diagnostic>> build_runtime(const config::Config& config);
// The same, logging the diagnostics; nullptr when there were any.
std::unique_ptr<Runtime> runtime_or_report(const config::Config& config);

int64_t now_ms();
// `ms` since the epoch as "2026-11-22T13:44:32Z" (whole seconds, UTC), within
// system_clock's range (years 1678 to 2262).
std::string utc_iso8601(int64_t ms);

}  // namespace idb::daemon
