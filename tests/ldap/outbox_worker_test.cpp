// The daemon's outbox worker against a real slapd: due entries go to the
// connector in pipelined batches, and the outbox's guarantees hold around
// them (a change arriving mid-batch is applied next; a server lost mid-batch
// converges on retry with nothing applied twice).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <functional>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include <unistd.h>

#include "connectors/ldap/ldap_connector.h"
#include "daemon/group_sync.h"
#include "daemon/outbox_worker.h"
#include "tests/ldap/ldap_test_support.h"
#include "tests/support/process.h"
#include "tests/support/slapd.h"

namespace idb::daemon {
namespace {

namespace fs = std::filesystem;
using connectors::ldap::Completion;
using connectors::ldap::LdapConnector;
using connectors::ldap::fixtures::most_outstanding;
using connectors::ldap::fixtures::occurrences;

constexpr const char* kTarget = "ldap";

// Adds of user entries (uid=...) that slapd refused as already existing.
std::size_t refused_user_adds(const std::string& log) {
  const std::regex add("conn=(\\d+) op=(\\d+) ADD dn=\"uid=");
  const std::regex refused("conn=(\\d+) op=(\\d+) RESULT tag=105 err=68");
  std::set<std::string> adds;
  std::size_t n = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, add)) adds.insert(m[1].str() + "/" + m[2].str());
    if (std::regex_search(line, m, refused)) n += adds.count(m[1].str() + "/" + m[2].str());
  }
  return n;
}

std::string people(const test::Slapd& slapd) { return "ou=people," + slapd.base_dn(); }

// The LDAP connector with a hook on each finished operation of a batch: the
// place to make things happen in the middle of one.
class Hooked final : public connectors::Connector {
 public:
  explicit Hooked(LdapConnector& inner) : inner_(inner) {}
  const std::string& name() const override { return inner_.name(); }
  connectors::Result<std::optional<connectors::Observed>> read(const std::string& key,
                                                               const std::vector<std::string>& attributes) override {
    ++reads;
    return inner_.read(key, attributes);
  }
  connectors::Status apply(const reconcile::Operation& op) override { return inner_.apply(op); }
  std::vector<connectors::Status> apply_all(std::span<const reconcile::Operation> ops) override {
    ++batches;
    if (on_batch) on_batch(ops);
    return inner_.apply_all(ops, on_done);
  }
  connectors::ldap::OnDone on_done;
  std::function<void(std::span<const reconcile::Operation>)> on_batch;
  int batches = 0;
  int reads = 0;  // accounts read one by one

 private:
  LdapConnector& inner_;
};

class outbox_worker : public ::testing::Test {
 protected:
  void SetUp() override {
    slapd_ = test::Slapd::start({.access_log = true});
    dir_ = fs::temp_directory_path() /
           ("idb-outbox-" + std::to_string(::getpid()) + "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    store_ = state::Store::open(dir_);
    use_scope("");
    auto settings = test::settings_for(*slapd_);
    settings.tuning.window = 16;
    settings.tuning.reconnect_attempts = 60;
    settings.tuning.backoff_initial_ms = 50;
    settings.tuning.backoff_max_ms = 200;
    ldap_.emplace(kTarget, settings);
    hooked_.emplace(*ldap_);
  }
  void TearDown() override {
    slapd_.reset();
    store_.reset();
    fs::remove_all(dir_);
  }

  // The workers made from now on map users with the test's mapping, its
  // `scope:` this filter (none when empty).
  void use_scope(const std::string& filter) {
    use_mapping("targets:\n  ldap:\n" + (filter.empty() ? "" : "    scope: '" + filter + "'\n") +
                "    dn: \"uid={userName}," + people(*slapd_) +
                "\"\n    object_classes: [inetOrgPerson]\n    attributes:\n      uid: userName\n"
                "      sn: [name.familyName, userName]\n      cn: userName\n      title: title\n");
  }

  // The workers made from now on map users with `yaml`.
  void use_mapping(const std::string& yaml) {
    auto loaded = mapping::parse(yaml, "test.yaml",
                                 {{kTarget, "ldap", [](std::string_view v) { return connectors::ldap::escape_value(v); }}});
    ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
    mapping_ = loaded.targets.at(kTarget);
  }

  TargetBinding binding(reconcile::DeletePolicy deletion = {},
                        reconcile::DisableMark mark = {"employeeType", "disabled"},
                        reconcile::LeavingScope leaving_scope = reconcile::LeavingScope::disable) {
    return TargetBinding{&*hooked_, &*mapping_, std::move(mark), reconcile::policies_for(*mapping_), {}, deletion,
                         leaving_scope};
  }

  OutboxWorker worker(reconcile::DeletePolicy deletion = {},
                      reconcile::DisableMark mark = {"employeeType", "disabled"},
                      reconcile::LeavingScope leaving_scope = reconcile::LeavingScope::disable) {
    return OutboxWorker(*store_, {binding(deletion, std::move(mark), leaving_scope)},
                        config::RetryPolicy{.initial_ms = 1000, .max_ms = 1000}, [this] { return now_; });
  }

  // What a full plan of the group entries still finds to do ("" when nothing).
  std::string groups_out_of_line(const TargetBinding& b) {
    std::string out;
    for (const auto& p : plan_groups(b, *store_)) {
      if (!p.operations.empty() || p.link_changes) out += p.group_id + ": " + reconcile::to_string(p.kind) + "; ";
    }
    return out;
  }

  static state::User user(int i, const std::string& title) {
    state::User u;
    u.id = "id-" + std::to_string(i);
    u.user_name = "user" + std::to_string(i);
    u.version = 1;
    u.resource = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}},
                  {"id", u.id},
                  {"userName", u.user_name},
                  {"title", title},
                  {"active", true}};
    return u;
  }

  void insert(int n, const std::string& title = "Engineer") {
    for (int i = 0; i < n; ++i) ASSERT_EQ(store_->insert_user(user(i, title), {kTarget}, now_), state::WriteStatus::ok);
  }

  std::vector<test::Entry> users() { return test::ldap_search(*slapd_, people(*slapd_), "(objectClass=inetOrgPerson)"); }

  // A mapping with `groups:` at cn={displayName},ou=groups; returns that ou.
  std::string use_group_mapping() {
    const std::string groups_ou = "ou=groups," + slapd_->base_dn();
    use_mapping("targets:\n  ldap:\n    dn: \"uid={userName}," + people(*slapd_) +
                "\"\n    object_classes: [inetOrgPerson]\n    attributes:\n      uid: userName\n"
                "      sn: userName\n      cn: userName\n"
                "    groups:\n      dn: \"cn={displayName}," + groups_ou + "\"\n");
    return groups_ou;
  }

  // Group `id` named `name`, whose members are the users numbered `members` and the groups `nested`.
  static state::Group group(const std::string& id, const std::string& name, const std::vector<int>& members,
                            const std::vector<std::string>& nested = {}) {
    state::Group g{id, name, std::nullopt, {{"id", id}, {"displayName", name}}, 1};
    g.resource["members"] = nlohmann::json::array();
    for (int i : members) g.resource["members"].push_back({{"value", "id-" + std::to_string(i)}, {"type", "User"}});
    for (const auto& n : nested) g.resource["members"].push_back({{"value", n}, {"type", "Group"}});
    return g;
  }

  // User `i` as stored, changed by `edit`, written back as a SCIM write would.
  void edit_user(int i, const std::function<void(state::User&)>& edit) {
    auto u = store_->get_user("id-" + std::to_string(i));
    ASSERT_TRUE(u);
    edit(*u);
    ++u->version;
    ASSERT_EQ(store_->replace_user(*u, {kTarget}, now_), state::WriteStatus::ok);
  }
  static void rename(state::User& u) {
    u.user_name += "-renamed";
    u.resource["userName"] = u.user_name;
  }
  static void deactivate(state::User& u) { u.resource["active"] = false; }
  static void activate(state::User& u) { u.resource["active"] = true; }

  std::unique_ptr<test::Slapd> slapd_;
  fs::path dir_;
  std::unique_ptr<state::Store> store_;
  std::optional<mapping::TargetMapping> mapping_;
  std::optional<LdapConnector> ldap_;
  std::optional<Hooked> hooked_;
  int64_t now_ = 1'000'000;
};

TEST_F(outbox_worker, applies_due_entries_in_pipelined_batches_and_records_each_once) {
  const int n = 600;
  insert(n);
  // slapd frozen while the first batch goes out: whatever the machine's load,
  // the requests a pipelined window sends wait in its socket together.
  std::thread thaw;
  hooked_->on_batch = [&](std::span<const reconcile::Operation>) {
    if (thaw.joinable()) return;
    slapd_->pause();
    thaw = std::thread([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      slapd_->resume();
    });
  };
  auto summary = worker().drain_due();
  thaw.join();
  hooked_->on_batch = nullptr;
  EXPECT_EQ(summary.applied, n);
  EXPECT_EQ(summary.retrying + summary.dead, 0);
  EXPECT_EQ(store_->outbox_size(kTarget), 0);
  EXPECT_EQ(users().size(), static_cast<std::size_t>(n));
  EXPECT_EQ(store_->count_baselines(kTarget), n);
  EXPECT_LT(hooked_->batches, n / 100) << "one apply_all per batch of entries, not per entry";
  EXPECT_GT(most_outstanding(slapd_->log(), "ADD"), 1u) << "operations of different users were in flight together";

  // Nothing left to do: a second pass over every user plans no-ops only.
  store_->enqueue_all({kTarget}, now_, "full sync");
  const auto adds = occurrences(slapd_->log(), " ADD dn=");
  summary = worker().drain_due();
  EXPECT_EQ(summary.applied, n);
  EXPECT_EQ(occurrences(slapd_->log(), " ADD dn="), adds);
  EXPECT_EQ(occurrences(slapd_->log(), " MOD dn="), 0u);
}

// Issue 7: what the worker applied is remembered with the account's version
// as its write left it (the Post-Read control); a round that writes nothing
// keeps the version of the last write, whatever happened on the target since.
TEST_F(outbox_worker, the_baseline_keeps_the_accounts_version_as_the_last_write_left_it) {
  insert(3);
  EXPECT_EQ(worker().drain_due().applied, 3);
  const auto dn = [&](int i) { return "uid=user" + std::to_string(i) + "," + people(*slapd_); };
  const auto csn = [&](int i) { return test::ldap_entry(*slapd_, dn(i), {"entryCSN"}).value()["entryCSN"].at(0); };
  for (int i = 0; i < 3; ++i) EXPECT_EQ(store_->baseline(kTarget, "id-" + std::to_string(i))->version, csn(i)) << i;

  auto u = user(0, "Manager");
  u.version = 2;
  ASSERT_EQ(store_->replace_user(u, {kTarget}, now_), state::WriteStatus::ok);
  const std::string created = csn(0);
  EXPECT_EQ(worker().drain_due().applied, 1);
  const std::string modified = store_->baseline(kTarget, "id-0")->version;
  EXPECT_EQ(modified, csn(0)) << "the modify's version";
  EXPECT_NE(modified, created);

  // An administrator writes an attribute the mapping does not manage: nothing to do, and the baseline
  // still says how our write left the account, which is no longer how it is.
  auto admin = connectors::ldap::Session::open(test::settings_for(*slapd_));
  ASSERT_TRUE(admin);
  ASSERT_EQ(admin.value().modify(dn(0), {{"description", reconcile::ChangeKind::replace, {"by hand"}}}), 0);
  store_->enqueue_all({kTarget}, now_, "full sync");
  EXPECT_EQ(worker().drain_due().applied, 3);
  EXPECT_EQ(occurrences(slapd_->log(), " MOD dn="), 2u) << "ours and the administrator's";
  EXPECT_EQ(store_->baseline(kTarget, "id-0")->version, modified);
  EXPECT_NE(csn(0), modified);
}

TEST_F(outbox_worker, a_change_arriving_mid_batch_is_not_lost) {
  insert(50);
  bool changed = false;
  hooked_->on_done = [&](const Completion&) {
    if (changed) return;
    changed = true;  // a SCIM write lands while the batch is on the wire
    auto u = user(7, "Manager");
    u.version = 2;
    ASSERT_EQ(store_->replace_user(u, {kTarget}, now_), state::WriteStatus::ok);
  };
  const auto summary = worker().drain_due();
  ASSERT_TRUE(changed);
  EXPECT_EQ(summary.applied, 51) << "user7 was applied twice: as first seen, then as changed";
  EXPECT_EQ(store_->outbox_size(kTarget), 0);
  auto entry = test::ldap_entry(*slapd_, "uid=user7," + people(*slapd_));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->at("title"), mapping::Values{"Manager"});
  EXPECT_EQ(store_->baseline(kTarget, "id-7")->attributes.at("title"), mapping::Values{"Manager"});
}

TEST_F(outbox_worker, slapd_stopped_mid_batch_converges_with_nothing_applied_twice) {
  const int n = 600;
  insert(n);
  std::thread restarter;
  int done = 0;
  hooked_->on_done = [&](const Completion&) {
    if (++done != 150) return;
    slapd_->stop();
    restarter = std::thread([this] {
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
      slapd_->restart();
    });
  };
  auto summary = worker().drain_due();
  restarter.join();
  hooked_->on_done = nullptr;
  EXPECT_GT(summary.retrying, 0) << "the operations in flight when slapd stopped have an unknown outcome";
  EXPECT_EQ(summary.dead, 0);
  EXPECT_EQ(summary.applied + summary.retrying, n);

  now_ += 60'000;  // past every backoff
  summary = worker().drain_due();
  EXPECT_EQ(summary.retrying + summary.dead, 0);
  EXPECT_EQ(store_->outbox_size(kTarget), 0);
  EXPECT_EQ(users().size(), static_cast<std::size_t>(n));
  // slapd's own record: an add sent again after it had been applied would
  // have been refused as existing.
  EXPECT_EQ(refused_user_adds(slapd_->log()), 0u) << "no add met an entry it had made before";
}

}  // namespace
}  // namespace idb::daemon

namespace idb::daemon {
namespace {

constexpr int64_t kDay = 24 * 3600 * 1000LL;

std::string dn_of(const test::Slapd& slapd, int i) { return "uid=user" + std::to_string(i) + "," + people(slapd); }

TEST_F(outbox_worker, a_deleted_user_is_disabled_then_deleted_once_the_grace_period_has_passed) {
  const reconcile::DeletePolicy policy{reconcile::DeletePolicy::When::after_delete, 30 * kDay};
  insert(2);
  ASSERT_EQ(worker(policy).drain_due().applied, 2);
  ASSERT_EQ(store_->delete_user("id-0", {kTarget}, now_), state::WriteStatus::ok);
  const int64_t disabled_at = now_;
  worker(policy).drain_due();
  EXPECT_EQ(test::ldap_entry(*slapd_, dn_of(*slapd_, 0)).value()["employeeType"], mapping::Values{"disabled"});
  EXPECT_EQ(store_->baseline(kTarget, "id-0")->disabled_ms, disabled_at);
  EXPECT_EQ(store_->scheduled(kTarget, now_), 1) << "the delete waits in the outbox for its time";
  EXPECT_EQ(store_->next_due_ms(kTarget), disabled_at + 30 * kDay);

  // A day early, even with a full sync re-planning everyone: still only disabled.
  now_ = disabled_at + 29 * kDay;
  store_->enqueue_all({kTarget}, now_, "full sync");
  worker(policy).drain_due();
  EXPECT_TRUE(test::ldap_entry(*slapd_, dn_of(*slapd_, 0)));
  EXPECT_EQ(store_->baseline(kTarget, "id-0")->disabled_ms, disabled_at) << "the grace period does not restart";
  EXPECT_EQ(store_->next_due_ms(kTarget), disabled_at + 30 * kDay);

  now_ = disabled_at + 30 * kDay;
  const auto summary = worker(policy).drain_due();
  EXPECT_EQ(summary.applied, 1);
  EXPECT_FALSE(test::ldap_entry(*slapd_, dn_of(*slapd_, 0)));
  EXPECT_TRUE(test::ldap_entry(*slapd_, dn_of(*slapd_, 1))) << "only the deleted user's account goes";
  EXPECT_FALSE(store_->baseline(kTarget, "id-0"));
  EXPECT_EQ(store_->outbox_size(kTarget), 0);

  // Later full syncs find nothing to do for the tombstone.
  store_->enqueue_all({kTarget}, now_, "full sync");
  EXPECT_EQ(worker(policy).drain_due().applied, 2);
  EXPECT_EQ(users().size(), 1u);
}

TEST_F(outbox_worker, a_user_active_again_within_the_grace_period_keeps_the_account) {
  const reconcile::DeletePolicy policy{reconcile::DeletePolicy::When::after_disable, 7 * kDay};
  insert(1);
  worker(policy).drain_due();
  auto inactive = user(0, "Engineer");
  inactive.resource["active"] = false;
  ASSERT_EQ(store_->replace_user(inactive, {kTarget}, now_), state::WriteStatus::ok);
  worker(policy).drain_due();
  EXPECT_EQ(test::ldap_entry(*slapd_, dn_of(*slapd_, 0)).value()["employeeType"], mapping::Values{"disabled"});

  now_ += 3 * kDay;
  ASSERT_EQ(store_->replace_user(user(0, "Engineer"), {kTarget}, now_), state::WriteStatus::ok);
  worker(policy).drain_due();
  EXPECT_EQ(store_->outbox_size(kTarget), 0) << "nothing is scheduled any more";
  EXPECT_EQ(store_->baseline(kTarget, "id-0")->disabled_ms, std::nullopt);

  now_ += 30 * kDay;
  store_->enqueue_all({kTarget}, now_, "full sync");
  worker(policy).drain_due();
  const auto entry = test::ldap_entry(*slapd_, dn_of(*slapd_, 0));
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->count("employeeType"), 0u);
}

TEST_F(outbox_worker, the_never_policy_only_disables_and_guards_count_deletes) {
  insert(12);
  worker().drain_due();
  for (int i = 0; i < 2; ++i) ASSERT_EQ(store_->delete_user("id-" + std::to_string(i), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  now_ += 3650 * kDay;
  store_->enqueue_all({kTarget}, now_, "full sync");
  worker().drain_due();
  EXPECT_EQ(users().size(), 12u) << "never deletes";
  EXPECT_EQ(store_->outbox_size(kTarget), 0);

  // Deletes are held by the disable guard like disables are.
  const reconcile::DeletePolicy at_once{reconcile::DeletePolicy::When::after_delete, 0};
  TargetBinding guarded{&*hooked_, &*mapping_, {"employeeType", "disabled"}, reconcile::policies_for(*mapping_),
                        reconcile::GuardLimits{.max_disables = 1}, at_once};
  store_->enqueue_all({kTarget}, now_, "full sync");
  OutboxWorker strict(*store_, {guarded}, config::RetryPolicy{}, [this] { return now_; });
  strict.drain_due();
  ASSERT_TRUE(store_->hold_of(kTarget));
  EXPECT_EQ(store_->hold_of(kTarget)->reason, "would disable or delete 2 accounts (2 deletes), more than the limit of 1");
  EXPECT_EQ(users().size(), 12u);
}

// Issue 7's lifecycle: leaving the target's scope ends an account idbridge
// wrote as active:false does, through the same delete policy and guards.
TEST_F(outbox_worker, a_user_who_leaves_the_scope_is_disabled_then_deleted_after_the_grace_period_unless_back) {
  use_scope("title eq \"Engineer\"");
  const reconcile::DeletePolicy policy{reconcile::DeletePolicy::When::after_disable, 7 * kDay};
  insert(2);
  ASSERT_EQ(store_->insert_user(user(2, "Sales"), {kTarget}, now_), state::WriteStatus::ok);
  ASSERT_EQ(worker(policy).drain_due().applied, 3);
  EXPECT_EQ(users().size(), 2u) << "out of scope and never linked: no account";
  EXPECT_FALSE(store_->baseline(kTarget, "id-2"));

  ASSERT_EQ(store_->replace_user(user(0, "Sales"), {kTarget}, now_), state::WriteStatus::ok);
  const int64_t left_at = now_;
  EXPECT_EQ(worker(policy).drain_due().applied, 1);
  auto account = test::ldap_entry(*slapd_, dn_of(*slapd_, 0));
  ASSERT_TRUE(account);
  EXPECT_EQ(account->at("employeeType"), mapping::Values{"disabled"});
  EXPECT_EQ(account->at("title"), mapping::Values{"Engineer"}) << "keeps what idbridge last wrote";
  EXPECT_EQ(store_->baseline(kTarget, "id-0")->disabled_ms, left_at);
  EXPECT_EQ(store_->next_due_ms(kTarget), left_at + 7 * kDay);
  EXPECT_EQ(store_->audit({}).back().action, "disable");

  // Back in scope within the grace period: enabled like a re-activated user, nothing pending.
  now_ += 3 * kDay;
  ASSERT_EQ(store_->replace_user(user(0, "Engineer"), {kTarget}, now_), state::WriteStatus::ok);
  worker(policy).drain_due();
  EXPECT_EQ(test::ldap_entry(*slapd_, dn_of(*slapd_, 0))->count("employeeType"), 0u);
  EXPECT_EQ(store_->baseline(kTarget, "id-0")->disabled_ms, std::nullopt);
  EXPECT_EQ(store_->outbox_size(kTarget), 0);

  // Out again and for good: deleted once the grace period has passed.
  ASSERT_EQ(store_->replace_user(user(0, "Sales"), {kTarget}, now_), state::WriteStatus::ok);
  worker(policy).drain_due();
  now_ += 7 * kDay;
  EXPECT_EQ(worker(policy).drain_due().applied, 1);
  EXPECT_FALSE(test::ldap_entry(*slapd_, dn_of(*slapd_, 0)));
  EXPECT_FALSE(store_->baseline(kTarget, "id-0"));
  store_->enqueue_all({kTarget}, now_, "full sync");
  EXPECT_EQ(worker(policy).drain_due().applied, 3);
  EXPECT_EQ(users().size(), 1u) << "never created again while out of scope";
}

TEST_F(outbox_worker, a_target_that_keeps_accounts_leaving_the_scope_leaves_them_as_they_are) {
  use_scope("title eq \"Engineer\"");
  insert(1);
  worker().drain_due();
  const auto written = store_->baseline(kTarget, "id-0");
  ASSERT_TRUE(written);
  ASSERT_EQ(store_->replace_user(user(0, "Sales"), {kTarget}, now_), state::WriteStatus::ok);
  const auto modifies = occurrences(slapd_->log(), " MOD dn=");
  EXPECT_EQ(worker({}, {"employeeType", "disabled"}, reconcile::LeavingScope::keep).drain_due().applied, 1);
  EXPECT_EQ(occurrences(slapd_->log(), " MOD dn="), modifies) << "nothing written";
  EXPECT_EQ(test::ldap_entry(*slapd_, dn_of(*slapd_, 0))->count("employeeType"), 0u);
  EXPECT_EQ(store_->baseline(kTarget, "id-0")->attributes, written->attributes);
}

TEST_F(outbox_worker, a_scope_filter_that_suddenly_excludes_everyone_is_held_by_the_disable_guard) {
  use_scope("title eq \"Engineer\"");
  insert(12);
  worker().drain_due();
  use_scope("title eq \"Enginer\"");  // a typo in the mapping, reloaded
  store_->enqueue_all({kTarget}, now_, "config reload");
  worker().drain_due();
  ASSERT_TRUE(store_->hold_of(kTarget));
  EXPECT_EQ(store_->hold_of(kTarget)->reason, "would disable 12 of 12 accounts (100.0%), more than the limit of 10.0%");
  for (const auto& e : users()) EXPECT_EQ(e.attributes.count("employeeType"), 0u) << e.dn;

  // Fixed: back within the guards' limits, nothing to disable; the hold goes.
  use_scope("title eq \"Engineer\"");
  store_->enqueue_all({kTarget}, now_, "config reload");
  worker().drain_due();
  EXPECT_FALSE(store_->hold_of(kTarget));
  for (const auto& e : users()) EXPECT_EQ(e.attributes.count("employeeType"), 0u) << e.dn;
  EXPECT_EQ(store_->outbox_size(kTarget), 0);
}

TEST_F(outbox_worker, a_round_within_the_memory_budget_is_applied_from_its_own_plans_reading_each_account_once) {
  const int n = 600;  // more than a batch: the kept plans are applied batch by batch
  insert(n);
  const auto summary = worker().drain_due();
  EXPECT_EQ(summary.applied, n);
  EXPECT_EQ(hooked_->reads, n) << "each account read once, to plan it";
  EXPECT_EQ(users().size(), static_cast<std::size_t>(n));
  EXPECT_EQ(store_->audit({}).size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto u = user(i, "Manager");
    u.version = 2;
    ASSERT_EQ(store_->replace_user(u, {kTarget}, now_), state::WriteStatus::ok);
  }
  hooked_->reads = 0;
  TargetBinding all_updates{&*hooked_, &*mapping_, {"employeeType", "disabled"}, reconcile::policies_for(*mapping_),
                            reconcile::GuardLimits{.max_modify_percent = 100}, {}};
  OutboxWorker updating(*store_, {all_updates}, config::RetryPolicy{}, [this] { return now_; });
  EXPECT_EQ(updating.drain_due().applied, n);
  EXPECT_EQ(hooked_->reads, n);
  for (const auto& e : users()) EXPECT_EQ(e.attributes.at("title"), mapping::Values{"Manager"}) << e.dn;
  for (int i = 0; i < n; i += 97) EXPECT_EQ(store_->baseline(kTarget, "id-" + std::to_string(i))->attributes.at("title"),
                                            mapping::Values{"Manager"});
}

// Searches slapd logged for one account each (a base-scope read of a user's DN).
std::size_t account_searches(const std::string& log) { return occurrences(log, "SRCH base=\"uid="); }

TEST_F(outbox_worker, a_round_as_large_as_a_first_load_reads_the_accounts_in_one_paged_search) {
  const int n = 300;
  insert(n);
  const auto base = ldap_->apply({reconcile::Operation::Kind::create, people(*slapd_), {},
                                  {{"objectClass", {"organizationalUnit"}}, {"ou", {"people"}}}, {}});
  ASSERT_TRUE(base) << base.failure().message;
  config::Config config;
  config::Target target;
  target.name = kTarget;
  target.type = "ldap";
  target.ldap = test::settings_for(*slapd_);
  target.ldap.base_dn = people(*slapd_);
  config.targets.push_back(target);
  TargetBinding binding{&*ldap_, &*mapping_, {"employeeType", "disabled"}, reconcile::policies_for(*mapping_),
                        reconcile::GuardLimits{.max_modify_percent = 100}, {}};
  const auto bulk = [&](const TargetBinding& b) { return std::make_unique<AccountIndex>(b, config); };
  OutboxWorker loading(*store_, {binding}, config::RetryPolicy{}, [this] { return now_; });
  loading.read_in_bulk(bulk, 100);
  const std::size_t before = account_searches(slapd_->log());
  EXPECT_EQ(loading.drain_due().applied, n);
  EXPECT_EQ(users().size(), static_cast<std::size_t>(n));
  EXPECT_EQ(account_searches(slapd_->log()), before) << "no account read one by one";

  // Half of the managed accounts change: planned on one paged read too, and what it found is updated.
  for (int i = 0; i < n; i += 2) {
    auto u = user(i, "Manager");
    u.version = 2;
    ASSERT_EQ(store_->replace_user(u, {kTarget}, now_), state::WriteStatus::ok);
  }
  EXPECT_EQ(loading.drain_due().applied, n / 2);
  EXPECT_EQ(account_searches(slapd_->log()), before);
  int managers = 0;
  for (const auto& e : users()) managers += e.attributes.at("title") == mapping::Values{"Manager"};
  EXPECT_EQ(managers, n / 2);

  // A round below the threshold reads its accounts one by one.
  auto u = user(1, "Director");
  u.version = 3;
  ASSERT_EQ(store_->replace_user(u, {kTarget}, now_), state::WriteStatus::ok);
  EXPECT_EQ(loading.drain_due().applied, 1);
  EXPECT_TRUE(test::eventually([&] { return account_searches(slapd_->log()) == before + 1; }));
}

TEST_F(outbox_worker, a_change_that_moved_after_the_guards_judged_it_waits_for_the_next_round) {
  const int n = 300;
  insert(n);
  worker().drain_due();
  ASSERT_EQ(users().size(), static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    auto u = user(i, "Manager");
    u.version = 2;
    ASSERT_EQ(store_->replace_user(u, {kTarget}, now_), state::WriteStatus::ok);
  }
  // Judged: 300 updates, within the limits. While the first of them are
  // applied, the user planned last leaves: planned again, it is a disable,
  // which the guards never judged and do not allow.
  const std::string last = store_->due(kTarget, now_, n).back().user_id;
  bool left = false;
  hooked_->on_batch = [&](std::span<const reconcile::Operation>) {
    if (std::exchange(left, true)) return;
    auto u = *store_->get_user(last);
    u.resource["active"] = false;
    u.version = 3;
    ASSERT_EQ(store_->replace_user(u, {kTarget}, now_), state::WriteStatus::ok);
  };
  TargetBinding guarded{&*hooked_,
                        &*mapping_,
                        {"employeeType", "disabled"},
                        reconcile::policies_for(*mapping_),
                        reconcile::GuardLimits{.max_disables = 0, .max_modify_percent = 100},
                        {}};
  OutboxWorker strict(*store_, {guarded}, config::RetryPolicy{}, [this] { return now_; });
  // A budget that keeps the plans of the first few dozen changes whole: the
  // rest are planned again to be applied.
  strict.keep_plans_up_to(16 << 10);
  hooked_->reads = 0;
  const auto summary = strict.drain_due();
  ASSERT_TRUE(left);
  EXPECT_GT(hooked_->reads, n) << "the changes past the budget are planned again";
  EXPECT_LT(hooked_->reads, 2 * n) << "the changes within it are not";
  EXPECT_EQ(summary.applied, n - 1);
  EXPECT_EQ(summary.held, 1);
  ASSERT_TRUE(store_->hold_of(kTarget));
  EXPECT_EQ(store_->hold_of(kTarget)->reason, "would disable 1 accounts, more than the limit of 0");
  const auto held = store_->held_changes(kTarget);
  ASSERT_EQ(held.size(), 1u);
  EXPECT_EQ(held[0].user_id, last);
  EXPECT_EQ(held[0].kind, "disable");
  int managers = 0;
  for (const auto& e : users()) {
    const bool is_last = e.attributes.at("uid") == mapping::Values{store_->get_user(last)->user_name};
    EXPECT_EQ(e.attributes.count("employeeType"), 0u) << e.dn;
    managers += e.attributes.at("title") == mapping::Values{"Manager"};
    if (is_last) {
      EXPECT_EQ(e.attributes.at("title"), mapping::Values{"Engineer"}) << "its judged update moved";
    }
  }
  EXPECT_EQ(managers, n - 1);
}

TEST_F(outbox_worker, disabling_by_move_puts_the_entry_below_the_disabled_ou_and_back) {
  const std::string disabled_ou = "ou=disabled," + slapd_->base_dn();
  const reconcile::DisableMark move{"", "", [&](const std::string& dn) {
                                      return connectors::ldap::moved_below(dn, disabled_ou);
                                    }};
  const std::string moved = "uid=user0," + disabled_ou;
  insert(2);
  worker({}, move).drain_due();
  auto inactive = user(0, "Engineer");
  inactive.resource["active"] = false;
  ASSERT_EQ(store_->replace_user(inactive, {kTarget}, now_), state::WriteStatus::ok);

  EXPECT_EQ(worker({}, move).drain_due().applied, 1);
  EXPECT_FALSE(test::ldap_entry(*slapd_, dn_of(*slapd_, 0)));
  const auto there = test::ldap_entry(*slapd_, moved);
  ASSERT_TRUE(there) << "moved (the disabled OU made on first use)";
  EXPECT_EQ(there->count("employeeType"), 0u) << "the place is the mark";
  EXPECT_EQ(store_->baseline(kTarget, "id-0")->key, moved);
  store_->enqueue_all({kTarget}, now_, "full sync");
  worker({}, move).drain_due();
  EXPECT_TRUE(test::ldap_entry(*slapd_, moved)) << "a full sync leaves it there";

  ASSERT_EQ(store_->replace_user(user(0, "Lead"), {kTarget}, now_), state::WriteStatus::ok);
  worker({}, move).drain_due();
  EXPECT_FALSE(test::ldap_entry(*slapd_, moved));
  const auto back = test::ldap_entry(*slapd_, dn_of(*slapd_, 0));
  ASSERT_TRUE(back) << "moved back when active again";
  EXPECT_EQ(back->at("title"), mapping::Values{"Lead"});
  EXPECT_EQ(store_->baseline(kTarget, "id-0")->key, dn_of(*slapd_, 0));
  EXPECT_EQ(users().size(), 2u) << "no twin";
}

TEST_F(outbox_worker, scim_groups_become_group_entries_with_minimal_member_changes) {
  const std::string groups_ou = "ou=groups," + slapd_->base_dn();
  const std::string yaml = "targets:\n  ldap:\n    dn: \"uid={userName}," + people(*slapd_) +
                           "\"\n    object_classes: [inetOrgPerson]\n    attributes:\n      uid: userName\n"
                           "      sn: userName\n      cn: userName\n"
                           "    groups:\n      dn: \"cn={displayName}," + groups_ou + "\"\n";
  use_mapping(yaml);
  ASSERT_TRUE(mapping_->groups());
  insert(3);
  auto group = [&](std::vector<int> members) {
    state::Group g{"g-1", "Eng, R&D", std::nullopt, {{"id", "g-1"}, {"displayName", "Eng, R&D"}}, 1};
    g.resource["members"] = nlohmann::json::array();
    for (int i : members) g.resource["members"].push_back({{"value", "id-" + std::to_string(i)}, {"type", "User"}});
    return g;
  };
  ASSERT_EQ(store_->insert_group(group({0, 1}), {kTarget}, now_), state::WriteStatus::ok);
  std::vector<reconcile::Operation> sent;
  hooked_->on_batch = [&](std::span<const reconcile::Operation> ops) { sent.assign(ops.begin(), ops.end()); };

  worker().drain_due();
  const std::string dn = "cn=Eng\\, R&D," + groups_ou;
  auto entry = test::ldap_entry(*slapd_, dn);
  ASSERT_TRUE(entry) << "created, with the ou made on first use";
  EXPECT_EQ(entry->at("member"), (mapping::Values{dn_of(*slapd_, 0), dn_of(*slapd_, 1)}));
  EXPECT_EQ(entry->at("cn"), mapping::Values{"Eng, R&D"});

  // One member leaves: exactly one value is deleted, nothing else is sent.
  ASSERT_EQ(store_->replace_group(group({0, 2}), {kTarget}, now_), state::WriteStatus::ok);
  sent.clear();
  worker().drain_due();
  const std::vector<reconcile::Operation> expected{
      {reconcile::Operation::Kind::modify, dn, {}, {}, {{"member", reconcile::ChangeKind::remove, {dn_of(*slapd_, 1)}},
                                                        {"member", reconcile::ChangeKind::add, {dn_of(*slapd_, 2)}}}}};
  EXPECT_EQ(sent, expected);
  EXPECT_EQ(test::ldap_entry(*slapd_, dn)->at("member"), (mapping::Values{dn_of(*slapd_, 0), dn_of(*slapd_, 2)}));

  // A disabled user leaves its groups; with nothing changed, nothing is sent.
  auto inactive = user(2, "Engineer");
  inactive.resource["active"] = false;
  ASSERT_EQ(store_->replace_user(inactive, {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  EXPECT_EQ(test::ldap_entry(*slapd_, dn)->at("member"), mapping::Values{dn_of(*slapd_, 0)});
  sent.clear();
  store_->enqueue_all({kTarget}, now_, "full sync");
  worker().drain_due();
  for (const auto& op : sent) EXPECT_NE(op.key, dn) << "the group is in line: no change sent";
}

TEST_F(outbox_worker, a_user_who_leaves_the_scope_leaves_its_groups_and_is_back_in_them_with_it) {
  const std::string groups_ou = "ou=groups," + slapd_->base_dn();
  use_mapping("targets:\n  ldap:\n    scope: 'title eq \"Engineer\"'\n    dn: \"uid={userName}," + people(*slapd_) +
              "\"\n    object_classes: [inetOrgPerson]\n    attributes:\n      uid: userName\n"
              "      sn: userName\n      cn: userName\n      title: title\n"
              "    groups:\n      dn: \"cn={displayName}," + groups_ou + "\"\n");
  insert(2);
  ASSERT_EQ(store_->insert_group(group("g-1", "Eng", {0, 1}), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  const std::string dn = "cn=Eng," + groups_ou;
  ASSERT_TRUE(test::ldap_entry(*slapd_, dn));
  EXPECT_EQ(test::ldap_entry(*slapd_, dn)->at("member"), (mapping::Values{dn_of(*slapd_, 0), dn_of(*slapd_, 1)}));

  ASSERT_EQ(store_->replace_user(user(1, "Sales"), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  EXPECT_EQ(test::ldap_entry(*slapd_, dn_of(*slapd_, 1))->at("employeeType"), mapping::Values{"disabled"});
  EXPECT_EQ(test::ldap_entry(*slapd_, dn)->at("member"), mapping::Values{dn_of(*slapd_, 0)});
  store_->enqueue_all({kTarget}, now_, "full sync");  // planned from the baselines alone: still out
  worker().drain_due();
  EXPECT_EQ(test::ldap_entry(*slapd_, dn)->at("member"), mapping::Values{dn_of(*slapd_, 0)});

  ASSERT_EQ(store_->replace_user(user(1, "Engineer"), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  EXPECT_EQ(test::ldap_entry(*slapd_, dn_of(*slapd_, 1))->count("employeeType"), 0u);
  EXPECT_EQ(test::ldap_entry(*slapd_, dn)->at("member"), (mapping::Values{dn_of(*slapd_, 0), dn_of(*slapd_, 1)}));
}

TEST_F(outbox_worker, a_group_attribute_marked_secret_is_written_but_never_recorded) {
  const std::string groups_ou = "ou=groups," + slapd_->base_dn();
  use_mapping("targets:\n  ldap:\n    dn: \"uid={userName}," + people(*slapd_) +
              "\"\n    object_classes: [inetOrgPerson]\n    attributes:\n      uid: userName\n"
              "      sn: userName\n      cn: userName\n"
              "    groups:\n      dn: \"cn={displayName}," + groups_ou + "\"\n      attributes:\n"
              "        description: {template: \"{id}-code\", secret: true}\n");
  insert(1);
  ASSERT_EQ(store_->insert_group(group("g-1", "Eng", {0}), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  EXPECT_EQ(test::ldap_entry(*slapd_, "cn=Eng," + groups_ou)->at("description"), mapping::Values{"g-1-code"});
  const auto rows = store_->audit({});
  const auto made = std::find_if(rows.begin(), rows.end(), [](const auto& r) { return r.action == "group create"; });
  ASSERT_NE(made, rows.end());
  const auto description = std::find_if(made->changes.begin(), made->changes.end(),
                                        [](const auto& c) { return c.attribute == "description"; });
  ASSERT_NE(description, made->changes.end());
  EXPECT_EQ(description->values, std::nullopt) << "recorded as set, without its value";
}

TEST_F(outbox_worker, a_renamed_group_moves_its_entry_and_a_deleted_one_takes_it_away) {
  const std::string groups_ou = use_group_mapping();
  insert(2);
  const auto named = [](const std::string& name, std::vector<int> members) { return group("g-9", name, members); };
  ASSERT_EQ(store_->insert_group(named("admins", {0, 1}), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  ASSERT_TRUE(test::ldap_entry(*slapd_, "cn=admins," + groups_ou));

  // Renamed, and a member leaves in the same write: one entry, moved, with the new members.
  ASSERT_EQ(store_->replace_group(named("operators", {0}), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  EXPECT_FALSE(test::ldap_entry(*slapd_, "cn=admins," + groups_ou)) << "no stale group left granting access";
  const auto moved = test::ldap_entry(*slapd_, "cn=operators," + groups_ou);
  ASSERT_TRUE(moved);
  EXPECT_EQ(moved->at("member"), mapping::Values{dn_of(*slapd_, 0)});
  EXPECT_EQ(moved->at("cn"), mapping::Values{"operators"});

  ASSERT_EQ(store_->delete_group("g-9", {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  EXPECT_FALSE(test::ldap_entry(*slapd_, "cn=operators," + groups_ou));
  EXPECT_EQ(test::ldap_search(*slapd_, groups_ou, "(objectClass=groupOfNames)", {"cn"}).size(), 0u);
  EXPECT_TRUE(store_->account_links(kTarget, "group:").empty());

  // The audit log tells the entry's life under the group's id.
  std::vector<std::string> told;
  for (const auto& r : store_->audit({.user = "g-9"})) {
    told.push_back(r.action + " " + r.previous_key + ">" + r.account_key + " " + r.user_name + " " + r.outcome + " " +
                   r.source);
  }
  const std::string admins = "cn=admins," + groups_ou, operators = "cn=operators," + groups_ou;
  EXPECT_EQ(told, (std::vector<std::string>{"group create >" + admins + " admins applied group sync",
                                            "group rename " + admins + ">" + operators + " operators applied group sync",
                                            "group delete >" + operators + "  applied group sync"}));
}

// The link is compared as a DN, not as text: a group renamed only in case
// is the same entry (never deleted as a stale twin of itself), and a group
// renamed onto an entry someone made at the new DN takes that one over.
TEST_F(outbox_worker, a_rename_in_case_only_keeps_the_entry_and_one_onto_an_existing_entry_leaves_no_twin) {
  const std::string groups_ou = use_group_mapping();
  insert(2);
  const auto named = [](const std::string& name, std::vector<int> members) { return group("g-7", name, members); };
  ASSERT_EQ(store_->insert_group(named("Admins", {0, 1}), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  ASSERT_TRUE(test::ldap_entry(*slapd_, "cn=Admins," + groups_ou));

  ASSERT_EQ(store_->replace_group(named("admins", {0, 1}), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  const auto kept = test::ldap_entry(*slapd_, "cn=admins," + groups_ou);
  ASSERT_TRUE(kept) << "renamed in case only: still there";
  EXPECT_EQ(kept->at("member").size(), 2u);

  // Someone made cn=ops by hand; the group is renamed to it.
  const auto made = ldap_->apply({reconcile::Operation::Kind::create, "cn=ops," + groups_ou, {},
                                  {{"objectClass", {"groupOfNames"}}, {"cn", {"ops"}}, {"member", {dn_of(*slapd_, 1)}}}, {}});
  ASSERT_TRUE(made) << made.failure().message;
  ASSERT_EQ(store_->replace_group(named("ops", {0}), {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  EXPECT_FALSE(test::ldap_entry(*slapd_, "cn=admins," + groups_ou)) << "no stale twin left granting access";
  const auto ops = test::ldap_entry(*slapd_, "cn=ops," + groups_ou);
  ASSERT_TRUE(ops);
  EXPECT_EQ(ops->at("member"), mapping::Values{dn_of(*slapd_, 0)});
  EXPECT_EQ(store_->account_links(kTarget, "group:").at("group:g-7"), "cn=ops," + groups_ou);
}

TEST_F(outbox_worker, posix_groups_list_member_uids) {
  const std::string yaml = "targets:\n  ldap:\n    dn: \"uid={userName}," + people(*slapd_) +
                           "\"\n    object_classes: [inetOrgPerson]\n    attributes:\n      uid: userName\n"
                           "      sn: userName\n      cn: userName\n"
                           "    groups:\n      dn: \"cn={displayName},ou=groups," + slapd_->base_dn() +
                           "\"\n      object_classes: [posixGroup]\n      member_attribute: memberUid\n"
                           "      attributes: {gidNumber: \"{externalId}\"}\n";
  use_mapping(yaml);
  insert(2);
  state::Group g{"g-2", "ops", "5001", {{"id", "g-2"}, {"displayName", "ops"}, {"externalId", "5001"}}, 1};
  g.resource["members"] = {{{"value", "id-1"}, {"type", "User"}}};
  ASSERT_EQ(store_->insert_group(g, {kTarget}, now_), state::WriteStatus::ok);
  worker().drain_due();
  const auto entry = test::ldap_entry(*slapd_, "cn=ops,ou=groups," + slapd_->base_dn());
  ASSERT_TRUE(entry);
  EXPECT_EQ(entry->at("memberUid"), mapping::Values{"user1"});
  EXPECT_EQ(entry->at("gidNumber"), mapping::Values{"5001"});
}

// Issue 7, event-driven: after an event that only moved accounts, the worker
// plans again only the group entries of the groups those users are in (their
// entries read alone, their members' baselines looked up by id), and leaves
// the group entries exactly as a full group sync would: after each event a
// full plan finds nothing left to do, and the groups' subtree was not searched.
TEST_F(outbox_worker, an_event_plans_only_the_groups_of_the_users_it_moved_and_leaves_what_a_full_sync_would) {
  const std::string groups_ou = use_group_mapping();
  insert(8);
  edit_user(7, deactivate);  // no account yet: created into group A by the fifth event
  ASSERT_EQ(store_->insert_group(group("g-A", "A", {0, 1, 2, 7}), {kTarget}, now_), state::WriteStatus::ok);
  ASSERT_EQ(store_->insert_group(group("g-B", "B", {1, 3, 6}), {kTarget}, now_), state::WriteStatus::ok);
  ASSERT_EQ(store_->insert_group(group("g-C", "C", {4}), {kTarget}, now_), state::WriteStatus::ok);
  ASSERT_EQ(store_->insert_group(group("g-P", "P", {5}, {"g-A"}), {kTarget}, now_), state::WriteStatus::ok);
  // Deleted users' accounts are deleted at once.
  const reconcile::DeletePolicy deletion{reconcile::DeletePolicy::When::after_delete, 0};
  const auto b = binding(deletion);
  auto w = worker(deletion);
  w.drain_due();  // the first group sync after a start is a full one
  ASSERT_EQ(groups_out_of_line(b), "");
  const auto members = [&](const std::string& cn) {
    const auto entry = test::ldap_entry(*slapd_, "cn=" + cn + "," + groups_ou);
    auto values = entry ? entry->at("member") : mapping::Values{"(no entry)"};
    std::sort(values.begin(), values.end());
    return values;
  };
  const auto dn = [&](const std::string& uid) { return "uid=" + uid + "," + people(*slapd_); };
  const auto reads_of = [&](const std::string& cn) {
    return occurrences(slapd_->log(), "SRCH base=\"cn=" + cn + "," + groups_ou + "\"");
  };

  struct Event {
    std::string what;
    std::function<void()> make;
    std::vector<std::string> read;  // the group entries read to plan it
  };
  const std::vector<Event> events{
      {"user renamed (its DN)", [&] { edit_user(0, rename); }, {"A"}},
      {"member of two groups renamed", [&] { edit_user(1, rename); }, {"A", "B"}},
      {"user disabled", [&] { edit_user(2, deactivate); }, {"A"}},
      {"user deleted", [&] { ASSERT_EQ(store_->delete_user("id-3", {kTarget}, now_), state::WriteStatus::ok); }, {"B"}},
      {"user created into a group", [&] { edit_user(7, activate); }, {"A"}},
      {"member beside a nested group renamed", [&] { edit_user(5, rename); }, {"P"}},
      {"last member disabled (the entry goes)", [&] { edit_user(4, deactivate); }, {"C"}},
      {"it comes back (the entry again)", [&] { edit_user(4, activate); }, {"C"}},
      {"an attribute no group reads", [&] { edit_user(6, [](state::User& u) { u.resource["title"] = "Lead"; }); }, {}},
  };
  for (const auto& event : events) {
    SCOPED_TRACE(event.what);
    std::map<std::string, std::size_t> reads;
    for (const std::string cn : {"A", "B", "C", "P"}) reads[cn] = reads_of(cn);
    event.make();
    ++now_;
    EXPECT_EQ(w.drain_due().applied, 1);
    for (const auto& [cn, before] : reads) {
      const bool asked = std::find(event.read.begin(), event.read.end(), cn) != event.read.end();
      EXPECT_EQ(reads_of(cn) - before, asked ? 1u : 0u) << "entry " << cn;
    }
    EXPECT_EQ(groups_out_of_line(b), "");
  }
  EXPECT_EQ(members("A"), (mapping::Values{dn("user0-renamed"), dn("user1-renamed"), dn("user7")}));
  EXPECT_EQ(members("B"), (mapping::Values{dn("user1-renamed"), dn("user6")}));
  EXPECT_EQ(members("C"), mapping::Values{dn("user4")});
  EXPECT_EQ(members("P"), (mapping::Values{"cn=A," + groups_ou, dn("user5-renamed")}));

  // Drift by hand in a group no event touches is the full sync's to correct.
  const auto removed = ldap_->apply({reconcile::Operation::Kind::modify, "cn=B," + groups_ou, {}, {},
                                     {{"member", reconcile::ChangeKind::remove, {dn("user6")}}}});
  ASSERT_TRUE(removed) << removed.failure().message;
  edit_user(0, [](state::User& u) { u.resource["title"] = "Lead"; });
  w.drain_due();
  EXPECT_EQ(groups_out_of_line(b), "g-B: update; ");
  store_->enqueue_all({kTarget}, now_, "full sync");
  std::map<std::string, std::size_t> reads;
  for (const std::string cn : {"A", "B", "C", "P"}) reads[cn] = reads_of(cn);
  w.drain_due();
  for (const auto& [cn, before] : reads) EXPECT_EQ(reads_of(cn) - before, 1u) << "a full sync reads every entry: " << cn;
  EXPECT_EQ(groups_out_of_line(b), "");
  EXPECT_EQ(members("B"), (mapping::Values{dn("user1-renamed"), dn("user6")}));
}

// The same with memberUid: what names a member is its uid, not its DN.
TEST_F(outbox_worker, an_event_moves_member_uids_as_a_full_sync_would) {
  const std::string groups_ou = "ou=groups," + slapd_->base_dn();
  use_mapping("targets:\n  ldap:\n    dn: \"uid={userName}," + people(*slapd_) +
              "\"\n    object_classes: [inetOrgPerson]\n    attributes:\n      uid: userName\n"
              "      sn: userName\n      cn: userName\n"
              "    groups:\n      dn: \"cn={displayName}," + groups_ou +
              "\"\n      object_classes: [posixGroup]\n      member_attribute: memberUid\n"
              "      attributes: {gidNumber: \"{externalId}\"}\n");
  insert(3);
  auto ops = group("g-2", "ops", {0, 1, 2});
  ops.external_id = "5001";
  ops.resource["externalId"] = "5001";
  ASSERT_EQ(store_->insert_group(ops, {kTarget}, now_), state::WriteStatus::ok);
  const auto b = binding();
  auto w = worker();
  w.drain_due();
  for (const auto& [what, edit] : std::vector<std::pair<std::string, std::function<void(state::User&)>>>{
           {"uid changed", rename}, {"member disabled", deactivate}}) {
    SCOPED_TRACE(what);
    edit_user(what == "uid changed" ? 0 : 1, edit);
    ++now_;
    w.drain_due();
    EXPECT_EQ(groups_out_of_line(b), "");
  }
  auto uids = test::ldap_entry(*slapd_, "cn=ops," + groups_ou)->at("memberUid");
  std::sort(uids.begin(), uids.end());
  EXPECT_EQ(uids, (mapping::Values{"user0-renamed", "user2"}));
}

}  // namespace
}  // namespace idb::daemon
