#include "daemon/reload.h"

#include <spdlog/spdlog.h>

namespace idb::daemon {
namespace {

bool same_targets(const config::Config& a, const config::Config& b) {
  if (a.targets.size() != b.targets.size()) return false;
  for (size_t i = 0; i < a.targets.size(); ++i) {
    if (a.targets[i].name != b.targets[i].name || a.targets[i].type != b.targets[i].type) return false;
  }
  return true;
}

}  // namespace

ReloadPlan plan_reload(const config::Config& running, const config::Config& next) {
  ReloadPlan plan;
  auto changed = [&plan](bool differs, const std::string& key) {
    if (differs) plan.restart_needed.push_back(key);
  };
  changed(running.listen != next.listen, "listen");
  changed(running.state_dir != next.state_dir, "state_dir");
  changed(running.log_level != next.log_level || running.log_format != next.log_format, "log");
  changed(running.scim_tokens != next.scim_tokens, "scim.tokens");
  changed(running.scim_max_body_bytes != next.scim_max_body_bytes, "scim.max_body_bytes");
  changed(running.scim_bulk_max_operations != next.scim_bulk_max_operations ||
              running.scim_bulk_max_payload_bytes != next.scim_bulk_max_payload_bytes,
          "scim.bulk");
  changed(running.scim_extensions != next.scim_extensions, "scim.extensions");
  changed(running.scim_tls_cert_file != next.scim_tls_cert_file || running.scim_tls_key_file != next.scim_tls_key_file ||
              running.scim_tls_client_ca_file != next.scim_tls_client_ca_file,
          "scim.tls");
  changed(running.retry != next.retry, "retry");
  changed(running.full_sync_interval_s != next.full_sync_interval_s, "full_sync");
  changed(running.audit_retention_days != next.audit_retention_days, "audit");
  changed(running.sources != next.sources, "sources");
  if (!same_targets(running, next)) {
    changed(true, "targets (added, removed, renamed, retyped or reordered)");
    return plan;
  }
  config::Config config = running;
  config.mapping_file = next.mapping_file;
  config.mapping_location = next.mapping_location;
  for (size_t i = 0; i < config.targets.size(); ++i) {
    config::Target& target = config.targets[i];
    config::Target rest = next.targets[i];
    rest.guards = target.guards;
    changed(rest != target, "targets." + target.name + " (other than guards)");
    target.guards = next.targets[i].guards;
  }
  plan.config = std::move(config);
  return plan;
}

bool reload(const ConfigSource& source, config::Config& running, Runtime& runtime) {
  spdlog::info("reload: reading {}", running.file.string());
  auto loaded = source();
  for (const auto& e : loaded.errors) spdlog::error("reload: {}", e.to_string());
  if (!loaded.config) {
    spdlog::error("reload: the configuration has errors; the running one is kept");
    return false;
  }
  auto plan = plan_reload(running, *loaded.config);
  for (const auto& key : plan.restart_needed) {
    spdlog::warn("reload: '{}' changed; not applied until idbridge restarts", key);
  }
  if (!plan.config) {
    spdlog::error("reload: nothing reloaded; restart idbridge to apply the new targets");
    return false;
  }
  auto mapping = load_mapping(*plan.config);
  for (const auto& e : mapping.errors) spdlog::error("reload: {}", e.to_string());
  if (!mapping.errors.empty()) {
    spdlog::error("reload: the mapping has errors; the running rules are kept");
    return false;
  }
  runtime.targets = build_targets(*plan.config, std::move(mapping.targets), *runtime.store);
  runtime.worker->replace_targets(bindings_of(runtime.targets));
  running = std::move(*plan.config);
  spdlog::info("reload: mapping {} and guards in force for {} target(s)", running.mapping_file.string(),
               runtime.target_names.size());
  return true;
}

}  // namespace idb::daemon
