#pragma once
// The accounts of one target for a full plan, read in one go: for LDAP one
// paged search of the subtree answers every lookup instead of a round trip
// per user. The read runs on a thread of its own from the moment the index is
// made, so the server and our decoding overlap what the plan loads meanwhile.
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

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
  // Reads the entries below `base_dn` with `attributes` instead (a group
  // mapping's entries); lookups elsewhere are read one by one.
  AccountIndex(const TargetBinding& binding, const std::string& base_dn, std::vector<std::string> attributes);

  // How plan_user looks accounts up. A lookup is answered as soon as its
  // account has come in (users and entries mostly come in the same creation
  // order, so planning trails the read instead of waiting for all of it); "no
  // such account" only once the read has ended. Once the read failed (logged),
  // or for a target not read in one go, accounts not found yet are read one by
  // one on the target, as a single user's plan does. Safe to call from several
  // threads at once.
  AccountReader reader() const;

 private:
  // Each account's attributes packed into one string (see account_index.cpp),
  // by normalized DN: 100k accounts as maps of vectors of strings cost about
  // twenty allocations and two kilobytes each. Both strings live in `arena`.
  using Accounts = std::unordered_map<std::string_view, std::string_view>;
  // Blocks that never move, filled by the reading thread alone and freed in
  // one go with the index: not two strings per account to free at the end
  // of a plan, on the one thread left then.
  class Arena {
   public:
    std::string_view copy(std::string_view bytes);
    // `size` bytes to fill at once, kept for the arena's life.
    char* allocate(std::size_t size);

   private:
    std::vector<std::unique_ptr<char[]>> blocks_;
    char* next_ = nullptr;
    std::size_t left_ = 0;
  };
  enum class State { reading, done, failed };
  struct Read {
    connectors::ldap::Dn base;
    std::string normalized_base;
    std::mutex mu;
    std::condition_variable grew;  // more accounts came in, or the read ended
    Arena arena;                   // the reading thread's alone
    Accounts accounts;             // guarded by mu; an entry, once in, never changes or moves
    State state = State::reading;  // guarded by mu
    std::future<void> reading;     // last: destroyed first, it waits for the reading thread
  };
  const TargetBinding& binding_;
  std::shared_ptr<Read> read_;  // null: not read in one go
};

// One account's attributes in one string and back (exposed for tests):
// packed_size bytes, written by pack_into.
std::size_t packed_size(const connectors::ldap::EntryView::Attributes& attributes);
void pack_into(const connectors::ldap::EntryView::Attributes& attributes, char* out);
mapping::Attributes unpack(std::string_view packed);

}  // namespace idb::daemon
