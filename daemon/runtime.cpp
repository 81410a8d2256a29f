#include "daemon/runtime.h"

#include <chrono>

#include "connectors/ldap/dn.h"
#include "connectors/ldap/ldap_connector.h"

namespace idb::daemon {

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

mapping::LoadResult load_mapping(const config::Config& config) {
  std::vector<mapping::TargetRef> refs;
  for (const auto& target : config.targets) {
    mapping::Escape escape;
    if (target.type == "ldap") escape = [](std::string_view v) { return connectors::ldap::escape_value(v); };
    refs.push_back({target.name, target.type, std::move(escape)});
  }
  auto result = mapping::load(config.mapping_file, refs);
  // A mapping file that cannot be read is reported where the config names it.
  for (auto& error : result.errors) {
    if (error.where.line == 0) {
      error.message = "mapping file '" + error.where.file + "': " + error.message;
      error.where = config.mapping_location;
    }
  }
  return result;
}

std::variant<std::unique_ptr<Runtime>, std::vector<diag::Diagnostic>> build_runtime(const config::Config& config) {
  auto runtime = std::make_unique<Runtime>();
  auto mapping = load_mapping(config);
  if (!mapping.errors.empty()) return std::move(mapping.errors);
  runtime->mappings = std::move(mapping.targets);
  runtime->store = state::Store::open(config.state_dir);

  auto& bindings = runtime->bindings;
  for (const auto& target : config.targets) {
    runtime->connectors.push_back(std::make_unique<connectors::ldap::LdapConnector>(target.name, target.ldap));
    runtime->target_names.push_back(target.name);
    bindings.push_back({runtime->connectors.back().get(), &runtime->mappings.at(target.name),
                        {target.ldap.disable.attribute, target.ldap.disable.value},
                        reconcile::Policies{}});
  }
  runtime->worker = std::make_unique<OutboxWorker>(*runtime->store, bindings, config.retry, now_ms);
  return runtime;
}

}  // namespace idb::daemon
