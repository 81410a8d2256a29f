#pragma once
// Drains the outbox: for each due (target, user) entry it maps the user's
// current state, reads the account, plans, applies, and records the result.
// Working from the user's current state (not the change that enqueued it)
// makes a replay after a crash harmless: it re-plans against what the target
// holds and finds nothing left to do.
//
// Everything due for a target is one round, planned in batches; what needs
// no write on the target (no-ops, review items, failures) is recorded at once.
// The round's changes are judged together by the target's guards, then held
// (as a batch an administrator approves by name) or applied in batches. The
// changes are kept whole, packed (daemon/kept_change.h), up to a memory
// budget (kKeptPlanBytes): those are applied from the very plans the guards
// judged, each account read once. Past the budget, a change is kept
// only as a compact summary (user, kind, fingerprint), so a round of any size
// fits in bounded memory; such a change is planned again to be applied, and
// applied only while it plans to what was judged. One that moved in between is
// left due for the next round, which judges it with whatever else is due then. Each batch's
// operations go to the connector at once (LDAP keeps many in flight) and the
// results are recorded in one transaction. An entry is completed only for the
// generation it was planned from, so a change arriving meanwhile stays due
// and is judged and applied next.
//
// An approval covers exactly the changes that were held: each is planned
// again and applied only if it rests on the same data (fingerprint); one that
// changed since, and anything that arrived later, is judged by the guards again.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "mapping/mapping.h"
#include "daemon/account_index.h"
#include "daemon/user_plan.h"
#include "state/store.h"
#include "state/user_groups.h"

namespace idb::daemon {

struct DrainSummary {
  int applied = 0;   // entries brought in line with the source (including no-ops)
  int retrying = 0;  // entries rescheduled after a failure
  int dead = 0;      // entries moved to the dead letters
  int review = 0;    // entries a target refused as a uniqueness conflict: in the review queue, not retried
  int held = 0;      // changes a guard holds
  int stopped = 0;   // targets stopped by this drain (see OutboxWorker::stopped)
};

class OutboxWorker {
 public:
  using Clock = std::function<int64_t()>;  // unix epoch milliseconds
  // Shared with whatever owns the connectors and mappings they point to.
  using Bindings = std::shared_ptr<const std::vector<TargetBinding>>;

  OutboxWorker(state::Store& store, Bindings targets, config::RetryPolicy retry, Clock clock);
  // Bindings whose connectors and mappings the caller keeps alive.
  OutboxWorker(state::Store& store, std::vector<TargetBinding> targets, config::RetryPolicy retry, Clock clock)
      : OutboxWorker(store, std::make_shared<const std::vector<TargetBinding>>(std::move(targets)), retry,
                     std::move(clock)) {}

  // Thread-safe (a reload): the next drain works with `targets`; a running one
  // finishes with those it started with. Same targets, by name and order.
  void replace_targets(Bindings targets) {
    targets_.store(std::move(targets));
    // After the store: a drain that sees the new generation sees the new targets.
    ++bindings_generation_;
  }

  // Processes every entry due now, target by target.
  DrainSummary drain_due();
  // When the next entry of any running target falls due. A held target is looked at
  // again every kHoldRecheckMs, to see an approval or its changes back in bounds.
  std::optional<int64_t> next_due_ms();
  static constexpr int64_t kHoldRecheckMs = 15000;
  // Targets that refused us as a whole (credentials, certificate), with why.
  // They stay stopped, their changes queued, until idbridge restarts with a
  // fixed configuration: retrying would only hammer the API with the same
  // refused credentials.
  std::map<std::string, std::string> stopped() const;
  // How many bytes of packed plans a round keeps. A create of the quickstart
  // mapping (its operation and next baseline, ~10 attributes) packs to under
  // 1 kB, so 128 MiB keeps well over 100k of them: a first load of 100k users
  // reads each account once, at a peak RSS of ~165 MB (63 MB when every
  // change was read twice). A larger round re-plans what is past the budget.
  static constexpr std::size_t kKeptPlanBytes = std::size_t{128} << 20;
  // Another budget (tests: 0 keeps no plan, so every change is planned again).
  void keep_plans_up_to(std::size_t bytes) { kept_budget_ = bytes; }
  // Reads a target's accounts in one go (daemon/account_index.h), as `plan` does.
  using BulkRead = std::function<std::unique_ptr<AccountIndex>(const TargetBinding&)>;
  // A round of at least `from` changes that is also a quarter or more of the
  // accounts idbridge manages on the target (a first load, a full resync) is
  // planned on accounts read with `read`: one paged search instead of a search
  // per user, and the accepted divergences in one query. A change past the
  // kept budget is still planned again on its account read alone. Unset, or
  // a smaller round: accounts are read one by one.
  static constexpr std::size_t kBulkRound = 1000;
  void read_in_bulk(BulkRead read, std::size_t from = kBulkRound) {
    bulk_read_ = std::move(read);
    bulk_from_ = from;
  }
  // Makes a running drain_due return after the batch it is working on
  // (thread-safe; for shutdown, the rest stays in the outbox).
  void stop() { stopping_ = true; }

 private:
  enum class Outcome { applied, retrying, dead, review, stopped };
  // An entry whose plan has operations for the target.
  struct Change {
    state::OutboxEntry entry;
    state::User user;
    UserPlan plan;
  };
  // A change as the guards judged it: applied only while it plans to the same again.
  struct Judged {
    std::size_t due;  // its entry in the round's due list
    std::string kind;
    std::string fingerprint;
  };
  // Everything due for a target, planned: what needs no write is recorded,
  // the changes are judged on their summaries.
  struct Round {
    std::vector<state::OutboxEntry> due;
    std::vector<Judged> judged;
    // The first changes, kept whole within the budget (pack_change): judged[i]
    // is kept[i]. The rest of judged are planned again to be applied.
    std::vector<std::string> kept;
    std::size_t kept_bytes = 0;
    bool keeping = true;  // false once a change did not fit: what is kept stays a prefix of judged
    reconcile::RunCounts counts;
    std::vector<std::string> retrying;  // users whose attempt failed and is tried again later
    bool unreadable = false;            // some account could not be read now
  };

  void drain_target(const TargetBinding& target, DrainSummary& summary);
  // Applies the approved changes that still plan as they were held. False
  // while some of them wait for a retry (the hold stays, approved, for them).
  bool apply_approved(const TargetBinding& target, const state::GuardHold& hold, DrainSummary& summary);
  Round plan_round(const TargetBinding& target, std::vector<state::OutboxEntry> due, state::UserGroups& groups,
                   DrainSummary& summary);
  // How a batch's users are looked up: accounts by `reader` (null: one by one
  // on the target), accepted divergences from `accepted` (null: one query per user).
  struct Lookups {
    AccountReader reader;
    const std::unordered_map<std::string, reconcile::AcceptedDivergences>* accepted = nullptr;
  };
  // Plans `entries`, recording what needs no write on the target; returns the changes, in order.
  std::vector<Change> plan_batch(const TargetBinding& target, std::span<const state::OutboxEntry> entries,
                                 state::UserGroups& groups, DrainSummary& summary, Round& round,
                                 const Lookups& lookups);
  // Whether the guards hold the round's changes; holds them (store, log) when so.
  bool held(const TargetBinding& target, const Round& round, DrainSummary& summary);
  // Applies the round's kept changes, as they were judged.
  void apply_kept(const TargetBinding& target, Round& round, DrainSummary& summary);
  // Plans the `judged` changes of the round again, batch by batch, and applies
  // those that plan to what was judged. Returns how many moved: they stay due.
  std::size_t apply_judged(const TargetBinding& target, Round& round, std::span<const Judged> judged,
                           state::UserGroups& groups, DrainSummary& summary);
  // Adds the users whose change failed and is tried again to `retrying`.
  void apply_changes(const TargetBinding& target, std::vector<Change> changes, DrainSummary& summary,
                     std::vector<std::string>& retrying);
  // `version`: the account's version as the plan's writes left it (none
  // written: as the previous ones did).
  void settle(const state::OutboxEntry& entry, const state::User& user, const UserPlan& plan, std::string version,
              std::vector<state::Applied>& done);
  static void count(Outcome outcome, DrainSummary& summary);
  Outcome fail(const state::OutboxEntry& entry, const connectors::Failure& failure);
  // Not retried: the user waits in the review queue (`idbridge conflicts`).
  Outcome to_review(const state::OutboxEntry& entry, const state::ReviewItem& item);
  int64_t backoff_ms(int attempts);
  bool is_stopped(const std::string& target) const;
  // Syncs the target's group entries when the groups or (`accounts_changed`) their members' accounts moved;
  // never while a guard holds the target. `bindings`: the generation of the targets drained.
  void sync_groups_of(const TargetBinding& target, uint64_t bindings, bool accounts_changed);
  // Whether the next group sync of `target` may plan only the groups of the users whose accounts moved.
  bool groups_follow_members(const std::string& target) const;

  state::Store& store_;
  std::size_t kept_budget_ = kKeptPlanBytes;
  BulkRead bulk_read_;
  std::size_t bulk_from_ = kBulkRound;
  std::atomic<Bindings> targets_;
  config::RetryPolicy retry_;
  Clock clock_;
  uint64_t jitter_state_;
  std::atomic<bool> stopping_ = false;
  mutable std::mutex stopped_mutex_;
  std::map<std::string, std::string> stopped_;
  // Bumped by replace_targets: a group sync after a reload is a full one (the mapping may have changed).
  std::atomic<uint64_t> bindings_generation_ = 0;
  // Per target with a group mapping, its last full group sync that left every entry in line, and whether every
  // sync since did too: then only the groups of the users whose accounts moved are planned again. Forgotten
  // when a full sync or a reload queues the users, and while a guard holds the target.
  struct GroupsSynced {
    std::string version;  // the SCIM groups' ids and versions
    uint64_t bindings = 0;
    bool in_line = true;
  };
  std::map<std::string, GroupsSynced> groups_synced_;
  // Per target whose group entries follow their members: the users whose member value may have moved since
  // its last group sync (moves_membership, or not settled by their plan), for the next sync to take.
  std::map<std::string, std::unordered_set<std::string>> members_moved_;
  // Per target whose group entries wait for a guard's hold: the batch the log was told of.
  std::map<std::string, std::string> groups_held_;
};

}  // namespace idb::daemon
