#include "state/store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "state/migrations.h"

namespace idb::state {
namespace {

namespace fs = std::filesystem;

const std::vector<std::string> kTargets{"ldap", "authing"};

User make_user(const std::string& id, const std::string& user_name,
               std::optional<std::string> external_id = std::nullopt) {
  return User{
      .id = id,
      .user_name = user_name,
      .external_id = std::move(external_id),
      .resource = {{"id", id}, {"userName", user_name}},
      .version = 1,
  };
}

// Runs one query straight on the database file, beside the Store, to see
// what the Store's API does not show (pragmas, schema_migrations).
std::string raw_query(const fs::path& file, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(file.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* stmt = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::string result;
  const int rc = sqlite3_step(stmt);
  if (rc == SQLITE_ROW && sqlite3_column_type(stmt, 0) != SQLITE_NULL) {
    result = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
  } else {
    EXPECT_TRUE(rc == SQLITE_ROW || rc == SQLITE_DONE) << sqlite3_errmsg(db);
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return result;
}

class state_store : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "idb-state-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    root_ = pattern;
    dir_ = root_ / "state";  // not there yet: open must create it
    store_ = Store::open(dir_);
  }
  void TearDown() override {
    store_.reset();
    fs::remove_all(root_);
  }
  void reopen() {
    store_.reset();
    store_ = Store::open(dir_);
  }
  fs::path db_file() const { return dir_ / "idbridge.db"; }

  // The single outbox entry of `target` (due at any time).
  OutboxEntry entry(const std::string& target) {
    auto entries = store_->due(target, INT64_MAX, 10);
    EXPECT_EQ(entries.size(), 1u);
    return entries.empty() ? OutboxEntry{} : entries.front();
  }

  fs::path root_;
  fs::path dir_;
  std::unique_ptr<Store> store_;
};

// --- opening and migrations

TEST_F(state_store, OpenCreatesPrivateDirectoryAndLatestSchemaInWalMode) {
  EXPECT_EQ(fs::status(dir_).permissions() & fs::perms::all, fs::perms::owner_all);
  EXPECT_EQ(store_->schema_version(), latest_schema_version());
  EXPECT_EQ(raw_query(db_file(), "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(raw_query(db_file(), "SELECT COUNT(*) FROM schema_migrations"), std::to_string(latest_schema_version()));
}

TEST_F(state_store, ReopenKeepsDataAndDoesNotRerunMigrations) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  const std::string applied = raw_query(db_file(), "SELECT group_concat(version || ':' || applied_at) FROM schema_migrations");
  reopen();
  EXPECT_EQ(raw_query(db_file(), "SELECT group_concat(version || ':' || applied_at) FROM schema_migrations"), applied);
  EXPECT_EQ(store_->schema_version(), latest_schema_version());
  EXPECT_TRUE(store_->get_user("u1").has_value());
}

TEST_F(state_store, RefusesDatabaseFromNewerVersion) {
  store_.reset();
  const int future = latest_schema_version() + 1;
  raw_query(db_file(), "INSERT INTO schema_migrations (version, applied_at) VALUES (" + std::to_string(future) + ", 0)");
  try {
    Store::open(dir_);
    FAIL() << "opened a database from the future";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("newer"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(std::to_string(future)), std::string::npos) << e.what();
  }
}

TEST_F(state_store, OpenFailsWhenDirectoryCannotBeCreated) {
  const fs::path file = root_ / "a-file";
  { std::ofstream(file) << "x"; }
  EXPECT_THROW(Store::open(file / "state"), StoreError);
}

// --- users

TEST_F(state_store, InsertThenGetFindListCount) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "Alice", "E1"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("u2", "bob"), kTargets, 200), WriteStatus::ok);

  auto alice = store_->get_user("u1");
  ASSERT_TRUE(alice);
  EXPECT_EQ(alice->user_name, "Alice");
  EXPECT_EQ(alice->external_id, "E1");
  EXPECT_EQ(alice->resource["userName"], "Alice");
  EXPECT_EQ(alice->version, 1);
  EXPECT_FALSE(alice->deleted);
  EXPECT_FALSE(store_->get_user("u2")->external_id.has_value());
  EXPECT_FALSE(store_->get_user("nobody"));

  EXPECT_EQ(store_->find_by_user_name("aLICE")->id, "u1");
  EXPECT_FALSE(store_->find_by_user_name("alic"));
  ASSERT_EQ(store_->find_by_external_id("E1").size(), 1u);
  EXPECT_EQ(store_->find_by_external_id("E1")[0].id, "u1");
  EXPECT_TRUE(store_->find_by_external_id("e1").empty()) << "externalId is exact";

  auto users = store_->list_users();
  ASSERT_EQ(users.size(), 2u);
  EXPECT_EQ(users[0].id, "u1");
  EXPECT_EQ(users[1].id, "u2");
  EXPECT_EQ(store_->count_users(), 2);
}

TEST_F(state_store, UserNameCollisionIsCaseInsensitiveAndWritesNothing) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  EXPECT_EQ(store_->insert_user(make_user("u2", "ALICE"), kTargets, 200), WriteStatus::user_name_taken);
  EXPECT_FALSE(store_->get_user("u2"));
  EXPECT_EQ(store_->outbox_size("ldap"), 1);
}

// RFC 7643 §3.1: externalId is the client's identifier, not unique.
TEST_F(state_store, ExternalIdMayRepeat) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice", "E1"), kTargets, 100), WriteStatus::ok);
  EXPECT_EQ(store_->insert_user(make_user("u2", "bob", "E1"), kTargets, 200), WriteStatus::ok);
  const auto found = store_->find_by_external_id("E1");
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].id, "u1");
  EXPECT_EQ(found[1].id, "u2");
}

TEST_F(state_store, DeletedUsersDoNotBlockReuse) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice", "E1"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->delete_user("u1", kTargets, 150), WriteStatus::ok);
  EXPECT_EQ(store_->insert_user(make_user("u2", "Alice", "E1"), kTargets, 200), WriteStatus::ok);
  EXPECT_EQ(store_->find_by_user_name("alice")->id, "u2");
  EXPECT_EQ(store_->find_by_external_id("E1").at(0).id, "u2");
}

TEST_F(state_store, ReplaceUpdatesTheUserAndChecksOthers) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice", "E1"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("u2", "bob", "E2"), kTargets, 100), WriteStatus::ok);

  User renamed = make_user("u1", "ALICE", "E1");  // its own name in another case is no collision
  renamed.version = 2;
  EXPECT_EQ(store_->replace_user(renamed, kTargets, 200), WriteStatus::ok);
  auto stored = store_->get_user("u1");
  EXPECT_EQ(stored->user_name, "ALICE");
  EXPECT_EQ(stored->version, 2);
  EXPECT_EQ(stored->resource["userName"], "ALICE");

  EXPECT_EQ(store_->replace_user(make_user("u1", "Bob"), kTargets, 300), WriteStatus::user_name_taken);
  EXPECT_EQ(store_->get_user("u1")->user_name, "ALICE");
}

// A group holding `members` (ids of users or groups).
Group group(const std::string& id, const std::string& name, const std::vector<std::string>& members) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& m : members) list.push_back({{"value", m}});
  return Group{.id = id, .display_name = name, .external_id = std::nullopt,
               .resource = {{"displayName", name}, {"members", list}}, .version = 1};
}

// A group write is a new version of the users whose groups it changes; a
// user's own write read before it still lands on a version of its own.
TEST_F(state_store, GroupWritesMakeNewVersionsOfTheUsersTheyReach) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("u2", "bob"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->insert_group(group("g1", "Ops", {"u1"}), kTargets, 200), WriteStatus::ok);
  EXPECT_EQ(store_->get_user("u1")->version, 2);
  EXPECT_EQ(store_->get_user("u1")->updated_ms, 200);
  EXPECT_EQ(store_->get_user("u2")->version, 1);
  ASSERT_EQ(store_->insert_group(group("g2", "All", {"g1"}), kTargets, 300), WriteStatus::ok);  // nested
  EXPECT_EQ(store_->get_user("u1")->version, 3);
  // u1 as read at version 3, written after the group changed it again.
  ASSERT_EQ(store_->replace_group(group("g1", "Ops", {"u1", "u2"}), kTargets, 400), WriteStatus::ok);
  EXPECT_EQ(store_->get_user("u1")->version, 3) << "still a member: its groups did not change";
  EXPECT_EQ(store_->get_user("u2")->version, 2);
  ASSERT_EQ(store_->replace_group(group("g1", "Operations", {"u1", "u2"}), kTargets, 500), WriteStatus::ok);  // renamed
  EXPECT_EQ(store_->get_user("u1")->version, 4);
  User stale = make_user("u1", "alice");
  stale.version = 4;  // read at 3
  ASSERT_EQ(store_->replace_user(stale, kTargets, 600), WriteStatus::ok);
  EXPECT_EQ(store_->get_user("u1")->version, 5) << "versions only grow";
  ASSERT_EQ(store_->delete_group("g1", kTargets, 700), WriteStatus::ok);
  EXPECT_EQ(store_->get_user("u1")->version, 6);
  EXPECT_EQ(store_->get_user("u2")->version, 4);
  EXPECT_EQ(store_->delete_group("g1", kTargets, 800), WriteStatus::not_found);
  EXPECT_EQ(store_->get_user("u2")->version, 4);
}

// The groups a member is in directly, found through the text first: ids that
// JSON escapes, ids inside other ids, and an id that is some group's name or
// key but no member's are found exactly as the members list them. And the
// groups read by id, or only their versions.
TEST_F(state_store, GroupsWithAMemberAreThoseListingItAsAMember) {
  const std::string odd = "we\"ird\\id \t名";
  ASSERT_EQ(store_->insert_group(group("g1", "Ops", {"u1", odd}), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->insert_group(group("g2", "u1", {"u10", "g1"}), kTargets, 200), WriteStatus::ok);
  ASSERT_EQ(store_->insert_group(group("g3", "value", {odd}), kTargets, 300), WriteStatus::ok);
  const auto in = [&](const std::string& member) {
    std::vector<std::string> out;
    for (const auto& m : store_->groups_with_member(member)) {
      EXPECT_EQ(m.member_id, member);
      out.push_back(m.group_id + "/" + m.group_display_name);
    }
    return out;
  };
  using Ids = std::vector<std::string>;
  EXPECT_EQ(in("u1"), Ids{"g1/Ops"}) << "not g2, named u1, nor through u10";
  EXPECT_EQ(in("u10"), Ids{"g2/u1"});
  EXPECT_EQ(in("g1"), Ids{"g2/u1"}) << "a nested group";
  EXPECT_EQ(in(odd), (Ids{"g1/Ops", "g3/value"}));
  EXPECT_EQ(in("value"), Ids{}) << "a key of every member, no member";
  EXPECT_EQ(in("u"), Ids{});
  EXPECT_EQ(in("\xff"), Ids{}) << "no stored text holds what is not UTF-8";
  const auto by_id = [&](const std::vector<std::string>& ids) {
    std::vector<std::string> out;
    for (const auto& g : store_->groups_by_id(ids)) out.push_back(g.id + "/" + g.resource.at("displayName").get<std::string>());
    return out;
  };
  EXPECT_EQ(by_id({"g3", "u1", "g1", "g3"}), (Ids{"g1/Ops", "g3/value"})) << "oldest first, once each, users left out";
  EXPECT_EQ(by_id({}), Ids{});
  using Versions = std::vector<std::pair<std::string, int64_t>>;
  EXPECT_EQ(store_->group_versions(), (Versions{{"g1", 1}, {"g2", 1}, {"g3", 1}}));
  auto renamed = group("g2", "Two", {"u10"});
  renamed.version = 2;
  ASSERT_EQ(store_->replace_group(renamed, kTargets, 400), WriteStatus::ok);
  EXPECT_EQ(store_->group_versions(), (Versions{{"g1", 1}, {"g2", 2}, {"g3", 1}}));
}

// Mappings read User.groups, so a group write that changes a user's groups is
// a change to that user for the targets, enqueued with the write itself.
TEST_F(state_store, GroupWritesEnqueueTheUsersWhoseGroupsChange) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("u2", "bob"), kTargets, 100), WriteStatus::ok);
  for (const auto& target : kTargets) {
    for (const auto& e : store_->due(target, INT64_MAX, 10)) store_->complete(e, std::nullopt);
  }
  const std::vector<std::string> ldap_only{"ldap"};
  ASSERT_EQ(store_->insert_group(group("g1", "Ops", {"u1"}), ldap_only, 200), WriteStatus::ok);
  OutboxEntry e = entry("ldap");
  EXPECT_EQ(e.user_id, "u1");
  EXPECT_EQ(e.generation, 1);
  EXPECT_EQ(e.next_try_ms, 200);
  EXPECT_EQ(store_->outbox_size("authing"), 0) << "only the targets named";

  ASSERT_EQ(store_->replace_group(group("g1", "Ops", {"u1"}), ldap_only, 300), WriteStatus::ok);
  EXPECT_EQ(entry("ldap").generation, 1) << "same members, same name: no user changed";

  ASSERT_EQ(store_->insert_group(group("g2", "All", {"g1"}), ldap_only, 400), WriteStatus::ok);  // nested
  EXPECT_EQ(entry("ldap").generation, 2) << "u1 is now in All through Ops";

  store_->complete(entry("ldap"), std::nullopt);
  ASSERT_EQ(store_->replace_group(group("g1", "Ops", {"u2"}), ldap_only, 500), WriteStatus::ok);
  auto both = store_->due("ldap", INT64_MAX, 10);
  ASSERT_EQ(both.size(), 2u) << "u1 left, u2 joined";
  EXPECT_EQ(both[0].user_id, "u1");
  EXPECT_EQ(both[1].user_id, "u2");
  for (const auto& done : both) store_->complete(done, std::nullopt);

  // Renaming changes every member's groups[].display.
  ASSERT_EQ(store_->replace_group(group("g2", "Everyone", {"g1"}), ldap_only, 600), WriteStatus::ok);
  EXPECT_EQ(entry("ldap").user_id, "u2");
  store_->complete(entry("ldap"), std::nullopt);

  EXPECT_EQ(store_->delete_group("ghost", ldap_only, 700), WriteStatus::not_found);
  EXPECT_EQ(store_->outbox_size("ldap"), 0);
  ASSERT_EQ(store_->delete_group("g1", ldap_only, 800), WriteStatus::ok);
  EXPECT_EQ(entry("ldap").user_id, "u2");
}

TEST_F(state_store, ReplaceOrDeleteOfMissingOrDeletedUserIsNotFound) {
  EXPECT_EQ(store_->replace_user(make_user("ghost", "ghost"), kTargets, 100), WriteStatus::not_found);
  EXPECT_EQ(store_->delete_user("ghost", kTargets, 100), WriteStatus::not_found);
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->delete_user("u1", kTargets, 200), WriteStatus::ok);
  EXPECT_EQ(store_->replace_user(make_user("u1", "alice"), kTargets, 300), WriteStatus::not_found);
  EXPECT_EQ(store_->delete_user("u1", kTargets, 300), WriteStatus::not_found);
  EXPECT_EQ(store_->outbox_size("ldap"), 1);
  EXPECT_EQ(entry("ldap").generation, 2) << "the not_found writes enqueued nothing";
}

TEST_F(state_store, DeleteLeavesATombstone) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->delete_user("u1", kTargets, 200), WriteStatus::ok);
  EXPECT_FALSE(store_->get_user("u1"));
  EXPECT_FALSE(store_->find_by_user_name("alice"));
  EXPECT_TRUE(store_->list_users().empty());
  EXPECT_EQ(store_->count_users(), 0);
  auto tombstone = store_->get_user("u1", /*include_deleted=*/true);
  ASSERT_TRUE(tombstone);
  EXPECT_TRUE(tombstone->deleted);
  EXPECT_EQ(tombstone->version, 2);
  EXPECT_EQ(tombstone->resource["userName"], "alice");
}

TEST_F(state_store, FailedWriteRollsBackEverythingAndLeavesTheStoreUsable) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  // Ids are ours to mint: a duplicate is a bug, not a collision to answer with a status.
  try {
    store_->insert_user(make_user("u1", "other"), kTargets, 200);
    FAIL() << "a duplicate id was accepted";
  } catch (const StoreError& e) {
    EXPECT_NE(std::string(e.what()).find("INSERT INTO users"), std::string::npos) << e.what();
  }
  EXPECT_FALSE(store_->find_by_user_name("other"));
  EXPECT_EQ(entry("ldap").generation, 1) << "the enqueue did not survive the failed write";
  EXPECT_EQ(store_->insert_user(make_user("u2", "other"), kTargets, 300), WriteStatus::ok);
}

TEST_F(state_store, ConcurrentWritersAreSerialised) {
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < 25; ++i) {
        const std::string id = std::to_string(t) + "-" + std::to_string(i);
        EXPECT_EQ(store_->insert_user(make_user(id, "user" + id), kTargets, i), WriteStatus::ok);
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(store_->count_users(), 100);
  EXPECT_EQ(store_->outbox_size("authing"), 100);
}

// --- outbox

TEST_F(state_store, EveryWriteEnqueuesForEachTarget) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  for (const auto& target : kTargets) {
    OutboxEntry e = entry(target);
    EXPECT_EQ(e.user_id, "u1");
    EXPECT_EQ(e.generation, 1);
    EXPECT_EQ(e.attempts, 0);
    EXPECT_EQ(e.next_try_ms, 100);
  }
  EXPECT_EQ(store_->outbox_size("other"), 0);

  store_->reschedule(entry("ldap"), 5000, "timeout");
  ASSERT_EQ(store_->replace_user(make_user("u1", "alice"), kTargets, 200), WriteStatus::ok);
  OutboxEntry replaced = entry("ldap");
  EXPECT_EQ(replaced.generation, 2);
  EXPECT_EQ(replaced.attempts, 0);
  EXPECT_EQ(replaced.next_try_ms, 200);
  EXPECT_EQ(replaced.last_error, "");

  ASSERT_EQ(store_->delete_user("u1", kTargets, 300), WriteStatus::ok);
  EXPECT_EQ(entry("ldap").generation, 3);
  EXPECT_EQ(entry("authing").generation, 3);
  EXPECT_EQ(store_->outbox_size("ldap"), 1);
}

TEST_F(state_store, DueIsOldestFirstWithinLimitAndSkipsTheFuture) {
  for (int i = 1; i <= 4; ++i) {
    ASSERT_EQ(store_->insert_user(make_user("u" + std::to_string(i), "n" + std::to_string(i)), {"ldap"}, 100 * i),
              WriteStatus::ok);
  }
  // u1 failed and waits until 1000; u2..u4 are due at 200, 300, 400.
  store_->reschedule(store_->due("ldap", 100, 1).at(0), 1000, "busy");

  auto first_two = store_->due("ldap", 500, 2);
  ASSERT_EQ(first_two.size(), 2u);
  EXPECT_EQ(first_two[0].user_id, "u2");
  EXPECT_EQ(first_two[1].user_id, "u3");
  EXPECT_EQ(store_->due("ldap", 500, 10).size(), 3u);
  EXPECT_TRUE(store_->due("ldap", 150, 10).empty());
  auto all = store_->due("ldap", 1000, 10);
  ASSERT_EQ(all.size(), 4u);
  EXPECT_EQ(all.back().user_id, "u1");
  EXPECT_TRUE(store_->due("authing", 1000, 10).empty());

  EXPECT_EQ(store_->next_due_ms("ldap"), 200);
  EXPECT_FALSE(store_->next_due_ms("authing"));
}

TEST_F(state_store, CompleteOfCurrentGenerationRemovesTheEntry) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  store_->complete(entry("ldap"), Baseline{.key = "uid=alice,dc=example", .attributes = {{"uid", {"alice"}}}});
  EXPECT_EQ(store_->outbox_size("ldap"), 0);
  EXPECT_EQ(store_->outbox_size("authing"), 1);
  EXPECT_FALSE(store_->next_due_ms("ldap"));
  EXPECT_EQ(store_->baseline("ldap", "u1")->key, "uid=alice,dc=example");
  EXPECT_FALSE(store_->baseline("authing", "u1"));
}

TEST_F(state_store, BaselineAttributesRoundTripAndCorruptOnesAreNamed) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {"ldap"}, 100), WriteStatus::ok);
  const mapping::Attributes attributes{{"cn", {"Al \"Ice\"\n\u00e9"}}, {"empty", {}}, {"mail", {"a@x", "b@x"}}};
  store_->record_baseline("ldap", "u1", Baseline{"uid=alice", attributes});
  EXPECT_EQ(store_->baseline("ldap", "u1")->attributes, attributes);
  for (const std::string bad : {"[]", "{\"cn\": \"x\"}", "{\"cn\": [1]}", "{\"cn\": [[\"x\"]]}", "{\"cn\": [\"x\"]",
                                "{\"cn\": {\"a\": [\"x\"]}}", "null"}) {
    raw_query(db_file(), "UPDATE baselines SET attributes = '" + bad + "'");
    try {
      store_->baseline("ldap", "u1");
      ADD_FAILURE() << bad << " was read";
    } catch (const StoreError& e) {
      EXPECT_NE(std::string(e.what()).find("corrupt baseline attributes"), std::string::npos) << e.what();
    }
  }
}

TEST_F(state_store, ADisabledAccountWaitsForItsDeleteAndTheDeleteForgetsIt) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {"ldap"}, 100), WriteStatus::ok);
  // Disabled at 150; the delete is due at 5000: the entry stays, planned for then.
  store_->complete_all({Applied{entry("ldap"), Baseline{"uid=alice,dc=example", {{"uid", {"alice"}}}, 150}, false, 5000}});
  EXPECT_EQ(store_->baseline("ldap", "u1")->disabled_ms, 150);
  store_->for_each_user_with_baseline("ldap", false, {}, [](User&&, std::optional<Baseline>&& b) {
    EXPECT_EQ(b.value().disabled_ms, 150);
  });
  EXPECT_EQ(store_->outbox_size("ldap"), 1);
  EXPECT_EQ(store_->scheduled("ldap", 200), 1) << "waiting for a time, not for a retry";
  EXPECT_TRUE(store_->due("ldap", 4999, 10).empty());
  ASSERT_EQ(store_->due("ldap", 5000, 10).size(), 1u);

  store_->complete_all({Applied{entry("ldap"), std::nullopt, true}});
  EXPECT_EQ(store_->outbox_size("ldap"), 0);
  EXPECT_FALSE(store_->baseline("ldap", "u1")) << "a deleted account holds no key any more";
}

TEST_F(state_store, ARetryIsNotScheduledWorkAndAnActiveBaselineHasNoDisableTime) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {"ldap"}, 100), WriteStatus::ok);
  store_->reschedule(entry("ldap"), 900, "busy");
  EXPECT_EQ(store_->scheduled("ldap", 200), 0);
  store_->record_baseline("ldap", "u1", Baseline{"k", {}});
  EXPECT_EQ(store_->baseline("ldap", "u1")->disabled_ms, std::nullopt);
  store_->forget_baseline("ldap", "u1");
  EXPECT_FALSE(store_->baseline("ldap", "u1"));
}

TEST_F(state_store, CompleteOfStaleGenerationKeepsTheNewerChangeDue) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {"ldap"}, 100), WriteStatus::ok);
  const OutboxEntry in_flight = entry("ldap");
  ASSERT_EQ(store_->replace_user(make_user("u1", "alice2"), {"ldap"}, 200), WriteStatus::ok);
  // The newer generation fails once before the stale one completes.
  store_->reschedule(entry("ldap"), 900, "busy");

  store_->complete(in_flight, Baseline{.key = "k1", .attributes = {}});
  OutboxEntry left = entry("ldap");
  EXPECT_EQ(left.generation, 2);
  EXPECT_EQ(left.attempts, 0);
  EXPECT_EQ(left.next_try_ms, 900);
  EXPECT_EQ(store_->baseline("ldap", "u1")->key, "k1") << "what was written is the baseline regardless";

  store_->complete(left, std::nullopt);
  EXPECT_EQ(store_->outbox_size("ldap"), 0);
  EXPECT_EQ(store_->baseline("ldap", "u1")->key, "k1") << "no baseline given: the old one stays";
}

TEST_F(state_store, RescheduleCountsAttemptsOfTheCurrentGenerationOnly) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {"ldap"}, 100), WriteStatus::ok);
  store_->reschedule(entry("ldap"), 1000, "timeout");
  store_->reschedule(entry("ldap"), 2000, "refused");
  OutboxEntry e = entry("ldap");
  EXPECT_EQ(e.attempts, 2);
  EXPECT_EQ(e.next_try_ms, 2000);
  EXPECT_EQ(e.last_error, "refused");

  ASSERT_EQ(store_->replace_user(make_user("u1", "alice"), {"ldap"}, 3000), WriteStatus::ok);
  store_->reschedule(e, 9000, "stale failure");
  OutboxEntry newer = entry("ldap");
  EXPECT_EQ(newer.generation, 2);
  EXPECT_EQ(newer.attempts, 0);
  EXPECT_EQ(newer.next_try_ms, 3000);
  EXPECT_EQ(newer.last_error, "");
}

TEST_F(state_store, DeadLetterMovesTheEntryAndANewChangeRevivesIt) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), kTargets, 100), WriteStatus::ok);
  store_->reschedule(entry("ldap"), 200, "timeout");
  store_->dead_letter(entry("ldap"), "schema violation", 300);

  EXPECT_EQ(store_->outbox_size("ldap"), 0);
  auto letters = store_->dead_letters("ldap");
  ASSERT_EQ(letters.size(), 1u);
  EXPECT_EQ(letters[0].target, "ldap");
  EXPECT_EQ(letters[0].user_id, "u1");
  EXPECT_EQ(letters[0].attempts, 2);
  EXPECT_EQ(letters[0].error, "schema violation");
  EXPECT_EQ(letters[0].failed_at_ms, 300);
  EXPECT_TRUE(store_->dead_letters("authing").empty());

  ASSERT_EQ(store_->replace_user(make_user("u1", "alice"), kTargets, 400), WriteStatus::ok);
  EXPECT_TRUE(store_->dead_letters("ldap").empty());
  EXPECT_EQ(entry("ldap").attempts, 0);

  store_->dead_letter(entry("ldap"), "again", 500);
  store_->enqueue_all({"ldap"}, 600, "full sync");
  EXPECT_TRUE(store_->dead_letters("ldap").empty());
  EXPECT_EQ(entry("ldap").next_try_ms, 600);
}

TEST_F(state_store, DeadLetterOfStaleGenerationLeavesTheNewerOne) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {"ldap"}, 100), WriteStatus::ok);
  const OutboxEntry in_flight = entry("ldap");
  ASSERT_EQ(store_->replace_user(make_user("u1", "alice"), {"ldap"}, 200), WriteStatus::ok);
  store_->dead_letter(in_flight, "permanent", 300);
  EXPECT_TRUE(store_->dead_letters("ldap").empty());
  EXPECT_EQ(entry("ldap").generation, 2);
}

TEST_F(state_store, EnqueueAllIncludesTombstones) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {}, 100), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("u2", "bob"), {}, 100), WriteStatus::ok);
  ASSERT_EQ(store_->delete_user("u2", {}, 150), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("u3", "carol"), {"ldap"}, 180), WriteStatus::ok);
  EXPECT_EQ(store_->outbox_size("ldap"), 1);

  store_->enqueue_all(kTargets, 200, "full sync");
  for (const auto& target : kTargets) {
    auto entries = store_->due(target, 200, 10);
    ASSERT_EQ(entries.size(), 3u) << target;
  }
  auto ldap = store_->due("ldap", 200, 10);
  EXPECT_EQ(ldap[0].user_id, "u3") << "already pending since 180, keeps its place";
  EXPECT_EQ(ldap[0].generation, 2);
  EXPECT_EQ(ldap[0].next_try_ms, 200);
}

// --- baselines

TEST_F(state_store, BaselineRoundTripsUnicodeAndNameCase) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "jose"), {"ldap"}, 100), WriteStatus::ok);
  mapping::Attributes written{
      {"cn", {"José Ñúñez", "若曦"}},
      {"mail", {"jose@example.org"}},
      {"emptyValued", {}},
      {"emoji", {"🙂", ""}},
  };
  store_->complete(entry("ldap"), Baseline{.key = "uid=José,dc=example", .attributes = written});
  auto read = store_->baseline("ldap", "u1");
  ASSERT_TRUE(read);
  EXPECT_EQ(read->key, "uid=José,dc=example");
  EXPECT_EQ(read->attributes, written);
  EXPECT_EQ(read->attributes.at("CN").at(1), "若曦") << "names compare case-insensitively after reading";
  EXPECT_FALSE(store_->baseline("ldap", "nobody"));
}

TEST_F(state_store, BaselineWithInvalidUtf8IsRefusedAndTheEntryStays) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {"ldap"}, 100), WriteStatus::ok);
  EXPECT_THROW(store_->complete(entry("ldap"), Baseline{.key = "k", .attributes = {{"jpegPhoto", {"\xff\xd8\xff"}}}}),
               StoreError);
  EXPECT_EQ(store_->outbox_size("ldap"), 1);
  EXPECT_FALSE(store_->baseline("ldap", "u1"));
}

// --- durability

TEST_F(state_store, EverythingSurvivesCloseAndReopen) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice", "E1"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("u2", "bob"), kTargets, 100), WriteStatus::ok);
  ASSERT_EQ(store_->delete_user("u2", kTargets, 150), WriteStatus::ok);
  store_->complete(store_->due("ldap", 1000, 1).at(0), Baseline{.key = "uid=alice", .attributes = {{"uid", {"alice"}}}});
  store_->dead_letter(store_->due("ldap", 1000, 1).at(0), "gone", 200);
  store_->reschedule(store_->due("authing", 1000, 1).at(0), 5000, "slow");

  reopen();
  EXPECT_EQ(store_->find_by_external_id("E1").at(0).id, "u1");
  EXPECT_TRUE(store_->get_user("u2", true)->deleted);
  EXPECT_EQ(store_->baseline("ldap", "u1")->attributes.at("uid"), mapping::Values{"alice"});
  EXPECT_EQ(store_->outbox_size("ldap"), 0);
  EXPECT_EQ(store_->dead_letters("ldap").at(0).user_id, "u2");
  EXPECT_EQ(store_->outbox_size("authing"), 2);
  EXPECT_EQ(store_->next_due_ms("authing"), 150);
  EXPECT_EQ(store_->due("authing", 10000, 10).back().last_error, "slow");
}

}  // namespace
}  // namespace idb::state

namespace idb::state {
namespace {

// Concurrent writes share commits (group commit); each still succeeds or
// fails on its own, and what was acknowledged survives a reopen.
TEST_F(state_store, ConcurrentWritesCommitTogetherAndFailAlone) {
  std::vector<std::thread> writers;
  std::vector<WriteStatus> results(16);
  for (int i = 0; i < 16; ++i) {
    writers.emplace_back([&, i] {
      // Writers 0 and 1 want the same userName: exactly one may have it.
      const std::string name = i < 2 ? "twin" : "user" + std::to_string(i);
      results[i] = store_->insert_user(make_user("u" + std::to_string(i), name), kTargets, 100 + i);
    });
  }
  for (auto& t : writers) t.join();
  EXPECT_EQ(std::count(results.begin(), results.end(), WriteStatus::ok), 15);
  EXPECT_EQ(std::count(results.begin(), results.end(), WriteStatus::user_name_taken), 1);
  reopen();
  EXPECT_EQ(store_->count_users(), 15);
  EXPECT_EQ(store_->outbox_size("ldap"), 15);
  EXPECT_TRUE(store_->find_by_user_name("twin"));
}

}  // namespace
// (user id, baseline key or "-") of every user streamed for `target` in `range`.
std::vector<std::pair<std::string, std::string>> streamed(Store& store, const std::string& target, bool include_deleted,
                                                          const idb::state::UserRange& range = {}) {
  std::vector<std::pair<std::string, std::string>> out;
  store.for_each_user_with_baseline(target, include_deleted, range, [&](User&& u, std::optional<Baseline>&& b) {
    out.emplace_back(u.id, b ? b->key : "-");
  });
  return out;
}

TEST_F(state_store, UsersStreamWithTheirBaselineOnOneTarget) {
  ASSERT_EQ(store_->insert_user(make_user("b", "bob"), kTargets, 1), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), kTargets, 1), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("c", "carol"), kTargets, 1), WriteStatus::ok);
  for (const auto& e : store_->due("ldap", INT64_MAX, 10)) {
    if (e.user_id != "c") store_->complete(e, Baseline{"uid=" + e.user_id, {{"cn", {"名字 " + e.user_id}}}});
  }
  for (const auto& e : store_->due("authing", INT64_MAX, 10)) store_->complete(e, Baseline{"k-" + e.user_id, {}});
  ASSERT_EQ(store_->delete_user("a", kTargets, 2), WriteStatus::ok);

  using Rows = std::vector<std::pair<std::string, std::string>>;
  EXPECT_EQ(streamed(*store_, "ldap", true), (Rows{{"b", "uid=b"}, {"a", "uid=a"}, {"c", "-"}})) << "insertion order";
  EXPECT_EQ(streamed(*store_, "ldap", false), (Rows{{"b", "uid=b"}, {"c", "-"}}));
  EXPECT_EQ(streamed(*store_, "authing", true), (Rows{{"b", "k-b"}, {"a", "k-a"}, {"c", "k-c"}}));
  EXPECT_EQ(streamed(*store_, "other", true), (Rows{{"b", "-"}, {"a", "-"}, {"c", "-"}}));
  store_->for_each_user_with_baseline("ldap", false, {}, [](User&& u, std::optional<Baseline>&& b) {
    if (u.id == "b") {
      EXPECT_EQ(b.value().attributes.at("cn"), (idb::mapping::Values{"名字 b"}));
    }
    EXPECT_EQ(u.resource["userName"], u.user_name);
  });
  EXPECT_EQ(store_->count_baselines("ldap"), 2);
  EXPECT_EQ(store_->count_baselines("authing"), 3);
  EXPECT_EQ(store_->count_baselines("other"), 0);
}

// The members of a group, looked up by id: live users only, each with its
// baseline on the one target asked, whatever else is in the list.
TEST_F(state_store, UsersLookedUpByIdComeWithTheirBaselineOnOneTarget) {
  ASSERT_EQ(store_->insert_user(make_user("b", "bob"), kTargets, 1), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), kTargets, 1), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("c", "carol"), kTargets, 1), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("d", "dave"), kTargets, 1), WriteStatus::ok);
  for (const auto& e : store_->due("ldap", INT64_MAX, 10)) {
    if (e.user_id != "c") store_->complete(e, Baseline{"uid=" + e.user_id, {{"cn", {"名字 " + e.user_id}}}, 7});
  }
  ASSERT_EQ(store_->delete_user("a", kTargets, 2), WriteStatus::ok);
  const auto looked_up = [&](const std::string& target, const std::vector<std::string>& ids) {
    std::map<std::string, std::string> out;
    store_->for_each_user_with_baseline(target, ids, [&](User&& u, std::optional<Baseline>&& b) {
      EXPECT_EQ(u.resource["userName"], u.user_name);
      EXPECT_TRUE(out.emplace(u.id, b ? b->key + " " + b->attributes.at("cn").at(0) + " " +
                                            std::to_string(b->disabled_ms.value_or(0))
                                      : "-").second)
          << "once each";
    });
    return out;
  };
  using Rows = std::map<std::string, std::string>;
  EXPECT_EQ(looked_up("ldap", {"b", "a", "c", "a-group", "b"}), (Rows{{"b", "uid=b 名字 b 7"}, {"c", "-"}}))
      << "a tombstone, an unknown id (a nested group's) and a repeated id";
  EXPECT_EQ(looked_up("authing", {"b", "d"}), (Rows{{"b", "-"}, {"d", "-"}}));
  EXPECT_EQ(looked_up("ldap", {}), Rows{});
  EXPECT_EQ(looked_up("ldap", {"it's \"quoted\"", "d"}), (Rows{{"d", "uid=d 名字 d 7"}}));
}

TEST_F(state_store, UserRangesSplitTheUsersIntoDisjointParts) {
  EXPECT_EQ(store_->user_ranges(2).size(), 2u) << "no users: still as many (empty) parts";
  for (int i = 0; i < 7; ++i) {
    ASSERT_EQ(store_->insert_user(make_user("u" + std::to_string(i), "user" + std::to_string(i)), kTargets, 1),
              WriteStatus::ok);
  }
  const auto all = streamed(*store_, "ldap", true);
  for (int parts : {1, 2, 3, 7, 9}) {
    const auto ranges = store_->user_ranges(parts);
    ASSERT_EQ(ranges.size(), static_cast<size_t>(parts));
    std::vector<std::pair<std::string, std::string>> joined;
    size_t largest = 0;
    for (const auto& range : ranges) {
      const auto part = streamed(*store_, "ldap", true, range);
      largest = std::max(largest, part.size());
      joined.insert(joined.end(), part.begin(), part.end());
    }
    EXPECT_EQ(joined, all) << parts << " parts: every user once, in order";
    EXPECT_LE(largest, (all.size() + parts - 1) / parts + 1) << parts << " parts of about equal size";
  }
}

// --- review queue and guard holds

ReviewItem attribute_item(const std::string& user_id, const std::string& attribute, const std::string& observed) {
  ReviewItem item;
  item.target = "ldap";
  item.user_id = user_id;
  item.kind = "attribute";
  item.attribute = attribute;
  item.key = "uid=" + user_id;
  item.source = {"wanted"};
  item.observed = {observed};
  return item;
}

TEST_F(state_store, AReviewItemWithATargetValueThatIsNotUtf8IsKeptNotRefused) {
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), kTargets, 1), WriteStatus::ok);
  const int64_t id = store_->open_review(attribute_item("a", "photo", "x\xff"), 10);
  const auto item = store_->review(id);
  ASSERT_TRUE(item);
  EXPECT_EQ(item->observed, idb::mapping::Values{"x\xef\xbf\xbd"});
}

TEST_F(state_store, AnOpenReviewItemIsRefreshedNotDuplicatedAndSettledWhenGone) {
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), kTargets, 1), WriteStatus::ok);
  const int64_t id = store_->open_review(attribute_item("a", "title", "one"), 10);
  EXPECT_EQ(store_->open_review(attribute_item("a", "title", "two"), 20), id);
  store_->settle_reviews("ldap", "a", {attribute_item("a", "title", "three"), attribute_item("a", "mail", "m")}, 30);
  auto open = store_->reviews(false);
  ASSERT_EQ(open.size(), 2u);
  EXPECT_EQ(open[0].id, id);
  EXPECT_EQ(open[0].observed, (idb::mapping::Values{"three"}));
  EXPECT_EQ(open[0].opened_ms, 10);
  EXPECT_TRUE(store_->reviews(false, "authing").empty());
  // mail is in line again: closed as gone, title stays open.
  store_->settle_reviews("ldap", "a", {attribute_item("a", "title", "three")}, 40);
  open = store_->reviews(false);
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].attribute, "title");
  const auto all = store_->reviews(true);
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1].resolution, "gone");
  EXPECT_EQ(all[1].closed_ms, 40);
}

TEST_F(state_store, TheLatestAcceptedDivergencePerAttributeCounts) {
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), kTargets, 1), WriteStatus::ok);
  ASSERT_EQ(store_->insert_user(make_user("b", "bob"), kTargets, 1), WriteStatus::ok);
  EXPECT_TRUE(store_->close_review(store_->open_review(attribute_item("a", "title", "old"), 1), "target", 2));
  EXPECT_TRUE(store_->close_review(store_->open_review(attribute_item("a", "title", "new"), 3), "target", 4));
  const int64_t b = store_->open_review(attribute_item("b", "title", "x"), 5);
  EXPECT_TRUE(store_->close_review(b, "source", 6));
  EXPECT_FALSE(store_->close_review(b, "target", 7));  // closed already
  const auto accepted = store_->accepted("ldap");
  ASSERT_EQ(accepted.size(), 1u);
  ASSERT_EQ(accepted.at("a").size(), 1u);
  EXPECT_EQ(accepted.at("a")[0].observed, (idb::mapping::Values{"new"}));
  EXPECT_TRUE(store_->accepted("ldap", "b").empty());
  EXPECT_EQ(store_->review(b)->resolution, "source");
  EXPECT_FALSE(store_->review(999));
}

TEST_F(state_store, AnApprovalCoversExactlyTheHeldBatch) {
  EXPECT_FALSE(store_->approve("ldap", std::nullopt, 1));  // nothing held
  const std::vector<HeldChange> first = {{"a", "update", "fa"}, {"b", "disable", "fb"}, {"c", "create", "fc"},
                                         {"d", "delete", "fd"}};
  EXPECT_TRUE(store_->hold("ldap", "would disable 60 accounts", "batch1", first, 10));
  EXPECT_FALSE(store_->hold("ldap", "would disable 61 accounts", "batch1", first, 20));  // the same batch
  auto hold = store_->hold_of("ldap");
  ASSERT_TRUE(hold);
  EXPECT_EQ(hold->held_ms, 10);
  EXPECT_EQ(hold->reason, "would disable 61 accounts");
  EXPECT_EQ(hold->batch, "batch1");
  EXPECT_EQ(hold->creates, 1);
  EXPECT_EQ(hold->updates, 1);
  EXPECT_EQ(hold->disables, 1);
  EXPECT_EQ(hold->deletes, 1);
  EXPECT_FALSE(hold->approved_ms);

  EXPECT_FALSE(store_->approve("ldap", "batch0", 25));  // not the batch held
  EXPECT_FALSE(store_->hold_of("ldap")->approved_ms);
  const auto approved = store_->approve("ldap", "batch1", 30);
  ASSERT_TRUE(approved);
  EXPECT_EQ(approved->approved_ms, 30);
  EXPECT_EQ(approved->updates, 1);
  EXPECT_FALSE(store_->hold("ldap", "would disable 62 accounts", "batch1", first, 40));  // the approval stands
  EXPECT_EQ(store_->hold_of("ldap")->approved_ms, 30);

  // Other changes are another batch: held again, not approved.
  EXPECT_TRUE(store_->hold("ldap", "would modify 5 accounts", "batch2", {{"a", "update", "fa2"}}, 50));
  hold = store_->hold_of("ldap");
  EXPECT_FALSE(hold->approved_ms);
  EXPECT_EQ(hold->batch, "batch2");
  EXPECT_EQ(hold->held_ms, 50);
  EXPECT_EQ(hold->updates + hold->disables + hold->creates, 1);
  ASSERT_EQ(store_->held_changes("ldap").size(), 1u);
  EXPECT_EQ(store_->held_changes("ldap")[0].fingerprint, "fa2");

  // The approval narrows as its changes are applied; the hold ends with the last.
  store_->hold("ldap", "would disable 60 accounts", "batch1", first, 60);
  ASSERT_TRUE(store_->approve("ldap", std::nullopt, 70));
  store_->keep_held("ldap", {"b", "not-held"});
  ASSERT_EQ(store_->held_changes("ldap").size(), 1u);
  EXPECT_EQ(store_->held_changes("ldap")[0].user_id, "b");
  EXPECT_EQ(store_->hold_of("ldap")->approved_ms, 70);
  store_->keep_held("ldap", {});
  EXPECT_FALSE(store_->hold_of("ldap"));

  store_->hold("ldap", "would disable 60 accounts", "batch1", first, 80);
  EXPECT_EQ(store_->holds().size(), 1u);
  store_->release("ldap");
  EXPECT_FALSE(store_->hold_of("ldap"));
  EXPECT_TRUE(store_->held_changes("ldap").empty());
}

TEST_F(state_store, TheUserAtAnAccountKeyIgnoresCase) {
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), kTargets, 1), WriteStatus::ok);
  store_->record_baseline("ldap", "a", Baseline{"uid=Alice,dc=x", {}});
  EXPECT_EQ(store_->user_at_key("ldap", "UID=alice,DC=x"), "a");
  EXPECT_FALSE(store_->user_at_key("authing", "uid=Alice,dc=x"));
}

TEST_F(state_store, AccountLinksArePerTargetAndKeyExactAndDurable) {
  EXPECT_FALSE(store_->account_id("sensecore", "li.wei"));
  store_->link_account("sensecore", "li.wei", "id-1");
  store_->link_account("workspace", "li.wei", "id-9");
  store_->link_account("sensecore", "li.wei", "id-2");  // relinked: the newest wins
  reopen();
  EXPECT_EQ(store_->account_id("sensecore", "li.wei"), "id-2");
  EXPECT_EQ(store_->account_id("workspace", "li.wei"), "id-9");
  EXPECT_FALSE(store_->account_id("sensecore", "Li.Wei"));  // cloud keys are exact
  store_->unlink_account("sensecore", "li.wei");
  EXPECT_FALSE(store_->account_id("sensecore", "li.wei"));
  EXPECT_EQ(store_->account_id("workspace", "li.wei"), "id-9");
  store_->unlink_account("sensecore", "nobody");  // nothing to forget: no error
}

// --- audit log

AuditRecord audit_row(const std::string& target, const std::string& user_id, const std::string& user_name,
                      int64_t at_ms, const std::string& source = "event") {
  return AuditRecord{.at_ms = at_ms,
                     .target = target,
                     .user_id = user_id,
                     .user_name = user_name,
                     .action = "update",
                     .account_key = "uid=" + user_name + ",dc=example",
                     .changes = {{"title", "replace", mapping::Values{"Engineer"}}, {"userPassword", "replace", std::nullopt}},
                     .outcome = "applied",
                     .source = source};
}

TEST_F(state_store, AnOutboxEntryNamesEveryCauseItIsPendingFor) {
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), {"ldap"}, 1), WriteStatus::ok);
  EXPECT_EQ(entry("ldap").cause, "event");
  store_->enqueue_all({"ldap"}, 2, "full sync");
  EXPECT_EQ(entry("ldap").cause, "event, full sync") << "a full sync does not hide the pending event";
  store_->enqueue_user("a", {"ldap"}, 3, "event");
  store_->enqueue_all({"ldap"}, 4, "config reload");
  EXPECT_EQ(entry("ldap").cause, "event, full sync, config reload") << "each cause once, in the order they came";
  store_->complete(entry("ldap"), std::nullopt);
  EXPECT_EQ(store_->outbox_size("ldap"), 0);

  store_->enqueue_user("a", {"ldap"}, 5, "conflicts resolve #7 --take target");
  EXPECT_EQ(entry("ldap").cause, "conflicts resolve #7 --take target") << "what was applied is not named again";
  // A failed attempt applied nothing: its cause stays with what comes next.
  store_->reschedule(entry("ldap"), 6, "timeout");
  store_->enqueue_all({"ldap"}, 7, "full sync");
  EXPECT_EQ(entry("ldap").cause, "conflicts resolve #7 --take target, full sync");
}

// An entry applied while new causes came: only those stay, whichever was first.
TEST_F(state_store, AChangeAppliedMeanwhileLeavesOnlyTheCausesThatCameAfterIt) {
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), {"ldap"}, 1), WriteStatus::ok);
  store_->enqueue_all({"ldap"}, 2, "full sync");
  const OutboxEntry in_flight = entry("ldap");  // "event, full sync", generation 2
  store_->enqueue_user("a", {"ldap"}, 3, "event");  // named already, but came again
  store_->enqueue_all({"ldap"}, 4, "config reload");
  store_->complete(in_flight, std::nullopt);
  EXPECT_EQ(entry("ldap").cause, "event, config reload");
  EXPECT_EQ(entry("ldap").generation, 4);
}

// A row pending from before causes were kept together holds one plain word.
TEST_F(state_store, AnEntryPendingFromAnEarlierVersionKeepsItsCause) {
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), {"ldap"}, 1), WriteStatus::ok);
  store_.reset();
  raw_query(db_file(), "UPDATE outbox SET cause = 'full sync'");
  reopen();
  EXPECT_EQ(entry("ldap").cause, "full sync");
  store_->enqueue_user("a", {"ldap"}, 2, "event");
  const OutboxEntry in_flight = entry("ldap");
  EXPECT_EQ(in_flight.cause, "full sync, event");
  store_->enqueue_all({"ldap"}, 3, "config reload");
  store_->complete(in_flight, std::nullopt);
  EXPECT_EQ(entry("ldap").cause, "config reload");
}

TEST_F(state_store, AuditRowsComeBackAsWrittenOldestFirstAndFiltered) {
  store_->append_audit(audit_row("ldap", "a", "Alice", 100));
  store_->append_audit(audit_row("authing", "a", "Alice", 200, "full sync"));
  store_->append_audit(audit_row("ldap", "b", "bob", 300, "apply /tmp/plan.json"));
  reopen();
  const auto all = store_->audit({});
  ASSERT_EQ(all.size(), 3u);
  EXPECT_LT(all[0].id, all[1].id);
  auto expected = audit_row("ldap", "a", "Alice", 100);
  expected.id = all[0].id;
  EXPECT_EQ(all[0], expected) << "secret values stay absent, others round-trip";
  EXPECT_EQ(store_->audit({.target = "ldap"}).size(), 2u);
  EXPECT_EQ(store_->audit({.user = "a"}).size(), 2u);
  EXPECT_EQ(store_->audit({.user = "ALICE"}).size(), 2u) << "a userName matches case-insensitively";
  EXPECT_EQ(store_->audit({.since_ms = 200}).size(), 2u);
  const auto one = store_->audit({.target = "ldap", .user = "bob", .since_ms = 300});
  ASSERT_EQ(one.size(), 1u);
  EXPECT_EQ(one[0].source, "apply /tmp/plan.json");
  EXPECT_TRUE(store_->audit({.target = "eiam"}).empty());
}

TEST_F(state_store, AnAppliedChangeWritesItsAuditRowWithItsBaselineInOneTransaction) {
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), {"ldap"}, 1), WriteStatus::ok);
  Applied applied{entry("ldap"), Baseline{"uid=alice,dc=example", {{"title", {"Engineer"}}}}};
  applied.audit = audit_row("ldap", "a", "alice", 5);
  store_->complete_all({applied});
  EXPECT_EQ(store_->audit({}).size(), 1u);
  EXPECT_TRUE(store_->baseline("ldap", "a"));
  // A value that is not UTF-8 is stored replaced: refusing the row would roll back the batch's baselines.
  ASSERT_EQ(store_->insert_user(make_user("b", "bob"), {"ldap"}, 2), WriteStatus::ok);
  Applied bad{entry("ldap"), Baseline{"uid=bob,dc=example", {}}};
  bad.audit = audit_row("ldap", "b", "bob", 6);
  bad.audit->changes = {{"cn", "set", mapping::Values{std::string("\xff")}}};
  store_->complete_all({bad});
  const auto rows = store_->audit({.user = "b"});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].changes[0].values, mapping::Values{"\xef\xbf\xbd"});
  EXPECT_TRUE(store_->baseline("ldap", "b"));
  // A baseline the store refuses takes its audit row with it: no row tells of a change not recorded.
  ASSERT_EQ(store_->insert_user(make_user("c", "carol"), {"ldap"}, 3), WriteStatus::ok);
  Applied refused{entry("ldap"), Baseline{.key = "k", .attributes = {{"jpegPhoto", {"\xff\xd8\xff"}}}}};
  refused.audit = audit_row("ldap", "c", "carol", 7);
  EXPECT_THROW(store_->complete_all({refused}), StoreError);
  EXPECT_TRUE(store_->audit({.user = "c"}).empty());
}

TEST_F(state_store, RecordAppliedKeepsTheBaselineAndTheAuditRowTogether) {
  ASSERT_EQ(store_->insert_user(make_user("a", "alice"), {"ldap"}, 1), WriteStatus::ok);
  store_->record_applied("ldap", "a", Baseline{"uid=alice,dc=example", {}}, audit_row("ldap", "a", "alice", 5));
  EXPECT_TRUE(store_->baseline("ldap", "a"));
  auto deleted = audit_row("ldap", "a", "alice", 6);
  deleted.action = "delete";
  store_->record_applied("ldap", "a", std::nullopt, deleted);
  EXPECT_FALSE(store_->baseline("ldap", "a")) << "a deleted account leaves no baseline";
  const auto rows = store_->audit({});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1].action, "delete");
}

TEST_F(state_store, GroupLinksAndTheirAuditRowsAreRecordedInOneTransaction) {
  store_->link_account("ldap", "group:old", "cn=old,dc=example");
  auto created = audit_row("ldap", "g1", "Admins", 5, "group sync");
  created.action = "group create";
  auto removed = audit_row("ldap", "old", "", 6, "group sync");
  removed.action = "group delete";
  store_->record_links("ldap", {{"group:g1", "cn=Admins,dc=example"}, {"group:old", std::nullopt}}, {created, removed});
  reopen();
  EXPECT_EQ(store_->account_links("ldap", "group:"),
            (std::map<std::string, std::string>{{"group:g1", "cn=Admins,dc=example"}}));
  ASSERT_EQ(store_->audit({}).size(), 2u);
  // An audit row the database refuses takes the links with it: no link moves untold.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_file().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "CREATE TRIGGER refuse BEFORE INSERT ON audit_log WHEN NEW.user_id = 'g2'"
                         " BEGIN SELECT RAISE(ABORT, 'refused'); END",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  reopen();
  auto refused = audit_row("ldap", "g2", "Staff", 7, "group sync");
  EXPECT_THROW(store_->record_links("ldap", {{"group:g2", "cn=Staff,dc=example"}, {"group:g1", std::nullopt}},
                                    {created, refused}),
               StoreError);
  EXPECT_EQ(store_->account_links("ldap", "group:"),
            (std::map<std::string, std::string>{{"group:g1", "cn=Admins,dc=example"}}));
  EXPECT_EQ(store_->audit({}).size(), 2u);
}

TEST_F(state_store, TheAuditLogIsAppendOnlyAndPrunedByAgeAlone) {
  for (int64_t at : {100, 200, 300}) store_->append_audit(audit_row("ldap", "a", "alice", at));
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_file().c_str(), &db), SQLITE_OK);
  char* error = nullptr;
  EXPECT_NE(sqlite3_exec(db, "UPDATE audit_log SET outcome = 'failed'", nullptr, nullptr, &error), SQLITE_OK);
  EXPECT_NE(std::string(error ? error : "").find("append-only"), std::string::npos);
  sqlite3_free(error);
  sqlite3_close(db);
  EXPECT_EQ(store_->prune_audit(200), 1);
  const auto rows = store_->audit({});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at_ms, 200);
  EXPECT_EQ(rows[0].outcome, "applied");
  EXPECT_EQ(store_->prune_audit(200), 0);
}

// Issue 7: the baseline keeps the target's version of the account as our write left it.
TEST_F(state_store, ABaselineKeepsTheTargetsVersionOfTheAccount) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {"ldap"}, 100), WriteStatus::ok);
  const std::string csn = "20261123031500.123456Z#000000#000#000000";
  store_->complete(entry("ldap"), Baseline{.key = "uid=alice,dc=example", .attributes = {}, .version = csn});
  EXPECT_EQ(store_->baseline("ldap", "u1")->version, csn);
  int seen = 0;
  store_->for_each_user_with_baseline("ldap", false, {}, [&](User&&, std::optional<Baseline>&& b) {
    EXPECT_EQ(b.value().version, csn);
    ++seen;
  });
  EXPECT_EQ(seen, 1);
  // A later write that learnt no version leaves it unknown, not the old one.
  store_->record_applied("ldap", "u1", Baseline{.key = "uid=alice,dc=example", .attributes = {}},
                         audit_row("ldap", "u1", "alice", 5));
  EXPECT_EQ(store_->baseline("ldap", "u1")->version, "");
}

TEST_F(state_store, MigrationNineGivesEarlierBaselinesAnUnknownVersion) {
  ASSERT_EQ(store_->insert_user(make_user("u1", "alice"), {"ldap"}, 100), WriteStatus::ok);
  store_->complete(entry("ldap"), Baseline{.key = "uid=alice,dc=example", .attributes = {{"uid", {"alice"}}}});
  store_.reset();
  // The database as schema 8 left it: no column for the version (nor what later versions add).
  raw_query(db_file(), "ALTER TABLE baselines DROP COLUMN target_version");
  raw_query(db_file(), "DROP INDEX account_links_by_id");
  raw_query(db_file(), "DELETE FROM schema_migrations WHERE version >= 9");
  store_ = Store::open(dir_);
  EXPECT_EQ(store_->schema_version(), latest_schema_version());
  const auto baseline = store_->baseline("ldap", "u1");
  ASSERT_TRUE(baseline);
  EXPECT_EQ(baseline->key, "uid=alice,dc=example");
  EXPECT_EQ(baseline->attributes, (mapping::Attributes{{"uid", {"alice"}}}));
  EXPECT_EQ(baseline->version, "") << "unknown: written before versions were kept";
}

}  // namespace idb::state
