#include "daemon/account_index.h"

#include <algorithm>
#include <utility>

#include <spdlog/spdlog.h>

#include "connectors/ldap/ldap_connector.h"

namespace idb::daemon {

AccountIndex::AccountIndex(const TargetBinding& binding, const config::Config& config) : binding_(binding) {
  auto* ldap = dynamic_cast<connectors::ldap::LdapConnector*>(binding.connector);
  const auto target = std::find_if(config.targets.begin(), config.targets.end(),
                                   [&](const config::Target& t) { return t.name == binding.connector->name(); });
  if (!ldap || target == config.targets.end()) return;
  std::vector<std::string> attributes = binding.mapping->managed_attributes();
  if (!binding.disable.attribute.empty()) attributes.push_back(binding.disable.attribute);
  read_ = std::make_shared<Read>();
  if (auto base = connectors::ldap::parse_dn(target->ldap.base_dn)) read_->base = std::move(base.value());
  // The connector serialises its calls: a lookup made meanwhile (there is
  // none before the read ends) would wait for the read, never interleave.
  read_->accounts = std::async(std::launch::async, [ldap, base_dn = target->ldap.base_dn,
                                                     attributes = std::move(attributes)]() -> std::optional<Accounts> {
    Accounts accounts;
    const auto status = ldap->read_all(base_dn, "(objectClass=*)", attributes,
                                       [&](connectors::ldap::ObservedEntry&& e) {
                                         if (auto dn = connectors::ldap::parse_dn(e.observed.key)) {
                                           accounts[connectors::ldap::normalize(dn.value())] =
                                               std::move(e.observed.attributes);
                                         }
                                       });
    if (!status) {
      spdlog::warn("plan: paged read of {} failed ({}); reading accounts one by one", ldap->name(),
                   status.failure().message);
      return std::nullopt;
    }
    return accounts;
  }).share();
}

AccountReader AccountIndex::reader() const {
  if (!read_) return nullptr;
  return [read = read_, &binding = binding_](const std::string& key, const std::vector<std::string>& attrs)
             -> connectors::Result<std::optional<connectors::Observed>> {
    const auto& accounts = read->accounts.get();
    if (!accounts) return binding.connector->read(key, attrs);
    const auto dn = connectors::ldap::parse_dn(key);
    // Outside the subtree read (a disabled OU elsewhere): asked one by one.
    if (!dn || !read->base || !connectors::ldap::within(dn.value(), *read->base)) {
      return binding.connector->read(key, attrs);
    }
    const auto it = accounts->find(connectors::ldap::normalize(dn.value()));
    if (it == accounts->end()) return std::optional<connectors::Observed>();
    // Keyed as asked, like a read: the server's own spelling of the DN is no rename.
    return std::optional<connectors::Observed>(connectors::Observed{key, it->second});
  };
}

}  // namespace idb::daemon
