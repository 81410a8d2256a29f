#pragma once
// The accounts of one target for a full plan, read in one go: for LDAP one
// paged search of the subtree answers every lookup instead of a round trip
// per user. The read runs on a thread of its own from the moment the index is
// made, so the server and our decoding overlap what the plan loads meanwhile.
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "config/config.h"
#include "connectors/ldap/dn.h"
#include "connectors/ldap/session.h"
#include "daemon/user_plan.h"

namespace idb::daemon {

class AccountIndex {
 public:
  // Starts reading `binding`'s accounts (LDAP targets only; others are read
  // one by one). `binding` must outlive the index and every reader() copy.
  AccountIndex(const TargetBinding& binding, const config::Config& config);

  // How plan_user looks accounts up. The first lookup waits for the read; when
  // it failed (logged), or for a target not read in one go, accounts are read
  // one by one on the target, as a single user's plan does. Safe to call from
  // several threads at once.
  AccountReader reader() const;

 private:
  // Each account's attributes packed into one string (see account_index.cpp),
  // by normalized DN: 100k accounts as maps of vectors of strings cost about
  // twenty allocations and two kilobytes each.
  using Accounts = std::unordered_map<std::string, std::string>;
  struct Read {
    std::shared_future<std::optional<Accounts>> accounts;  // nullopt: the read failed
    connectors::ldap::Dn base;
    std::string normalized_base;
  };
  const TargetBinding& binding_;
  std::shared_ptr<Read> read_;  // null: not read in one go
};

// One account's attributes in one string and back (exposed for tests).
std::string pack(const connectors::ldap::EntryView::Attributes& attributes);
mapping::Attributes unpack(std::string_view packed);

}  // namespace idb::daemon
