#include "daemon/runtime.h"

#include <algorithm>
#include <chrono>

#include <spdlog/spdlog.h>

#include "connectors/authing/authing_connector.h"
#include "connectors/eiam/eiam_connector.h"
#include "connectors/huawei/huawei_connector.h"
#include "connectors/ldap/dn.h"
#include "connectors/ldap/ldap_connector.h"
#include "connectors/pds/pds_connector.h"
#include "connectors/sensecore/sensecore_connector.h"
#include "connectors/signing/crypto.h"

namespace idb::daemon {

namespace {

reconcile::DisableMark disable_mark(const config::Target& target) {
  if (target.type == "authing") return {"status", target.authing.disabled_status};
  if (target.type == "pds") return {"status", "disabled"};
  if (target.type == "eiam") return {"Status", "disabled"};
  if (target.type == "huawei") return {"disabled", "true"};
  if (target.type == "sensecore") return {target.sensecore.disabled_field, target.sensecore.disabled_value};
  const std::string& move_to = target.ldap.disable.move_to;
  if (move_to.empty()) return {target.ldap.disable.attribute, target.ldap.disable.value};
  return {target.ldap.disable.attribute, target.ldap.disable.value,
          [move_to](const std::string& dn) { return connectors::ldap::moved_below(dn, move_to); }};
}

// Cloud accounts carry their lifecycle in a status field; when the mapping
// sets it too, the connector reports it as it is.
bool maps_status(const config::Target& target, const mapping::TargetMapping& mapping) {
  const auto& managed = mapping.managed_attributes();
  return std::find(managed.begin(), managed.end(), disable_mark(target).attribute) != managed.end();
}

std::unique_ptr<connectors::Connector> make_connector(const config::Target& target,
                                                      const mapping::TargetMapping& mapping, state::Store& store) {
  if (target.type == "authing") {
    return std::make_unique<connectors::authing::AuthingConnector>(target.name, target.authing,
                                                                   maps_status(target, mapping));
  }
  if (target.type == "pds") {
    return std::make_unique<connectors::pds::PdsConnector>(target.name, target.pds, maps_status(target, mapping),
                                                           &store);
  }
  if (target.type == "eiam") {
    return std::make_unique<connectors::eiam::EiamConnector>(target.name, target.eiam, maps_status(target, mapping),
                                                             &store);
  }
  if (target.type == "huawei") {
    return std::make_unique<connectors::huawei::HuaweiConnector>(target.name, target.huawei,
                                                                 maps_status(target, mapping), &store);
  }
  if (target.type == "sensecore") {
    return std::make_unique<connectors::sensecore::SenseCoreConnector>(target.name, target.sensecore,
                                                                       maps_status(target, mapping), &store);
  }
  return std::make_unique<connectors::ldap::LdapConnector>(target.name, target.ldap);
}

reconcile::DeletePolicy delete_policy(const config::Deletion& deletion) {
  using When = reconcile::DeletePolicy::When;
  const When when = deletion.policy == "after_delete"    ? When::after_delete
                    : deletion.policy == "after_disable" ? When::after_disable
                                                         : When::never;
  return {when, deletion.grace_days * 24 * 3600 * 1000};
}

}  // namespace

std::unique_ptr<Runtime> runtime_or_report(const config::Config& config) {
  auto built = build_runtime(config);
  if (auto* errors = std::get_if<std::vector<diag::Diagnostic>>(&built)) {
    for (const auto& e : *errors) spdlog::error("{}", e.to_string());
    return nullptr;
  }
  return std::get<std::unique_ptr<Runtime>>(std::move(built));
}

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string utc_iso8601(int64_t ms) {
  return connectors::signing::iso8601(std::chrono::system_clock::time_point(std::chrono::milliseconds(ms)));
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

std::shared_ptr<const Targets> build_targets(const config::Config& config,
                                             std::map<std::string, mapping::TargetMapping> mappings,
                                             state::Store& store) {
  auto targets = std::make_shared<Targets>();
  targets->mappings = std::move(mappings);
  for (const auto& target : config.targets) {
    const auto& target_mapping = targets->mappings.at(target.name);
    targets->connectors.push_back(make_connector(target, target_mapping, store));
    const config::Guards& g = target.guards;
    targets->bindings.push_back({targets->connectors.back().get(), &target_mapping, disable_mark(target),
                                 reconcile::policies_for(target_mapping),
                                 reconcile::GuardLimits{g.max_disables, static_cast<double>(g.max_disable_percent),
                                                        g.max_modifies, static_cast<double>(g.max_modify_percent),
                                                        g.percent_floor},
                                 delete_policy(target.deletion),
                                 target.leaving_scope == "keep" ? reconcile::LeavingScope::keep
                                                                : reconcile::LeavingScope::disable});
  }
  return targets;
}

const TargetBinding* Targets::binding(const std::string& name) const {
  const auto it = std::find_if(bindings.begin(), bindings.end(),
                               [&](const TargetBinding& b) { return b.connector->name() == name; });
  return it == bindings.end() ? nullptr : &*it;
}

OutboxWorker::Bindings bindings_of(std::shared_ptr<const Targets> targets) {
  const auto* bindings = &targets->bindings;
  return {std::move(targets), bindings};
}

std::variant<std::unique_ptr<Runtime>, std::vector<diag::Diagnostic>> build_runtime(const config::Config& config) {
  auto runtime = std::make_unique<Runtime>();
  auto mapping = load_mapping(config);
  if (!mapping.errors.empty()) return std::move(mapping.errors);
  runtime->store = state::Store::open(config.state_dir);
  runtime->targets = build_targets(config, std::move(mapping.targets), *runtime->store);
  for (const auto& target : config.targets) runtime->target_names.push_back(target.name);
  runtime->worker = std::make_unique<OutboxWorker>(*runtime->store, bindings_of(runtime->targets), config.retry, now_ms);
  // Targets' settings other than guards change only with a restart: the copy stays true.
  runtime->worker->read_in_bulk([config](const TargetBinding& binding) {
    return std::make_unique<AccountIndex>(binding, config);
  });
  return runtime;
}

}  // namespace idb::daemon
