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

struct Runtime {
  std::map<std::string, mapping::TargetMapping> mappings;
  std::unique_ptr<state::Store> store;
  std::vector<std::unique_ptr<connectors::Connector>> connectors;
  std::vector<TargetBinding> bindings;  // one per target, in config order
  std::unique_ptr<OutboxWorker> worker;
  std::vector<std::string> target_names;
};

// Mapping errors come back as diagnostics (exit 2); a state store that cannot
// be opened throws state::StoreError (exit 1).
std::variant<std::unique_ptr<Runtime>, std::vector<diag::Diagnostic>> build_runtime(const config::Config& config);
// The same, logging the diagnostics; nullptr when there were any.
std::unique_ptr<Runtime> runtime_or_report(const config::Config& config);

int64_t now_ms();

}  // namespace idb::daemon
