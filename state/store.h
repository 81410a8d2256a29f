#pragma once
// The durable state: SCIM users, the outbox of per-target work, what we last
// wrote to each target (baseline), and dead letters. SQLite in WAL mode with
// synchronous=FULL: a call that returns has committed durably, so a SCIM write
// may be acknowledged right after it.
//
// Thread-safe: one writing connection behind a mutex (SQLite serialises
// writers anyway); the reads of users and groups run on connections of their
// own, so they proceed while a commit waits for its fsync.
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapping/attributes.h"

struct sqlite3;

namespace idb::state {

// Raised when the database itself fails (disk full, corrupt file, cannot open):
// truly exceptional, the caller answers 5xx / exits 1.
class StoreError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct User {
  std::string id;                          // our SCIM id (uuid)
  std::string user_name;                   // unique among live users, case-insensitively
  std::optional<std::string> external_id;  // the client's id for the user; RFC 7643 §3.1 does not make it unique
  nlohmann::json resource;                 // the full SCIM resource, meta included
  int64_t version = 0;                     // bumped by every write, feeds meta.version
  bool deleted = false;                    // tombstone: kept so targets can disable the account
  int64_t updated_ms = 0;                  // the last write, feeds meta.lastModified
};

// A SCIM group. Groups are hard-deleted: nothing downstream refers to them yet.
struct Group {
  std::string id;
  std::string display_name;
  std::optional<std::string> external_id;
  nlohmann::json resource;                 // the full SCIM resource, meta included
  int64_t version = 0;
};

// A group a member belongs to directly.
struct Membership {
  std::string member_id;  // a user's or a group's id
  std::string group_id;
  std::string group_display_name;
};

// The direct memberships `groups` hold, group by group, members in their
// order: Store::memberships() of groups already read.
std::vector<Membership> memberships_of(const std::vector<Group>& groups);

// Result of a write that can collide with another live user.
enum class WriteStatus { ok, user_name_taken, not_found };

// The causes that queue every user (enqueue_all), as the audit log names them.
inline constexpr const char* kCauseFullSync = "full sync";
inline constexpr const char* kCauseConfigReload = "config reload";

struct OutboxEntry {
  std::string target;
  std::string user_id;
  int64_t generation = 0;   // bumped each time the user is enqueued again
  int attempts = 0;
  int64_t next_try_ms = 0;  // unix epoch milliseconds
  std::string last_error;
  // Why it is pending, what the audit log names as the source of what it
  // applies: every cause enqueued since the user was last applied, in the
  // order they came ("event", "full sync", "event, full sync", "config
  // reload", "conflicts resolve #ID --take target"); a full sync does not
  // hide the event it finds pending.
  std::string cause = "event";

  // Whether a full sync or a config reload is among its causes: every user was queued with it.
  bool queued_with_everyone() const;
};

// What we last wrote to one target for one user.
struct Baseline {
  std::string key;  // account key (DN) as last written
  mapping::Attributes attributes;
  std::optional<int64_t> disabled_ms{};  // when we disabled the account (unix ms); nullopt while active
  // The account's version on the target as our last write left it (LDAP:
  // entryCSN or modifyTimestamp): a read showing the same version means
  // nobody wrote the account since. Empty: unknown (the target did not say).
  std::string version{};
};

// One attribute an audited change wrote. `values` is nullopt for a secret
// (a password): the log says it was written, never what.
struct AuditChange {
  std::string attribute;
  std::string change;  // set (a new account) | add | remove | replace
  std::optional<mapping::Values> values;
  bool operator==(const AuditChange&) const = default;
};

// A change idbridge applied, or tried to apply, to a target: one row of the
// append-only audit log.
struct AuditRecord {
  int64_t id{0};  // given when appended; grows with every row
  int64_t at_ms{0};
  std::string target{};
  std::string user_id{};    // a group's id for a group entry
  std::string user_name{};  // a group's displayName for a group entry
  std::string action{};     // create | update | rename | disable | delete; group create | group update | ...
  std::string account_key{};   // the account's key after the change
  std::string previous_key{};  // rename: the key before it; empty otherwise
  std::vector<AuditChange> changes{};
  std::string outcome{};  // applied | failed
  std::string error{};    // failed: the target's error code
  std::string source{};   // event | full sync | apply FILE | approved batch B | group sync | conflicts resolve #ID ...
  bool operator==(const AuditRecord&) const = default;
};

// Which audit rows to read: every filter given must hold.
struct AuditQuery {
  std::optional<std::string> target{};
  std::optional<std::string> user{};  // a user id, or a userName (case-insensitive)
  std::optional<int64_t> since_ms{};
};

// An outbox entry that was applied, with what was written (nullopt: nothing to remember).
struct Applied {
  OutboxEntry entry;
  std::optional<Baseline> baseline;
  bool account_deleted = false;  // the account is gone: its baseline goes too
  // Planned again at this time (unix ms) rather than done: a delete waiting for its grace period.
  std::optional<int64_t> due_again_ms{};
  std::optional<AuditRecord> audit{};  // written in the same transaction as the baseline
};

// An account link to set, or to forget (account_id nullopt).
struct LinkUpdate {
  std::string key;
  std::optional<std::string> account_id;
};

// A contiguous run of users by rowid, [first, last]; the default holds every user.
struct UserRange {
  int64_t first = std::numeric_limits<int64_t>::min();
  int64_t last = std::numeric_limits<int64_t>::max();
};

struct DeadLetter {
  std::string target;
  std::string user_id;
  int attempts = 0;
  std::string error;
  int64_t failed_at_ms = 0;
};

// A decision idbridge does not take alone, waiting for `idbridge conflicts resolve`.
struct ReviewItem {
  int64_t id = 0;
  std::string target;
  std::string user_id;
  std::string kind;             // attribute | uniqueness | ambiguous
  std::string attribute;        // kind attribute: the attribute a person owns
  std::string key;              // the account concerned
  mapping::Values source;       // what the source wants
  mapping::Values observed;     // what the target holds (ambiguous: the candidate accounts)
  std::string detail;           // for people: both users, the target's own message
  int64_t opened_ms = 0;
  std::optional<int64_t> closed_ms;
  std::string resolution;       // when closed: source | target | gone
};

// One change of a batch a guard holds: the approval covers it only while
// the user plans to exactly this again.
struct HeldChange {
  std::string user_id;
  std::string kind;         // create | update | disable | delete
  std::string fingerprint;  // of what the plan rested on (desired, baseline, observed)
};

// A target whose pending changes a guard holds back.
struct GuardHold {
  std::string target;
  std::string reason;
  int64_t held_ms = 0;
  std::optional<int64_t> approved_ms;  // `idbridge approve`: the held changes may be applied
  std::string batch;                   // digest of the held changes: what the administrator approves
  int64_t creates = 0, updates = 0, disables = 0, deletes = 0;
};

class Store {
 public:
  // Opens (creating the directory and file if needed) `dir`/idbridge.db and
  // applies pending migrations. Throws StoreError.
  static std::unique_ptr<Store> open(const std::filesystem::path& dir);
  ~Store();
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;

  int schema_version();

  // --- users (SCIM side). Each write also enqueues the user for every target
  // in `targets` in the same transaction, so nothing acknowledged is lost.
  WriteStatus insert_user(const User& user, const std::vector<std::string>& targets, int64_t now_ms);
  // Replaces the live user with the same id (resource, user_name, external_id, version).
  WriteStatus replace_user(const User& user, const std::vector<std::string>& targets, int64_t now_ms);
  // Marks the live user deleted (tombstone) and enqueues it; not_found if absent or already deleted.
  WriteStatus delete_user(const std::string& id, const std::vector<std::string>& targets, int64_t now_ms);

  std::optional<User> get_user(const std::string& id, bool include_deleted = false);
  std::optional<User> find_by_user_name(const std::string& user_name);  // live users, case-insensitive
  std::vector<User> find_by_external_id(const std::string& external_id);  // live users, exact, oldest first
  // Live users, oldest first; tombstones too when asked (a plan must show pending disables).
  std::vector<User> list_users(bool include_deleted = false);
  // list_users() one user at a time, for a pass that keeps none of them (a full plan of 100k users).
  void for_each_user(bool include_deleted, const std::function<void(User&&)>& visit);
  int64_t count_users();           // live users
  // `parts` disjoint ranges that together hold every user, each about as
  // many users as the others: for reading one range per thread.
  std::vector<UserRange> user_ranges(int parts);
  // The users of `range` (tombstones too when asked) in insertion (rowid)
  // order, each with its baseline on `target` (nullopt: none), from one
  // query: a full plan holds neither every user nor every baseline. Each call
  // reads on a connection of its own, so ranges may be read concurrently.
  void for_each_user_with_baseline(const std::string& target, bool include_deleted, const UserRange& range,
                                   const std::function<void(User&&, std::optional<Baseline>&&)>& visit);
  // The live users among `ids` (unknown ids and tombstones are left out), in
  // no particular order, each with its baseline on `target`, from one query:
  // a few users looked up by id where a pass over every user would cost
  // what there are users.
  void for_each_user_with_baseline(const std::string& target, const std::vector<std::string>& ids,
                                   const std::function<void(User&&, std::optional<Baseline>&&)>& visit);

  // --- groups (SCIM side). A user's groups are part of the user
  // (User.groups, which mappings read): each write also counts as a new
  // version (version, updated_ms) of every live user whose groups it changes,
  // directly or through nested groups, so their ETags move, and enqueues
  // those users for every target in `targets` in the same transaction.
  WriteStatus insert_group(const Group& group, const std::vector<std::string>& targets, int64_t now_ms);
  WriteStatus replace_group(const Group& group, const std::vector<std::string>& targets,
                            int64_t now_ms);  // not_found if absent
  WriteStatus delete_group(const std::string& id, const std::vector<std::string>& targets,
                           int64_t now_ms);  // not_found if absent
  std::optional<Group> get_group(const std::string& id);
  std::vector<Group> list_groups();  // oldest first
  // The groups among `ids` (unknown ids left out), oldest first: a few groups read where list_groups reads all.
  std::vector<Group> groups_by_id(const std::vector<std::string>& ids);
  // Each group's id and version, oldest first, without reading the groups: what changes with every group write.
  std::vector<std::pair<std::string, int64_t>> group_versions();
  // The groups whose members include `member_id` (directly), oldest first.
  std::vector<Membership> groups_with_member(const std::string& member_id);
  // Every group membership, for computing User.groups of many users at once.
  std::vector<Membership> memberships();

  // --- outbox (connector side)
  // Enqueues every user, live or tombstoned, for each target, because of
  // `cause` ("full sync", "config reload"): added to the causes of an entry
  // already pending (OutboxEntry::cause).
  void enqueue_all(const std::vector<std::string>& targets, int64_t now_ms, const std::string& cause);
  // Entries of `target` with next_try_ms <= now_ms, oldest first.
  std::vector<OutboxEntry> due(const std::string& target, int64_t now_ms, size_t limit);
  // The earliest next_try_ms of any entry of `target`, if any.
  std::optional<int64_t> next_due_ms(const std::string& target);
  int64_t outbox_size(const std::string& target);
  // Entries of `target` that wait for a time the plan chose (a delete after
  // its grace period), not for a retry: attempts 0 and due after `now_ms`.
  int64_t scheduled(const std::string& target, int64_t now_ms);
  // The entry was applied: store the baseline and remove the entry, unless the
  // user was enqueued again meanwhile (generation moved on), in which case the
  // entry stays due so the newer change is applied too, with the causes that
  // came after `entry`'s generation only.
  void complete(const OutboxEntry& entry, const std::optional<Baseline>& baseline);
  // complete() for a whole batch in one transaction: one fsync, not one per entry.
  void complete_all(const std::vector<Applied>& applied);
  // The attempt failed and will be retried at next_try_ms.
  void reschedule(const OutboxEntry& entry, int64_t next_try_ms, const std::string& error);
  // The attempt failed for good: move the entry to the dead letters (unless a
  // newer generation is waiting, which gets its own attempts).
  void dead_letter(const OutboxEntry& entry, const std::string& error, int64_t now_ms);
  std::vector<DeadLetter> dead_letters(const std::string& target);

  // --- audit log (state/audit_store.cpp): append-only; rows leave only by
  // age (prune_audit). A change that writes a baseline appends its row in the
  // same transaction (Applied::audit, record_applied); append_audit is for
  // changes that wrote nothing (failed).
  void append_audit(const AuditRecord& record);
  // Oldest first.
  std::vector<AuditRecord> audit(const AuditQuery& query);
  // Deletes the rows older than `before_ms`; returns how many.
  int64_t prune_audit(int64_t before_ms);

  // --- polled SCIM sources: where the last poll got to, and which of our
  // users each source delivered (by the source's id), to notice absences.
  std::optional<std::string> poll_watermark(const std::string& source);
  void set_poll_watermark(const std::string& source, const std::string& watermark, int64_t now_ms);
  // The source's id -> our user id, for every user the source delivered and has not deleted.
  std::unordered_map<std::string, std::string> polled_users(const std::string& source);
  // Recorded before the user is written, so a crash between the two leaves a
  // link to an id not yet used rather than a user no source owns.
  void link_polled_user(const std::string& source, const std::string& remote_id, const std::string& user_id);
  void unlink_polled_user(const std::string& source, const std::string& remote_id);

  // --- account links: for a target that assigns its own account ids, the id
  // our account `key` last led to (a cache of what searching by the key finds).
  std::optional<std::string> account_id(const std::string& target, const std::string& key);
  // The keys linked to the account `account_id` (the reverse of account_id), in key order.
  std::vector<std::string> account_keys(const std::string& target, const std::string& account_id);
  void link_account(const std::string& target, const std::string& key, const std::string& account_id);
  void unlink_account(const std::string& target, const std::string& key);
  // Links of `target` set or forgotten, and the audit rows of the changes
  // that led to them, in one transaction (what a group sync applied).
  void record_links(const std::string& target, const std::vector<LinkUpdate>& links,
                    const std::vector<AuditRecord>& audit);
  // Every link of `target` whose key starts with `prefix`: key -> account id.
  std::map<std::string, std::string> account_links(const std::string& target, const std::string& prefix);

  std::optional<Baseline> baseline(const std::string& target, const std::string& user_id);
  // How many accounts of `target` we have written (a baseline each).
  int64_t count_baselines(const std::string& target);
  // Remembers what was written outside the outbox (`idbridge apply` of a saved plan).
  void record_baseline(const std::string& target, const std::string& user_id, const Baseline& baseline);
  // The account was deleted outside the outbox: nothing of it is remembered.
  void forget_baseline(const std::string& target, const std::string& user_id);
  // A change applied outside the outbox: its baseline (nullopt: the account
  // was deleted) and its audit row, in one transaction.
  void record_applied(const std::string& target, const std::string& user_id, const std::optional<Baseline>& baseline,
                      const AuditRecord& audit);
  // Enqueues one user again for `targets` because of `cause` (a resolved review item).
  void enqueue_user(const std::string& user_id, const std::vector<std::string>& targets, int64_t now_ms,
                    const std::string& cause);
  // The user whose baseline on `target` is at `key` (case-insensitive), if any.
  std::optional<std::string> user_at_key(const std::string& target, const std::string& key);

  // --- review queue (state/review_store.cpp)
  // Opens an item, or refreshes the open one of the same (target, user, kind,
  // attribute); returns its id.
  int64_t open_review(const ReviewItem& item, int64_t now_ms);
  // After a user was planned and applied on `target`: `items` are exactly its
  // open questions now (opened or refreshed); every other open item of that
  // user there is closed as "gone". Writes nothing when there is nothing to do.
  void settle_reviews(const std::string& target, const std::string& user_id, const std::vector<ReviewItem>& items,
                      int64_t now_ms);
  std::optional<ReviewItem> review(int64_t id);
  // Open items (closed too when asked), by id; of one target when given.
  std::vector<ReviewItem> reviews(bool include_closed, const std::optional<std::string>& target = std::nullopt);
  // False when the item is not open.
  bool close_review(int64_t id, const std::string& resolution, int64_t now_ms);
  // Attribute divergences an administrator accepted ("take target"), by user
  // id, the latest per attribute: they are no longer conflicts while both
  // sides keep those values.
  std::unordered_map<std::string, std::vector<ReviewItem>> accepted(
      const std::string& target, const std::optional<std::string>& user_id = std::nullopt);

  // --- guard holds (state/review_store.cpp)
  // Holds `changes` of `target` as batch `batch`. The batch already held only
  // gets the reason refreshed (an approval stays); another batch replaces it,
  // not approved. True when the batch is new.
  bool hold(const std::string& target, const std::string& reason, const std::string& batch,
            const std::vector<HeldChange>& changes, int64_t now_ms);
  std::optional<GuardHold> hold_of(const std::string& target);
  std::vector<GuardHold> holds();
  std::vector<HeldChange> held_changes(const std::string& target);
  // Approves the held batch, only if it is still `batch` when one is given.
  // The hold as it was approved; nullopt when nothing (or another batch) is held.
  std::optional<GuardHold> approve(const std::string& target, const std::optional<std::string>& batch,
                                   int64_t now_ms);
  // The approval covers only these users' changes from now on (the others
  // were applied or changed since); the hold ends with the last of them.
  void keep_held(const std::string& target, const std::vector<std::string>& user_ids);
  void release(const std::string& target);

 private:
  Store(sqlite3* db, std::string file);
  // A read-only connection for one read; back to the pool when it ends.
  class Reader;
  Reader reader();
  // Group commit: concurrent writes share one transaction and one fsync.
  // Each runs in its own savepoint (a failed one rolls back alone) and its
  // caller returns once the shared commit is durable.
  WriteStatus grouped(const std::function<WriteStatus()>& write);
  // Appends one audit row inside the caller's transaction (mu_ held).
  void insert_audit(const AuditRecord& record);
  struct PendingWrite;
  void commit_batch(const std::vector<PendingWrite*>& batch);

  sqlite3* db_;
  std::string file_;
  std::mutex mu_;
  std::mutex readers_mu_;
  std::vector<sqlite3*> idle_readers_;
  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::vector<PendingWrite*> queue_;
  bool committing_ = false;
};

}  // namespace idb::state
