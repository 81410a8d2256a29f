#pragma once
// The LDAP target (libldap). Synchronous for the walking skeleton; the
// pipelined pool comes with the LDAP connector issue behind the same interface.
#include <mutex>
#include <optional>
#include <string>

#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/ldap/session.h"

namespace idb::connectors::ldap {

class LdapConnector final : public Connector {
 public:
  LdapConnector(std::string name, config::LdapTarget settings);
  ~LdapConnector() override;

  const std::string& name() const override { return name_; }
  // Base-scope read of `dn`: the listed attributes plus objectClass.
  Result<std::optional<Observed>> read(const std::string& dn, const std::vector<std::string>& attributes) override;
  // create: ldap_add; missing ou=... parents below base_dn are created first.
  // modify: ldap_modify with exactly the given changes.
  // rename: ldap_rename (new RDN, deleteoldrdn, new superior when the parent changes).
  Status apply(const reconcile::Operation& op) override;

  // Connects and binds anew, replacing any kept connection; for check/readiness.
  Status ping();

 private:
  Status ensure_connected();  // (re)connects and binds when there is no live connection
  void drop_connection();
  // Keeps the connection unless the failure says the connection itself is in doubt.
  template <class T>
  Result<T> settle(Result<T> result);

  Result<std::optional<Observed>> lookup(const std::string& dn, const std::vector<std::string>& attributes);
  Status dispatch(const reconcile::Operation& op);
  Status create(const reconcile::Operation& op);
  Status modify(const reconcile::Operation& op);
  Status rename(const reconcile::Operation& op);

  std::string name_;
  config::LdapTarget settings_;
  std::optional<Session> session_;
  std::mutex mu_;  // one operation at a time on the one connection
};

}  // namespace idb::connectors::ldap
