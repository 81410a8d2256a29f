#include "daemon/audit.h"
#include "daemon/audit_record.h"

#include <sstream>

#include <gtest/gtest.h>

namespace idb::daemon {
namespace {

using reconcile::AttributeChange;
using reconcile::ChangeKind;
using reconcile::Operation;

const mapping::SecretAttributes kByName;

state::User ada() {
  state::User u;
  u.id = "2819c223";
  u.user_name = "ada.lovelace";
  return u;
}

UserPlan plan_of(UserPlan::Kind kind, std::vector<Operation> ops, std::string key = "uid=ada,ou=people,dc=x") {
  UserPlan p;
  p.kind = kind;
  p.desired.key = std::move(key);
  p.operations = std::move(ops);
  return p;
}

TEST(AuditRecord, ACreateRecordsEveryAttributeSetAndNoSecretValue) {
  const auto plan = plan_of(UserPlan::Kind::create,
                            {Operation{Operation::Kind::create, "uid=ada,ou=people,dc=x", "",
                                       {{"cn", {"Ada Lovelace"}}, {"userPassword", {"s3cret!"}}}, {}}});
  const auto r = audit_record("ldap", kByName, ada(), plan, "event", 1795355072000);
  EXPECT_EQ(r.at_ms, 1795355072000);
  EXPECT_EQ(r.target, "ldap");
  EXPECT_EQ(r.user_id, "2819c223");
  EXPECT_EQ(r.user_name, "ada.lovelace");
  EXPECT_EQ(r.action, "create");
  EXPECT_EQ(r.account_key, "uid=ada,ou=people,dc=x");
  EXPECT_EQ(r.previous_key, "");
  EXPECT_EQ(r.outcome, "applied");
  EXPECT_EQ(r.error, "");
  EXPECT_EQ(r.source, "event");
  const std::vector<state::AuditChange> expected{{"cn", "set", mapping::Values{"Ada Lovelace"}},
                                                 {"userPassword", "set", std::nullopt}};
  EXPECT_EQ(r.changes, expected);
}

TEST(AuditRecord, WhatTheMappingMarksSecretIsNotRecordedWhateverItsName) {
  mapping::SecretAttributes secrets;
  secrets.mark("roomNumber", true);
  secrets.mark("next_login_change_password", false);
  const auto plan = plan_of(UserPlan::Kind::update,
                            {Operation{Operation::Kind::modify, "uid=ada,ou=people,dc=x", "", {},
                                       {AttributeChange{"roomNumber", ChangeKind::replace, {"PIN-4417"}},
                                        AttributeChange{"next_login_change_password", ChangeKind::replace, {"true"}},
                                        AttributeChange{"userPassword", ChangeKind::replace, {"s3cret!"}}}}});
  const auto r = audit_record("ldap", secrets, ada(), plan, "event", 5);
  const std::vector<state::AuditChange> expected{{"roomNumber", "replace", std::nullopt},
                                                 {"next_login_change_password", "replace", mapping::Values{"true"}},
                                                 {"userPassword", "replace", std::nullopt}};
  EXPECT_EQ(r.changes, expected);
}

TEST(AuditRecord, AGroupEntryRecordsNoValueItsGroupMappingMarksSecret) {
  mapping::SecretAttributes secrets;  // a group mapping's: joinCode marked, groupToken unmarked
  secrets.mark("joinCode", true);
  secrets.mark("groupToken", false);
  reconcile::GroupPlan plan;
  plan.kind = reconcile::GroupPlan::Kind::create;
  plan.group_id = "g-1";
  plan.name = "ops";
  plan.key = "cn=ops,ou=groups,dc=x";
  plan.operations = {Operation{Operation::Kind::create, plan.key, "",
                               {{"cn", {"ops"}}, {"joinCode", {"J-77"}}, {"groupToken", {"t"}}, {"groupPassword", {"p"}}},
                               {}}};
  const auto r = group_audit_record("ldap", secrets, plan, "event", 5);
  EXPECT_EQ(r.action, "group create");
  const std::vector<state::AuditChange> expected{{"cn", "set", mapping::Values{"ops"}},
                                                 {"groupPassword", "set", std::nullopt},
                                                 {"groupToken", "set", mapping::Values{"t"}},
                                                 {"joinCode", "set", std::nullopt}};
  EXPECT_EQ(r.changes, expected);
}

TEST(AuditRecord, AModifyKeepsEachChangeKindAndAFailureItsCode) {
  const auto plan = plan_of(UserPlan::Kind::update,
                            {Operation{Operation::Kind::modify, "uid=ada,ou=people,dc=x", "", {},
                                       {AttributeChange{"title", ChangeKind::replace, {"Countess"}},
                                        AttributeChange{"mail", ChangeKind::add, {"ada@x"}},
                                        AttributeChange{"description", ChangeKind::remove, {}}}}});
  const connectors::Failure failure{connectors::FailureKind::permanent, "ldap:65 objectClassViolation",
                                    "attribute 'title' not allowed"};
  const auto r = audit_record("ldap", kByName, ada(), plan, "full sync", 5, &failure);
  EXPECT_EQ(r.action, "update");
  EXPECT_EQ(r.outcome, "failed");
  EXPECT_EQ(r.error, "ldap:65 objectClassViolation") << "the code, not the target's message";
  const std::vector<state::AuditChange> expected{{"title", "replace", mapping::Values{"Countess"}},
                                                 {"mail", "add", mapping::Values{"ada@x"}},
                                                 {"description", "remove", mapping::Values{}}};
  EXPECT_EQ(r.changes, expected);
}

TEST(AuditRecord, AMoveIsARenameUnlessItDisables) {
  const Operation move{Operation::Kind::rename, "uid=ada,ou=people,dc=x", "uid=ada,ou=staff,dc=x", {}, {}};
  const auto renamed = audit_record("ldap", kByName, ada(),
                                    plan_of(UserPlan::Kind::update, {move}, "uid=ada,ou=staff,dc=x"),
                                    "event", 5);
  EXPECT_EQ(renamed.action, "rename");
  EXPECT_EQ(renamed.previous_key, "uid=ada,ou=people,dc=x");
  EXPECT_EQ(renamed.account_key, "uid=ada,ou=staff,dc=x");
  const auto disabled = audit_record("ldap", kByName, ada(), plan_of(UserPlan::Kind::disable, {move}), "event", 5);
  EXPECT_EQ(disabled.action, "disable");
  EXPECT_EQ(disabled.account_key, "uid=ada,ou=staff,dc=x");
}

TEST(AuditRecord, ADeleteNamesTheAccountItDeleted) {
  auto plan = plan_of(UserPlan::Kind::remove, {Operation{Operation::Kind::remove, "uid=ada,ou=gone,dc=x", "", {}, {}}},
                      "uid=ada,ou=people,dc=x");
  plan.observed = reconcile::Account{"uid=ada,ou=gone,dc=x", {}};
  const auto r = audit_record("ldap", kByName, ada(), plan, "approved batch 3f2a", 5);
  EXPECT_EQ(r.action, "delete");
  EXPECT_EQ(r.account_key, "uid=ada,ou=gone,dc=x");
  EXPECT_TRUE(r.changes.empty());
  EXPECT_EQ(r.source, "approved batch 3f2a");
}

TEST(AuditSince, DatesTimesAndAges) {
  const int64_t now = 1795355072000;  // 2026-11-22T13:44:32Z
  EXPECT_EQ(parse_since("2026-11-22", now), 1795305600000);
  EXPECT_EQ(parse_since("2026-11-22T13:44:32Z", now), now);
  EXPECT_EQ(parse_since("45m", now), now - 45 * 60'000);
  EXPECT_EQ(parse_since("36h", now), now - 36 * 3'600'000);
  EXPECT_EQ(parse_since("7d", now), now - 7 * 86'400'000);
  EXPECT_EQ(parse_since("0d", now), now);
  EXPECT_EQ(parse_since("2999-01-01", now), 32472144000000);
  EXPECT_EQ(parse_since("2024-02-29", now), 1709164800000);
  for (const char* bad : {"", "d", "7", "7w", "-7d", "7.5d", "yesterday", "2026-02-30", "2026-11-22T13:44:32",
                          "2026-11-22 13:44:32Z", "2026-13-01", "2026-11-22T25:00:00Z", "99999999d"}) {
    EXPECT_FALSE(parse_since(bad, now)) << bad;
  }
}

TEST(AuditText, OneLinePerChangeAndOnePerAttributeWithoutSecrets) {
  state::AuditRecord r{.id = 1,
                       .at_ms = 1795355072000,
                       .target = "ldap",
                       .user_id = "2819c223",
                       .user_name = "ada.lovelace",
                       .action = "rename",
                       .account_key = "uid=ada,ou=staff,dc=x",
                       .previous_key = "uid=ada,ou=people,dc=x",
                       .changes = {{"title", "replace", mapping::Values{"Countess"}},
                                   {"userPassword", "replace", std::nullopt}},
                       .outcome = "failed",
                       .error = "ldap:50 insufficientAccess",
                       .source = "apply plan.json"};
  std::ostringstream out;
  write_audit_text({r}, out);
  EXPECT_EQ(out.str(),
            "2026-11-22T13:44:32Z  ldap  rename  uid=ada,ou=people,dc=x -> uid=ada,ou=staff,dc=x  user ada.lovelace "
            "(2819c223)  failed ldap:50 insufficientAccess  source: apply plan.json\n"
            "    title: replace [\"Countess\"]\n"
            "    userPassword: replace (secret, not recorded)\n");
  const auto json = audit_json(r);
  EXPECT_EQ(json["time"], "2026-11-22T13:44:32Z");
  EXPECT_EQ(json["changes"][1], (nlohmann::json{{"attribute", "userPassword"}, {"change", "replace"}, {"secret", true}}));
  EXPECT_EQ(json["error"], "ldap:50 insufficientAccess");
  EXPECT_EQ(json["previous_key"], "uid=ada,ou=people,dc=x");
}

}  // namespace
}  // namespace idb::daemon
