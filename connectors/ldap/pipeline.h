#pragma once
// Writes with many operations outstanding on one connection (ldap_*_ext +
// ldap_result). Operations on one entry go out one after another, in batch
// order; a failed one holds back the later operations on the same entry, so
// nothing is applied on top of a state we could not confirm.
#include <chrono>
#include <cstddef>
#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "connectors/connector.h"
#include "connectors/ldap/dn.h"
#include "connectors/ldap/ldap_settings.h"
#include "connectors/ldap/session.h"
#include "reconcile/operation.h"

namespace idb::connectors::ldap {

// One finished operation: its index in the batch, how it ended, and the time
// from sending it to its reply.
struct Completion {
  std::size_t index;
  const Status& status;
  std::chrono::nanoseconds latency;
};
using OnDone = std::function<void(const Completion&)>;

struct Lane {
  std::optional<Session>& session;                 // opened on demand, reset when lost
  const std::function<Result<Session>()>& connect;  // opens (and binds) a new connection
  const LdapSettings& tuning;
  int timeout_ms;  // no reply at all for this long: the connection is in doubt
  const Dn& base;  // missing ou= parents below it are created for a create
};

// Applies ops[i] for every i in `indices`, in that order, over `lane`, and
// sets results[i]. A connection lost mid-batch is reopened with backoff; the
// operations that were in flight then end as `retry` failures (their outcome
// is unknown, so they are never sent twice) and the rest go on.
void run_lane(const Lane& lane, std::span<const reconcile::Operation> ops, const std::vector<std::size_t>& indices,
              std::vector<std::optional<Status>>& results, const OnDone& on_done);

// Adds `dn`; when the server misses its parent and that parent is an ou
// below `base`, adds the parent (recursively) and tries once more.
Status add_with_parents(Session& session, const Dn& dn, const mapping::Attributes& attributes, const Dn& base);

}  // namespace idb::connectors::ldap
