#include "reconcile/report.h"

#include <algorithm>
#include <random>
#include <sstream>

#include <gtest/gtest.h>

#include "reconcile/guards.h"

using namespace idb::reconcile;
using idb::mapping::Values;

namespace {

Report sample() {
  Report r{"2026-11-22T00:00:00Z", "/etc/idbridge/idbridge.yaml", {}};
  TargetEntry t{"ldap", {}, std::nullopt, {}};
  UserEntry update{"id-2", "zed", "uid=zed,dc=x", "update", {.fingerprint = "fp-2"}};
  update.edit_details().attributes.push_back({"title", Authority::source, Verdict::apply_source, Values{"Old"}, {"Old"}, {"New"}, {"New"}});
  update.edit_details().attributes.push_back({"cn", Authority::source, Verdict::revert_drift, Values{"Zed"}, {"Z<script>"}, {"Zed"}, {"Zed"}});
  update.edit_details().operations.push_back({Operation::Kind::modify, "uid=zed,dc=x", {}, {}, {{"cn", ChangeKind::replace, {"Zed"}}}});
  UserEntry conflict{"id-1", "amy", "uid=amy,dc=x", "no-op", {.fingerprint = "fp-1"}, true};
  conflict.edit_details().attributes.push_back({"mail", Authority::manual, Verdict::conflict, Values{"a@x"}, {"b@x"}, {"c@x"}, {"b@x"}});
  UserEntry create{"id-3", "bob", "uid=bob,dc=x", "create", {.fingerprint = "fp-3", .correlation = "linked by employeeNumber=7 to uid=b,dc=x"}};
  UserEntry broken{"id-4", "eve", "", "error", {.error = "mapping: the account key needs userName"}};
  t.users = {update, conflict, create, broken};
  r.targets.push_back(t);
  normalize(r);
  return r;
}

TEST(Report, CountsAndDeterministicOrder) {
  const Report r = sample();
  const auto counts = r.targets[0].counts();
  EXPECT_EQ(counts.at("create"), 1);
  EXPECT_EQ(counts.at("update"), 1);
  EXPECT_EQ(counts.at("no-op"), 1);
  EXPECT_EQ(counts.at("error"), 1);
  EXPECT_EQ(counts.at("conflict"), 1);
  EXPECT_EQ(counts.at("disable"), 0);
  EXPECT_TRUE(r.needs_attention());
  // Users by key (the unplannable one, with no key, first), attributes by name.
  EXPECT_EQ(r.targets[0].users[0].user_name, "eve");
  EXPECT_EQ(r.targets[0].users[1].user_name, "amy");
  EXPECT_EQ(r.targets[0].users[3].details().attributes[0].attribute, "cn");
}

// Parts planned on several threads, each sorted, merged: the same list as
// all of them gathered and sorted, details kept with their users.
TEST(Report, MergedRunsAreInReportOrder) {
  std::mt19937 random(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<std::vector<UserEntry>> runs(random() % 6);
    std::vector<UserEntry> expected;
    for (auto& run : runs) {
      for (int n = static_cast<int>(random() % 40); n > 0; --n) {
        // Few distinct keys: equal keys are ordered by user id.
        const std::string id = "id-" + std::to_string(random());
        UserEntry u{id, "name-" + id, "uid=" + std::to_string(random() % 25) + ",dc=x", "no-op"};
        if (random() % 3 == 0) u = UserEntry{id, "name-" + id, u.key, "update", {.fingerprint = "fp-" + id}};
        run.push_back(u);
        expected.push_back(u);
      }
      std::sort(run.begin(), run.end(), report_order);
    }
    std::sort(expected.begin(), expected.end(), report_order);
    const auto merged = merge_in_report_order(std::move(runs));
    ASSERT_EQ(merged.size(), expected.size());
    for (std::size_t i = 0; i < merged.size(); ++i) {
      EXPECT_EQ(merged[i].user_id, expected[i].user_id) << "round " << round << ", entry " << i;
      EXPECT_EQ(merged[i].key, expected[i].key);
      EXPECT_EQ(merged[i].details().fingerprint, expected[i].details().fingerprint);
    }
  }
}

TEST(Report, Json) {
  const auto j = to_json(sample());
  EXPECT_EQ(j["schema_version"], kReportSchemaVersion);
  EXPECT_EQ(j["needs_attention"], true);
  const auto& t = j["targets"][0];
  EXPECT_EQ(t["name"], "ldap");
  EXPECT_EQ(t["counts"]["conflict"], 1);
  EXPECT_TRUE(t["held"].is_null());
  const auto& zed = t["users"][3];
  EXPECT_EQ(zed["attributes"][0]["verdict"], "revert_drift");
  EXPECT_EQ(zed["attributes"][0]["observed"], nlohmann::json({"Z<script>"}));
  EXPECT_EQ(zed["operations"][0]["changes"][0]["change"], "replace");
  EXPECT_EQ(zed["fingerprint"], "fp-2");
  EXPECT_FALSE(t["users"][0].contains("fingerprint"));
  EXPECT_EQ(t["users"][0]["error"], "mapping: the account key needs userName");
  EXPECT_EQ(t["users"][2]["correlation"], "linked by employeeNumber=7 to uid=b,dc=x");
  EXPECT_FALSE(t["users"][0].contains("correlation"));
}

// Issue 7: whether the account was written on the target since idbridge's
// last write, for every user; the versions as evidence where an attribute was edited there.
TEST(Report, TargetVersionsAreTheEvidenceOfAnEdit) {
  EXPECT_EQ(compare_versions("csn-1", "csn-1"), SinceWritten::unchanged);
  EXPECT_EQ(compare_versions("csn-1", "csn-2"), SinceWritten::changed);
  EXPECT_EQ(compare_versions("", "csn-2"), SinceWritten::unknown) << "never written, or no version then";
  EXPECT_EQ(compare_versions("csn-1", ""), SinceWritten::unknown) << "no account, or no version read";

  Report r{"2026-11-22T00:00:00Z", "c.yaml", {}};
  TargetEntry t;
  t.name = "ldap";
  UserEntry edited{"id-1", "zed", "uid=zed,dc=x", "update",
                   {.fingerprint = "fp", .version_written = "csn-1", .version_observed = "csn-2"}, false,
                   SinceWritten::changed};
  edited.edit_details().attributes.push_back(
      {"cn", Authority::source, Verdict::revert_drift, Values{"Zed"}, {"Z"}, {"Zed"}, {"Zed"}});
  t.users = {edited, UserEntry{"id-2", "amy", "uid=amy,dc=x", "no-op", {}, false, SinceWritten::unchanged},
             UserEntry{"id-3", "bob", "uid=bob,dc=x", "create", {.fingerprint = "fp-3"}}};
  r.targets.push_back(t);
  normalize(r);

  const auto j = to_json(r);
  const auto& users = j["targets"][0]["users"];
  EXPECT_EQ(users[0]["since_written"], "unchanged");
  EXPECT_FALSE(users[0].contains("target_version"));
  EXPECT_EQ(users[1]["since_written"], "unknown");
  EXPECT_EQ(users[2]["since_written"], "changed");
  EXPECT_EQ(users[2]["target_version"], nlohmann::json::parse(R"({"observed": "csn-2", "written": "csn-1"})"));
  std::ostringstream written;
  write_json(r, written);
  EXPECT_EQ(written.str(), j.dump(2) + "\n") << "the writer keeps dump's order";

  EXPECT_NE(to_text(r).find("    target version csn-2 now, csn-1 when idbridge last wrote\n"), std::string::npos)
      << to_text(r);
  EXPECT_NE(to_html(r).find("target version csn-2 now, csn-1 when idbridge last wrote"), std::string::npos);
}

TEST(Report, TextSaysWhatAndWhy) {
  const std::string text = to_text(sample());
  EXPECT_NE(text.find("target ldap: 1 create, 1 update, 0 disable, 0 delete, 1 no-op, 0 skip, 1 error, 1 conflict, 0 review"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("    title: \"Old\" -> \"New\"   [apply_source, authority source]"), std::string::npos) << text;
  EXPECT_NE(text.find("    mail: \"b@x\" -> \"b@x\"   [conflict, authority manual; source wants \"c@x\"]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("Needs attention"), std::string::npos);
}

TEST(Report, ShowsDeletesAndWhenPendingOnesBecomeDue) {
  Report r{"2026-11-22T00:00:00Z", "c.yaml", {}};
  TargetEntry t{"ldap", {}, std::nullopt, {}, std::nullopt};
  UserEntry gone{"id-1", "amy", "uid=amy,dc=x", "delete", {.fingerprint = "fp-1"}};
  gone.edit_details().operations.push_back({Operation::Kind::remove, "uid=amy,dc=x", {}, {}, {}});
  UserEntry waiting{"id-2", "bob", "uid=bob,dc=x", "no-op", {.fingerprint = "fp-2"}};
  waiting.edit_details().delete_due = "2026-12-22T00:00:00Z";
  t.users = {gone, waiting};
  r.targets.push_back(t);
  normalize(r);
  EXPECT_EQ(r.targets[0].counts().at("delete"), 1);
  const std::string text = to_text(r);
  EXPECT_NE(text.find("0 disable, 1 delete, 1 no-op"), std::string::npos) << text;
  EXPECT_NE(text.find("[ldap] delete uid=amy,dc=x  (user amy, id-1)"), std::string::npos) << text;
  EXPECT_NE(text.find("[ldap] no-op uid=bob,dc=x  (user bob, id-2)\n    account delete due at 2026-12-22T00:00:00Z"),
            std::string::npos)
      << text;
  const auto j = to_json(r);
  EXPECT_EQ(j["targets"][0]["users"][0]["operations"][0], nlohmann::json({{"kind", "delete"}, {"key", "uid=amy,dc=x"}}));
  EXPECT_EQ(j["targets"][0]["users"][1]["delete_due"], "2026-12-22T00:00:00Z");
  EXPECT_FALSE(j["targets"][0]["users"][0].contains("delete_due"));
  EXPECT_NE(to_html(r).find("account delete due at 2026-12-22T00:00:00Z"), std::string::npos);
}

TEST(Report, SaysWhyTheAccountOfAUserWhoLeftTheScopeIsDisabled) {
  Report r{"2026-11-22T00:00:00Z", "c.yaml", {}};
  TargetEntry t{"ldap", {}, std::nullopt, {}, std::nullopt};
  UserEntry left{"id-1", "amy", "uid=amy,dc=x", "disable", {.fingerprint = "fp-1", .out_of_scope = "userType eq \"Employee\""}};
  left.edit_details().operations.push_back(
      {Operation::Kind::modify, "uid=amy,dc=x", {}, {}, {{"employeeType", ChangeKind::replace, {"disabled"}}}});
  UserEntry inactive{"id-2", "bob", "uid=bob,dc=x", "disable", {.fingerprint = "fp-2"}};
  t.users = {left, inactive};
  r.targets.push_back(t);
  normalize(r);
  const std::string text = to_text(r);
  EXPECT_NE(text.find("[ldap] disable uid=amy,dc=x  (user amy, id-1)\n    out of scope: userType eq \"Employee\"\n"),
            std::string::npos)
      << text;
  EXPECT_EQ(text.find("out of scope", text.find("(user bob")), std::string::npos) << text;
  const auto j = to_json(r);
  EXPECT_EQ(j["targets"][0]["users"][0]["out_of_scope"], "userType eq \"Employee\"");
  EXPECT_FALSE(j["targets"][0]["users"][1].contains("out_of_scope"));
  EXPECT_NE(to_html(r).find("out of scope: userType eq &quot;Employee&quot;"), std::string::npos);
}

TEST(Report, HtmlIsSelfContainedAndEscaped) {
  const std::string html = to_html(sample());
  EXPECT_EQ(html.find("<script src"), std::string::npos);
  EXPECT_EQ(html.find("<link"), std::string::npos);
  EXPECT_EQ(html.find("Z<script>"), std::string::npos);
  EXPECT_NE(html.find("&quot;Z&lt;script&gt;&quot;"), std::string::npos);
  EXPECT_NE(html.find("<tr class=\"no-op conflict\">"), std::string::npos);
}

TEST(Guards, HoldAtTheirThresholds) {
  const GuardLimits limits;  // 50 disables / 10%, 1000 modifies / 50%, percent from 10 changes on
  struct Row {
    RunCounts counts;  // accounts, disables (deletes too), modifies, deletes
    std::optional<std::string> held;
  };
  const Row rows[] = {
      {{10000, 50, 0}, std::nullopt},
      {{10000, 51, 0}, "would disable 51 accounts, more than the limit of 50"},
      {{10000, 51, 0, 1}, "would disable or delete 51 accounts (1 delete), more than the limit of 50"},
      {{10000, 51, 0, 51}, "would disable or delete 51 accounts (51 deletes), more than the limit of 50"},
      {{10000, 50, 0, 50}, std::nullopt},  // deletes count like disables, not on top of them
      {{100, 10, 0}, std::nullopt},        // exactly 10%
      {{99, 10, 0}, "would disable 10 of 99 accounts (10.1%), more than the limit of 10.0%"},
      {{99, 10, 0, 3}, "would disable or delete 10 of 99 accounts (3 deletes, 10.1%), more than the limit of 10.0%"},
      {{5, 1, 0}, std::nullopt},  // below the floor
      {{10, 9, 0}, std::nullopt},
      {{10, 10, 0}, "would disable 10 of 10 accounts (100.0%), more than the limit of 10.0%"},  // at the floor
      {{0, 10, 0}, std::nullopt},  // nothing managed yet (a first load): counts alone
      {{100000, 0, 1000}, std::nullopt},
      {{100000, 0, 1001}, "would modify 1001 accounts, more than the limit of 1000"},
      {{30, 0, 15}, std::nullopt},  // exactly 50%
      {{30, 0, 16}, "would modify 16 of 30 accounts (53.3%), more than the limit of 50.0%"},
      {{0, 0, 0}, std::nullopt},
  };
  for (const auto& row : rows) {
    EXPECT_EQ(held_by_guard(row.counts, limits), row.held)
        << row.counts.accounts << " accounts, " << row.counts.disables << " disables (" << row.counts.deletes
        << " deletes), " << row.counts.modifies << " modifies";
  }
}

}  // namespace

namespace {

TEST(Report, OpenReviewItemsAreCountedShownAndNeedAttention) {
  Report r{"2026-11-22T00:00:00Z", "c.yaml", {}};
  TargetEntry t{"ldap", {}, std::nullopt, {}};
  t.reviews.push_back({9, "uniqueness", "id-2", "bob", "", "uid=bob,dc=x", {}, {}, "uid=bob,dc=x belongs to user amy"});
  t.reviews.push_back({4, "attribute", "id-1", "amy", "mail", "uid=amy,dc=x", {"a@x"}, {"b@x"}, ""});
  r.targets.push_back(t);
  EXPECT_TRUE(r.needs_attention());
  normalize(r);
  EXPECT_EQ(r.targets[0].counts().at("review"), 2);
  const auto j = to_json(r);
  EXPECT_EQ(j["targets"][0]["review"][0]["id"], 4);
  EXPECT_EQ(j["targets"][0]["review"][0]["source"], nlohmann::json({"a@x"}));
  EXPECT_EQ(j["targets"][0]["review"][1]["detail"], "uid=bob,dc=x belongs to user amy");
  const std::string text = to_text(r);
  EXPECT_NE(text.find("[ldap] review #4 (attribute) uid=amy,dc=x  (user amy, id-1)\n"
                      "    mail: target holds \"b@x\", source wants \"a@x\""),
            std::string::npos)
      << text;
  EXPECT_NE(to_html(r).find("<td>review #9</td>"), std::string::npos);
}

// Items not queued yet (id 0) come out in one order whichever user was planned first.
TEST(Report, ReviewItemsNotQueuedYetHaveOneOrder) {
  const ReviewEntry amy{0, "uniqueness", "id-1", "amy", "", "uid=x,dc=x", {}, {}, ""};
  const ReviewEntry bob{0, "ambiguous", "id-2", "bob", "", "", {}, {"uid=a,dc=x", "uid=b,dc=x"}, ""};
  const ReviewEntry bob_mail{0, "ambiguous", "id-2", "bob", "mail", "", {}, {}, ""};
  const ReviewEntry queued{3, "attribute", "id-3", "cy", "cn", "uid=cy,dc=x", {"a"}, {"b"}, ""};
  std::string first;
  for (const auto& order : {std::vector{amy, bob, bob_mail, queued}, std::vector{queued, bob_mail, bob, amy},
                            std::vector{bob, queued, amy, bob_mail}}) {
    Report r{"t", "c", {}};
    r.targets.push_back({"ldap", {}, std::nullopt, order, std::nullopt});
    normalize(r);
    std::ostringstream out;
    write_json(r, out);
    if (first.empty()) first = out.str();
    EXPECT_EQ(out.str(), first);
    EXPECT_EQ(r.targets[0].reviews[0].user_id, "id-1");
    EXPECT_EQ(r.targets[0].reviews[2].attribute, "mail");
    EXPECT_EQ(r.targets[0].reviews[3].id, 3);
  }
}

}  // namespace

namespace {

// A target with group entries: a rename carrying member changes, a delete, an
// unreadable entry and one in line, given out of order.
Report with_groups() {
  Report r{"2026-11-22T00:00:00Z", "c.yaml", {}};
  TargetEntry t{"ldap", {}, std::nullopt, {}, std::nullopt};
  GroupPlan renamed;
  renamed.kind = GroupPlan::Kind::rename;
  renamed.group_id = "g-1";
  renamed.name = "operators";
  renamed.key = "cn=admins,ou=groups,dc=x";
  renamed.new_key = "cn=operators,ou=groups,dc=x";
  renamed.members_added = {"uid=cy,dc=x"};
  renamed.members_removed = {"uid=bob,dc=x"};
  renamed.operations = {{Operation::Kind::rename, renamed.key, renamed.new_key, {}, {}},
                        {Operation::Kind::modify, renamed.new_key, {}, {}, {{"member", ChangeKind::replace, {"uid=ada,dc=x", "uid=cy,dc=x"}}}}};
  renamed.fingerprint = "fp-g1";
  GroupPlan gone;
  gone.kind = GroupPlan::Kind::remove;
  gone.group_id = "g-2";
  gone.key = "cn=old,ou=groups,dc=x";
  gone.members_removed = {"uid=ada,dc=x"};
  gone.operations = {{Operation::Kind::remove, gone.key, {}, {}, {}}};
  gone.fingerprint = "fp-g2";
  GroupPlan broken;
  broken.kind = GroupPlan::Kind::error;
  broken.group_id = "g-3";
  broken.name = "ops";
  broken.key = "cn=ops,ou=groups,dc=x";
  broken.error = "ldap:52 unavailable";
  GroupPlan in_line;
  in_line.group_id = "g-4";
  in_line.name = "staff";
  in_line.key = "cn=staff,ou=groups,dc=x";
  in_line.fingerprint = "fp-g4";
  t.groups = {in_line, renamed, broken, gone};
  r.targets.push_back(t);
  normalize(r);
  return r;
}

TEST(Report, GroupEntriesHaveTheirOwnCountsAndMemberChangesInText) {
  const Report r = with_groups();
  EXPECT_EQ(r.targets[0].group_counts(),
            (std::map<std::string, int64_t>{{"create", 0}, {"update", 0}, {"rename", 1}, {"delete", 1}, {"no-op", 1}, {"error", 1}}));
  EXPECT_FALSE(r.needs_attention()) << "group changes alone are no conflict";
  EXPECT_EQ(to_text(r),
            "idbridge plan (dry run: nothing was applied) at 2026-11-22T00:00:00Z from c.yaml\n"
            "target ldap: 0 create, 0 update, 0 disable, 0 delete, 0 no-op, 0 skip, 0 error, 0 conflict, 0 review\n"
            "target ldap groups: 0 create, 0 update, 1 rename, 1 delete, 1 no-op, 1 error\n"
            "\n[ldap] group rename cn=admins,ou=groups,dc=x -> cn=operators,ou=groups,dc=x  (group operators, g-1)\n"
            "    + member uid=cy,dc=x\n"
            "    - member uid=bob,dc=x\n"
            "\n[ldap] group delete cn=old,ou=groups,dc=x  (group g-2)\n"
            "    - member uid=ada,dc=x\n"
            "\n[ldap] group error cn=ops,ou=groups,dc=x  (group ops, g-3)\n"
            "    error: ldap:52 unavailable\n");
}

TEST(Report, GroupEntriesInJsonByKey) {
  const Report r = with_groups();
  const auto j = to_json(r);
  const auto& t = j["targets"][0];
  EXPECT_EQ(t["group_counts"], nlohmann::json::parse(R"({"create": 0, "update": 0, "rename": 1, "delete": 1,
                                                          "no-op": 1, "error": 1})"));
  EXPECT_EQ(t["groups"], nlohmann::json::parse(R"([
    {"group_id": "g-1", "name": "operators", "key": "cn=admins,ou=groups,dc=x -> cn=operators,ou=groups,dc=x",
     "action": "rename", "members_added": ["uid=cy,dc=x"], "members_removed": ["uid=bob,dc=x"],
     "operations": [{"kind": "rename", "key": "cn=admins,ou=groups,dc=x", "new_key": "cn=operators,ou=groups,dc=x"},
                    {"kind": "modify", "key": "cn=operators,ou=groups,dc=x",
                     "changes": [{"attribute": "member", "change": "replace", "values": ["uid=ada,dc=x", "uid=cy,dc=x"]}]}],
     "fingerprint": "fp-g1"},
    {"group_id": "g-2", "name": "", "key": "cn=old,ou=groups,dc=x", "action": "delete", "members_added": [],
     "members_removed": ["uid=ada,dc=x"], "operations": [{"kind": "delete", "key": "cn=old,ou=groups,dc=x"}],
     "fingerprint": "fp-g2"},
    {"group_id": "g-3", "name": "ops", "key": "cn=ops,ou=groups,dc=x", "action": "error", "members_added": [],
     "members_removed": [], "operations": [], "error": "ldap:52 unavailable"},
    {"group_id": "g-4", "name": "staff", "key": "cn=staff,ou=groups,dc=x", "action": "no-op", "members_added": [],
     "members_removed": [], "operations": [], "fingerprint": "fp-g4"}
  ])"));
  // Streamed like the rest: byte for byte the tree's dump.
  std::ostringstream out;
  write_json(r, out);
  EXPECT_EQ(out.str(), j.dump(2) + "\n");
  // A target without group entries still says so, for a stable schema.
  const auto none = to_json(sample())["targets"][0];
  EXPECT_EQ(none["groups"], nlohmann::json::array());
  EXPECT_EQ(none["group_counts"]["create"], 0);
}

TEST(Report, AGroupEntrysSecretValuesAreHiddenAsItsGroupMappingSays) {
  Report r{"2026-11-22T00:00:00Z", "c.yaml", {}};
  TargetEntry t{"ldap", {}, std::nullopt, {}, std::nullopt};
  t.secrets.mark("joinCode", false);  // the user rules' say nothing of group entries
  t.group_secrets.mark("joinCode", true);
  GroupPlan made;
  made.kind = GroupPlan::Kind::create;
  made.group_id = "g-1";
  made.key = "cn=ops,ou=groups,dc=x";
  made.operations = {{Operation::Kind::create, made.key, {}, {{"cn", {"ops"}}, {"joinCode", {"J-77"}}}, {}}};
  t.groups = {made};
  r.targets.push_back(t);
  const auto j = to_json(r);
  EXPECT_EQ(j["targets"][0]["groups"][0]["operations"][0]["attributes"],
            nlohmann::json::parse(R"({"cn": ["ops"], "joinCode": ["********"]})"));
  EXPECT_EQ(j.dump().find("J-77"), std::string::npos);
}

TEST(Report, GroupEntriesInHtmlOneRowPerMemberChange) {
  const std::string html = to_html(with_groups());
  EXPECT_NE(html.find("<tr class=\"group rename\"><td>ldap</td><td>group rename</td><td>operators</td>"
                      "<td>cn=admins,ou=groups,dc=x -&gt; cn=operators,ou=groups,dc=x</td><td>member</td><td></td>"
                      "<td>uid=cy,dc=x</td><td>member added</td></tr>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>member</td><td>uid=bob,dc=x</td><td></td><td>member removed</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>error: ldap:52 unavailable</td>"), std::string::npos);
  EXPECT_NE(html.find("<td>staff</td><td>cn=staff,ou=groups,dc=x</td><td></td><td></td><td></td><td>in sync</td>"),
            std::string::npos);
  EXPECT_NE(html.find("<li>target ldap groups: 0 create, 0 update, 1 rename, 1 delete, 1 no-op, 1 error</li>"),
            std::string::npos);
  // rename: 2 member rows; delete: 1; error: 1; in sync: 1.
  EXPECT_NE(html.find("data-rows=\"5\""), std::string::npos);
}

}  // namespace

// The written JSON is laid out exactly as nlohmann dumps it (so a parse and
// dump(2) of it gives it back byte for byte): key order, escapes, empty and
// nested values, every kind of operation, groups and reviews.
TEST(Report, WrittenJsonIsItsOwnDump) {
  Report r = sample();
  TargetEntry empty{"cloud", {}, std::string("held by max_disables"), {}, std::string("auth: bad token\nline")};
  r.targets.push_back(empty);
  r.targets[0].reviews.push_back({7, "attribute", "id-1", "amy", "mail", "uid=amy,dc=x", {"a@x"}, {"b@x"}, "x"});
  UserEntry odd{"id-\"5\"", "Zoë \\ \t\x01 名", "uid=zoe\\,x,dc=x", "create", {.fingerprint = "fp-5", .delete_due = "2026-12-22T00:00:00Z", .out_of_scope = "title eq \"x\""}};
  odd.edit_details().attributes.push_back({"Zeta", Authority::target, Verdict::keep_target, std::nullopt, {}, {"\u00e9"}, {}});
  odd.edit_details().operations.push_back({Operation::Kind::create, "uid=zoe\\,x,dc=x", {}, {{"alpha", {"1", "2"}}, {"Zeta", {}}, {"b", {"\x7f"}}}, {}});
  odd.edit_details().operations.push_back({Operation::Kind::rename, "uid=a,dc=x", "uid=b,dc=x", {}, {}});
  odd.edit_details().operations.push_back({Operation::Kind::remove, "uid=b,dc=x", {}, {}, {}});
  odd.edit_details().operations.push_back({Operation::Kind::modify, "uid=b,dc=x", {}, {},
                            {{"cn", ChangeKind::add, {"x"}}, {"sn", ChangeKind::remove, {}}}});
  r.targets[1].users.push_back(odd);
  // Enough users that they are written in several slices, joined at their seams.
  Report many = sample();
  for (int i = 0; i < 9000; ++i) {
    UserEntry u{"id-" + std::to_string(i), "u" + std::to_string(i), "uid=u" + std::to_string(i) + ",dc=x", "no-op"};
    if (i % 4097 == 0) u = odd;
    many.targets[0].users.push_back(u);
  }
  for (const Report& each : {r, Report{"t", "c", {}}, sample(), with_groups(), many}) {
    std::ostringstream out;
    write_json(each, out);
    EXPECT_EQ(out.str(), nlohmann::json::parse(out.str()).dump(2) + "\n");
  }
}

// A target may hold bytes that are not UTF-8 (an octetString attribute the
// mapping manages): every format still renders, with U+FFFD in their place.
TEST(Report, ValuesThatAreNotUtf8StillRenderInEveryFormat) {
  Report r{"2026-11-22T00:00:00Z", "c.yaml", {}};
  r.targets.push_back({"ldap", {}, std::nullopt, {}, std::nullopt});
  UserEntry u{"id-1", "amy", "uid=amy,dc=x", "update", {.fingerprint = "fp"}};
  u.edit_details().attributes.push_back(
      {"description", Authority::source, Verdict::revert_drift, Values{"ok"}, {"bad \xff\xfe"}, {"ok"}, {"ok"}});
  u.edit_details().operations.push_back({Operation::Kind::modify, "uid=amy,dc=x", {}, {},
                                         {{"description", ChangeKind::replace, {"\xc0\xaf"}}}});
  r.targets[0].users.push_back(u);
  std::ostringstream json, text, html;
  ASSERT_NO_THROW(write_json(r, json));
  ASSERT_NO_THROW(write_text(r, text));
  ASSERT_NO_THROW(write_html(r, html));
  const auto parsed = nlohmann::json::parse(json.str());
  EXPECT_EQ(parsed["targets"][0]["users"][0]["attributes"][0]["observed"][0], "bad \xef\xbf\xbd\xef\xbf\xbd");
  EXPECT_NE(text.str().find("description"), std::string::npos);
}

TEST(Report, ValuesTextIsAJsonArrayThatNeverRefusesBytes) {
  EXPECT_EQ(values_text({}), "[]");
  EXPECT_EQ(values_text({"Ada", "O'Neil \"Jr\""}), "[\"Ada\",\"O'Neil \\\"Jr\\\"\"]");
  EXPECT_EQ(values_text({"\xff"}), "[\"\xef\xbf\xbd\"]") << "not UTF-8: U+FFFD";
}

// A mapping may write a password (a constant, an ${env:…}): the report says
// that it is set or changes, by name, and never what it is.
TEST(Report, SecretAttributeValuesNeverShowOnlyThatTheyChange) {
  const std::string secret = "Initial-pa55word", old_secret = "{SSHA}old-hash", wanted = "Source-pa55";
  Report r{"2026-11-22T00:00:00Z", "c.yaml", {}};
  TargetEntry t{"ldap", {}, std::nullopt, {}, std::nullopt};
  UserEntry create{"id-1", "ada", "uid=ada,dc=x", "create", {.fingerprint = "fp-1"}};
  create.edit_details().attributes.push_back(
      {"userPassword", Authority::source, Verdict::apply_source, std::nullopt, {}, {secret}, {secret}});
  create.edit_details().operations.push_back(
      {Operation::Kind::create, "uid=ada,dc=x", {}, {{"cn", {"Ada"}}, {"userPassword", {secret}}}, {}});
  UserEntry update{"id-2", "bob", "uid=bob,dc=x", "update", {.fingerprint = "fp-2"}};
  update.edit_details().attributes.push_back(
      {"userPassword", Authority::source, Verdict::apply_source, Values{old_secret}, {old_secret}, {secret}, {secret}});
  update.edit_details().operations.push_back(
      {Operation::Kind::modify, "uid=bob,dc=x", {}, {}, {{"userPassword", ChangeKind::replace, {secret}}}});
  t.users = {create, update};
  t.reviews.push_back(
      {7, "attribute", "id-2", "bob", "client_secret", "uid=bob,dc=x", {wanted}, {old_secret}, "manual"});
  r.targets.push_back(t);
  normalize(r);

  const std::string text = to_text(r), html = to_html(r);
  std::ostringstream written;
  write_json(r, written);
  const std::string json = written.str();
  for (const std::string* out : {&text, &html, &json}) {
    for (const auto& value : {secret, old_secret, wanted}) EXPECT_EQ(out->find(value), std::string::npos) << *out;
    EXPECT_NE(out->find("userPassword"), std::string::npos) << *out;
  }
  EXPECT_NE(text.find("    userPassword: (none) -> \"********\"   [apply_source"), std::string::npos) << text;
  EXPECT_NE(text.find("    userPassword: \"********\" -> \"********\"   [apply_source"), std::string::npos) << text;
  EXPECT_NE(text.find("client_secret: target holds \"********\", source wants \"********\""), std::string::npos)
      << text;
  EXPECT_NE(html.find("<td>userPassword</td><td>&quot;********&quot;</td><td>&quot;********&quot;</td>"),
            std::string::npos)
      << html;
  const auto j = nlohmann::json::parse(json);
  const auto& users = j["targets"][0]["users"];
  const nlohmann::json hidden = {"********"};
  EXPECT_EQ(users[0]["attributes"][0]["result"], hidden);
  EXPECT_EQ(users[0]["operations"][0]["attributes"]["userPassword"], hidden);
  EXPECT_EQ(users[0]["operations"][0]["attributes"]["cn"], nlohmann::json({"Ada"})) << "other values stay";
  EXPECT_EQ(users[1]["attributes"][0]["baseline"], hidden);
  EXPECT_EQ(users[1]["attributes"][0]["observed"], hidden);
  EXPECT_EQ(users[1]["operations"][0]["changes"][0]["values"], hidden);
  EXPECT_EQ(users[1]["fingerprint"], "fp-2");
  EXPECT_EQ(j["targets"][0]["review"][0]["source"], hidden);
  const idb::mapping::SecretAttributes by_name;
  EXPECT_EQ(values_text(by_name.shown("userPassword", {secret, wanted})), "[\"********\",\"********\"]");
  EXPECT_EQ(values_text(by_name.shown("cn", {"Ada"})), "[\"Ada\"]");
}

// The target's mapping says what is secret: `secret: true` on an attribute
// named like any other, `secret: false` on a flag named like a password.
TEST(Report, WhatTheMappingMarksSecretIsHiddenAndWhatItUnmarksShown) {
  Report r{"2026-11-22T00:00:00Z", "c.yaml", {}};
  TargetEntry t{"ldap", {}, std::nullopt, {}, std::nullopt};
  t.secrets.mark("hrPin", true);
  t.secrets.mark("next_login_change_password", false);
  UserEntry update{"id-2", "bob", "uid=bob,dc=x", "update", {.fingerprint = "fp-2"}};
  update.edit_details().attributes.push_back(
      {"hrPin", Authority::source, Verdict::apply_source, Values{"1111"}, {"1111"}, {"2222"}, {"2222"}});
  update.edit_details().attributes.push_back({"next_login_change_password", Authority::source,
                                              Verdict::apply_source, Values{"false"}, {"false"}, {"true"}, {"true"}});
  update.edit_details().operations.push_back(
      {Operation::Kind::modify, "uid=bob,dc=x", {}, {},
       {{"hrPin", ChangeKind::replace, {"2222"}}, {"next_login_change_password", ChangeKind::replace, {"true"}}}});
  UserEntry create{"id-1", "ada", "uid=ada,dc=x", "create", {.fingerprint = "fp-1"}};
  create.edit_details().attributes.push_back(
      {"hrPin", Authority::source, Verdict::apply_source, std::nullopt, {}, {"3333"}, {"3333"}});
  create.edit_details().operations.push_back(
      {Operation::Kind::create, "uid=ada,dc=x", {}, {{"cn", {"Ada"}}, {"hrPin", {"3333"}}}, {}});
  t.users = {update, create};
  t.reviews.push_back({7, "attribute", "id-2", "bob", "HRPIN", "uid=bob,dc=x", {"4444"}, {"5555"}, "manual"});
  r.targets.push_back(t);
  normalize(r);

  EXPECT_EQ(to_text(r),
            "idbridge plan (dry run: nothing was applied) at 2026-11-22T00:00:00Z from c.yaml\n"
            "target ldap: 1 create, 1 update, 0 disable, 0 delete, 0 no-op, 0 skip, 0 error, 0 conflict, 1 review\n"
            "\n"
            "[ldap] create uid=ada,dc=x  (user ada, id-1)\n"
            "    hrPin: (none) -> \"********\"   [apply_source, authority source]\n"
            "\n"
            "[ldap] update uid=bob,dc=x  (user bob, id-2)\n"
            "    hrPin: \"********\" -> \"********\"   [apply_source, authority source]\n"
            "    next_login_change_password: \"false\" -> \"true\"   [apply_source, authority source]\n"
            "\n"
            "[ldap] review #7 (attribute) uid=bob,dc=x  (user bob, id-2)\n"
            "    HRPIN: target holds \"********\", source wants \"********\"\n"
            "    manual\n"
            "\n"
            "Needs attention: conflicts to review ('idbridge conflicts list') or guards holding a target"
            " ('idbridge approve').\n");
  std::ostringstream written;
  write_json(r, written);
  const std::string json = written.str(), html = to_html(r);
  for (const std::string* out : {&json, &html}) {
    for (const char* value : {"1111", "2222", "3333", "4444", "5555"}) {
      EXPECT_EQ(out->find(value), std::string::npos) << value << " in " << *out;
    }
  }
  const auto j = nlohmann::json::parse(json);
  const nlohmann::json hidden = {"********"};
  const auto& users = j["targets"][0]["users"];
  EXPECT_EQ(users[0]["operations"][0]["attributes"]["hrPin"], hidden);
  EXPECT_EQ(users[0]["operations"][0]["attributes"]["cn"], nlohmann::json({"Ada"}));
  EXPECT_EQ(users[1]["attributes"][0]["baseline"], hidden);
  EXPECT_EQ(users[1]["attributes"][1]["result"], nlohmann::json({"true"}));
  EXPECT_EQ(users[1]["operations"][0]["changes"][0]["values"], hidden);
  EXPECT_EQ(users[1]["operations"][0]["changes"][1]["values"], nlohmann::json({"true"}));
  EXPECT_EQ(j["targets"][0]["review"][0]["observed"], hidden);
  EXPECT_NE(html.find("<td>next_login_change_password</td><td>&quot;false&quot;</td><td>&quot;true&quot;</td>"),
            std::string::npos)
      << html;
  EXPECT_NE(html.find("<td>hrPin</td><td>(none)</td><td>&quot;********&quot;</td>"), std::string::npos) << html;
}
