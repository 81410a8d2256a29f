#pragma once
// The LDAP target (libldap). apply_all pipelines a batch over a small pool of
// connections; read_all pages through a subtree. The one-operation Connector
// calls are batches of one.
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/ldap/ldap_settings.h"
#include "connectors/ldap/pipeline.h"
#include "connectors/ldap/session.h"

namespace idb::connectors::ldap {

// One entry of a paged read, with what tells whether it changed since.
struct ObservedEntry {
  Observed observed;             // key: the entry's DN as the server spells it; its version
  std::string modify_timestamp;  // modifyTimestamp (GeneralizedTime), empty if the server sent none
  std::string entry_csn;         // entryCSN, empty without syncprov/replication
};

class LdapConnector final : public Connector {
 public:
  // Tuned as the config says (settings.tuning) unless `tuning` overrides it.
  LdapConnector(std::string name, config::LdapTarget settings)
      : LdapConnector(std::move(name), settings, settings.tuning) {}
  LdapConnector(std::string name, config::LdapTarget settings, LdapSettings tuning);
  ~LdapConnector() override;

  const std::string& name() const override { return name_; }
  // Base-scope read of `dn`: the listed attributes plus objectClass, and its version.
  Result<std::optional<Observed>> read(const std::string& dn, const std::vector<std::string>& attributes) override;
  // create: add; missing ou=... parents below base_dn are created first.
  // modify: exactly the given changes. rename: new RDN (the old value is
  // removed) and a new superior when the parent changes.
  Status apply(const reconcile::Operation& op) override;

  // Applies a batch with up to tuning.window operations in flight per
  // connection; returns one Status per operation, in batch order. Operations
  // on one entry run in batch order; after one fails, the later ones on that
  // entry are not sent and fail with its reason. `on_done` (optional) hears
  // of each as it finishes, one call at a time.
  std::vector<Status> apply_all(std::span<const reconcile::Operation> ops, const OnDone& on_done);
  std::vector<Status> apply_all(std::span<const reconcile::Operation> ops) override { return apply_all(ops, {}); }

  // Every entry below `base` (subtree) matching `filter`, page by page, with
  // the listed attributes plus objectClass; `on_entry` sees each once.
  Status read_all(const std::string& base, const std::string& filter, const std::vector<std::string>& attributes,
                  const std::function<void(ObservedEntry&&)>& on_entry);

  // read_all for a caller keeping entries in a form of its own: each entry
  // uncopied (valid during the call), without modifyTimestamp and entryCSN.
  Status read_all_views(const std::string& base, const std::string& filter, const std::vector<std::string>& attributes,
                        const std::function<void(const EntryView&)>& on_entry);

  // The entries below base_dn whose `attribute` equals `value` exactly as
  // given: the value is escaped (RFC 4515), so no value can widen the search.
  Result<std::vector<Observed>> find_by(const std::string& attribute, const std::string& value,
                                        const std::vector<std::string>& attributes) override;
  bool can_find_by(const std::string&) const override { return true; }

  // Connects and binds anew, replacing any kept connection; for check/readiness.
  Status ping();

 private:
  Result<Session> connect() const;
  Status ensure_connected();  // (re)connects the first pool slot when it has no live connection
  template <class T>
  Result<T> settle(Result<T> result);  // drops the connection when the failure puts it in doubt
  Status search(const std::string& base, Scope scope, const std::string& filter,
                const std::vector<std::string>& attributes, const std::function<void(const EntryView&)>& on_entry);

  std::string name_;
  config::LdapTarget settings_;
  LdapSettings tuning_;
  std::function<Result<Session>()> connect_;
  std::vector<std::optional<Session>> pool_;  // tuning_.connections slots; reads use the first
  std::mutex mu_;                             // one call at a time owns the pool
};

}  // namespace idb::connectors::ldap
