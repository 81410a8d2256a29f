#pragma once
// The LDAP target (libldap). Synchronous for the walking skeleton; the
// pipelined pool comes with the LDAP connector issue behind the same interface.
#include <memory>
#include <mutex>
#include <string>

#include "config/config.h"
#include "connectors/connector.h"

typedef struct ldap LDAP;

namespace idb::connectors::ldap {

class LdapConnector final : public Connector {
 public:
  LdapConnector(std::string name, config::LdapTarget settings);
  ~LdapConnector() override;

  const std::string& name() const override { return name_; }
  Result<std::optional<Observed>> read(const std::string& dn, const std::vector<std::string>& attributes) override;
  // create: ldap_add; a missing parent below base_dn (ou=..., or any RDN whose
  //         attribute maps to a known structural class) is created first.
  // modify: ldap_modify with exactly the given changes.
  // rename: ldap_rename (new RDN, deleteoldrdn, new superior when the parent changes).
  Status apply(const reconcile::Operation& op) override;

  // Connects and binds now; used by check/readiness and tests.
  Status ping();

 private:
  Status ensure_connected();  // (re)connects and binds when there is no live connection
  void drop_connection();

  std::string name_;
  config::LdapTarget settings_;
  LDAP* ld_ = nullptr;
  std::mutex mu_;
};

}  // namespace idb::connectors::ldap
