#include "reconcile/three_way.h"
#include "reconcile/values.h"

#include <algorithm>

#include <gtest/gtest.h>

using namespace idb::reconcile;
using idb::mapping::Attributes;
using idb::mapping::Desired;
using idb::mapping::Values;

namespace {

struct Cell {
  const char* name;
  std::optional<Values> baseline;  // what we last wrote (nullopt: never)
  Values observed;
  Values desired;
  Authority authority;
  Verdict verdict;
  Values result;
  std::optional<Values> next_baseline;
};

// Every combination of (source changed?, target changed?, authority), plus
// the never-written and converged cases.
const Cell kCells[] = {
    // nothing changed
    {"quiet/source", Values{"a"}, {"a"}, {"a"}, Authority::source, Verdict::in_sync, {"a"}, Values{"a"}},
    {"quiet/manual", Values{"a"}, {"a"}, {"a"}, Authority::manual, Verdict::in_sync, {"a"}, Values{"a"}},
    // only the source changed
    {"source/source", Values{"a"}, {"a"}, {"b"}, Authority::source, Verdict::apply_source, {"b"}, Values{"b"}},
    {"source/target", Values{"a"}, {"a"}, {"b"}, Authority::target, Verdict::apply_source, {"b"}, Values{"b"}},
    {"source/manual", Values{"a"}, {"a"}, {"b"}, Authority::manual, Verdict::conflict, {"a"}, Values{"a"}},
    {"source/create_only", Values{"a"}, {"a"}, {"b"}, Authority::create_only, Verdict::keep_target, {"a"}, Values{"a"}},
    // only the target changed (drift)
    {"drift/source", Values{"a"}, {"x"}, {"a"}, Authority::source, Verdict::revert_drift, {"a"}, Values{"a"}},
    {"drift/target", Values{"a"}, {"x"}, {"a"}, Authority::target, Verdict::keep_target, {"x"}, Values{"a"}},
    {"drift/manual", Values{"a"}, {"x"}, {"a"}, Authority::manual, Verdict::conflict, {"x"}, Values{"a"}},
    {"drift/create_only", Values{"a"}, {"x"}, {"a"}, Authority::create_only, Verdict::keep_target, {"x"}, Values{"a"}},
    {"drift-removed/source", Values{"a"}, {}, {"a"}, Authority::source, Verdict::revert_drift, {"a"}, Values{"a"}},
    // both changed, differently
    {"both/source", Values{"a"}, {"x"}, {"b"}, Authority::source, Verdict::apply_source, {"b"}, Values{"b"}},
    {"both/target", Values{"a"}, {"x"}, {"b"}, Authority::target, Verdict::keep_target, {"x"}, Values{"a"}},
    {"both/manual", Values{"a"}, {"x"}, {"b"}, Authority::manual, Verdict::conflict, {"x"}, Values{"a"}},
    {"both/create_only", Values{"a"}, {"x"}, {"b"}, Authority::create_only, Verdict::keep_target, {"x"}, Values{"a"}},
    // both changed to the same value
    {"converged/manual", Values{"a"}, {"b"}, {"b"}, Authority::manual, Verdict::converged, {"b"}, Values{"b"}},
    // never written: an account found by correlation
    {"unlinked-empty/target", std::nullopt, {}, {"b"}, Authority::target, Verdict::apply_source, {"b"}, Values{"b"}},
    {"unlinked/source", std::nullopt, {"x"}, {"b"}, Authority::source, Verdict::apply_source, {"b"}, Values{"b"}},
    {"unlinked/target", std::nullopt, {"x"}, {"b"}, Authority::target, Verdict::keep_target, {"x"}, std::nullopt},
    {"unlinked/manual", std::nullopt, {"x"}, {"b"}, Authority::manual, Verdict::conflict, {"x"}, std::nullopt},
    {"unlinked/create_only", std::nullopt, {"x"}, {"b"}, Authority::create_only, Verdict::keep_target, {"x"}, std::nullopt},
    {"unlinked-same/manual", std::nullopt, {"b"}, {"b"}, Authority::manual, Verdict::in_sync, {"b"}, Values{"b"}},
    // order of values never matters
    {"order/source", Values{"a", "b"}, {"b", "a"}, {"a", "b"}, Authority::source, Verdict::in_sync, {"a", "b"}, Values{"a", "b"}},
};

// The verdict on `attribute`: in sync when the decision does not list it.
Verdict verdict_of(const Decision& d, const std::string& attribute) {
  const auto a = std::find_if(d.attributes.begin(), d.attributes.end(),
                              [&](const AttributeDecision& x) { return x.attribute == attribute; });
  return a == d.attributes.end() ? Verdict::in_sync : a->verdict;
}

TEST(ThreeWay, EveryCell) {
  for (const auto& c : kCells) {
    SCOPED_TRACE(c.name);
    Policies policies;
    policies.per_attribute["cn"] = c.authority;
    std::optional<Attributes> baseline = Attributes{};
    if (c.baseline) (*baseline)["cn"] = *c.baseline;
    const Desired desired{"uid=u", {{"cn", c.desired}}};
    const Account observed{"uid=u", {{"cn", c.observed}}};
    const Decision d = decide(desired, baseline, observed, policies);
    EXPECT_EQ(verdict_of(d, "cn"), c.verdict) << to_string(verdict_of(d, "cn"));
    // In sync is not listed: the result is desired's value.
    ASSERT_EQ(d.attributes.size(), c.verdict == Verdict::in_sync ? 0u : 1u);
    if (!d.attributes.empty()) {
      EXPECT_EQ(d.attributes[0].result, c.result);
      EXPECT_EQ(d.attributes[0].authority, c.authority);
    }
    EXPECT_EQ(d.conflict, c.verdict == Verdict::conflict);
    const Attributes next = next_baseline(desired, d);
    if (c.next_baseline) {
      EXPECT_EQ(next.at("cn"), *c.next_baseline);
    } else {
      EXPECT_EQ(next.count("cn"), 0u);
    }
    // The decision plans exactly the decided change: the result, where it is not there yet.
    const auto ops = plan(desired, d, observed);
    const bool writes = c.verdict == Verdict::apply_source || c.verdict == Verdict::revert_drift;
    EXPECT_EQ(!ops.empty(), writes && !same_values(c.result, c.observed));
    EXPECT_EQ(ops, plan(Desired{"uid=u", {{"cn", c.result}}}, observed));
  }
}

TEST(ThreeWay, NewAccountsGetEverythingButManualAttributes) {
  Policies policies;
  policies.fallback = Authority::target;
  policies.per_attribute["o"] = Authority::create_only;
  policies.per_attribute["secretary"] = Authority::manual;
  const Desired desired{"uid=u", {{"cn", {"C"}}, {"o", {"Org"}}, {"secretary", {"S"}}, {"title", {}}}};
  const Decision d = decide(desired, std::nullopt, std::nullopt, policies);
  ASSERT_EQ(d.attributes.size(), 3u);  // title, empty and absent, is in sync
  EXPECT_EQ(d.attributes[0].verdict, Verdict::apply_source);
  EXPECT_EQ(d.attributes[1].verdict, Verdict::apply_source);
  EXPECT_EQ(d.attributes[2].verdict, Verdict::conflict);  // a person decides; nothing written
  EXPECT_EQ(d.attributes[2].result, Values{});
  EXPECT_EQ(verdict_of(d, "title"), Verdict::in_sync);
  EXPECT_TRUE(d.conflict);
  const auto ops = plan(desired, d, std::nullopt);
  ASSERT_EQ(ops.size(), 1u);
  EXPECT_EQ(ops[0].kind, Operation::Kind::create);
  EXPECT_EQ(ops[0].attributes, (Attributes{{"cn", {"C"}}, {"o", {"Org"}}}));
  EXPECT_EQ(next_baseline(desired, d), (Attributes{{"cn", {"C"}}, {"o", {"Org"}}, {"title", {}}}));
}

TEST(ThreeWay, TargetOwnedValueStaysUnmanagedAfterAnEdit) {
  Policies policies;
  policies.fallback = Authority::target;
  // Round 1: an administrator edited cn; we keep it and remember what we wrote.
  Attributes baseline = {{"cn", {"a"}}};
  Decision d = decide(Desired{"k", {{"cn", {"a"}}}}, baseline, Account{"k", {{"cn", {"edited"}}}}, policies);
  EXPECT_EQ(d.attributes[0].verdict, Verdict::keep_target);
  // Round 2: the source changes too; the edit still wins.
  d = decide(Desired{"k", {{"cn", {"b"}}}}, next_baseline(Desired{"k", {{"cn", {"a"}}}}, d),
             Account{"k", {{"cn", {"edited"}}}}, policies);
  EXPECT_EQ(d.attributes[0].verdict, Verdict::keep_target);
  EXPECT_EQ(d.attributes[0].result, Values{"edited"});
  EXPECT_TRUE(plan(Desired{"k", {{"cn", {"b"}}}}, d, Account{"k", {{"cn", {"edited"}}}}).empty());
}

TEST(ThreeWay, AnAcceptedManualDivergenceHoldsOnlyWhileNeitherSideMoves) {
  Policies policies;
  policies.fallback = Authority::manual;
  const AcceptedDivergences accepted = {{"cn", Accepted{{"source"}, {"edited", "second"}}}};
  const Attributes baseline = {{"cn", {"old"}}};
  // Exactly the accepted pair (values in any order): the target's value stands, no conflict.
  Decision d = decide(Desired{"k", {{"cn", {"source"}}}}, baseline, Account{"k", {{"cn", {"second", "edited"}}}},
                      policies, accepted);
  EXPECT_EQ(d.attributes[0].verdict, Verdict::keep_target);
  EXPECT_FALSE(d.conflict);
  EXPECT_EQ(d.attributes[0].result, (Values{"second", "edited"}));
  EXPECT_EQ(next_baseline(Desired{"k", {{"cn", {"source"}}}}, d).at("cn"), Values{"old"});
  // The source moved on: a new divergence for a person to decide.
  d = decide(Desired{"k", {{"cn", {"newer"}}}}, baseline, Account{"k", {{"cn", {"edited", "second"}}}}, policies,
             accepted);
  EXPECT_EQ(d.attributes[0].verdict, Verdict::conflict);
  // The target moved on: the same.
  d = decide(Desired{"k", {{"cn", {"source"}}}}, baseline, Account{"k", {{"cn", {"edited"}}}}, policies, accepted);
  EXPECT_EQ(d.attributes[0].verdict, Verdict::conflict);
  // Only manual attributes are ever held by an acceptance.
  policies.fallback = Authority::source;
  d = decide(Desired{"k", {{"cn", {"source"}}}}, baseline, Account{"k", {{"cn", {"edited", "second"}}}}, policies,
             accepted);
  EXPECT_EQ(d.attributes[0].verdict, Verdict::apply_source);
}

TEST(ThreeWay, EditedOnTargetIsAWrittenValueTheTargetNoLongerHolds) {
  const auto edited = [](std::optional<Values> baseline, Values observed) {
    return edited_on_target(
        {"cn", Authority::source, Verdict::revert_drift, std::move(baseline), std::move(observed), {"a"}, {"a"}});
  };
  EXPECT_TRUE(edited(Values{"a"}, {"b"}));
  EXPECT_TRUE(edited(Values{"a"}, {}));
  EXPECT_FALSE(edited(Values{"a", "b"}, {"b", "a"})) << "another order is no edit";
  EXPECT_FALSE(edited(std::nullopt, {"b"})) << "never written by idbridge";
}

TEST(ThreeWay, AnAttributeInSyncIsNotListed) {
  const Attributes baseline = {{"cn", {"a"}}, {"sn", {"old"}}};
  const Desired desired{"k", {{"cn", {"a"}}, {"sn", {"new"}}}};
  const Decision d = decide(desired, baseline, Account{"k", {{"cn", {"a"}}, {"sn", {"old"}}}}, Policies{});
  ASSERT_EQ(d.attributes.size(), 1u);
  EXPECT_EQ(d.attributes[0], (AttributeDecision{"sn", Authority::source, Verdict::apply_source, Values{"old"}, {"old"},
                                                {"new"}, {"new"}}));
  EXPECT_EQ(next_baseline(desired, d), (Attributes{{"cn", {"a"}}, {"sn", {"new"}}}));
  // Borrowing the baseline decides the same.
  EXPECT_EQ(decide(Desired{"k", {{"cn", {"a"}}, {"sn", {"new"}}}}, &baseline,
                   Account{"k", {{"cn", {"a"}}, {"sn", {"old"}}}}, Policies{})
                .attributes,
            d.attributes);
}

// Across attributes, renamed, with names spelled otherwise on the target:
// the decision writes what desired with every kept value put back would.
TEST(ThreeWay, TheDecisionPlansOnlyWhatItDecided) {
  Policies policies;
  policies.per_attribute["title"] = Authority::target;
  policies.per_attribute["o"] = Authority::create_only;
  const Desired desired{"uid=b,dc=x", {{"cn", {"New"}},
                                        {"mail", {"a", "b"}},
                                        {"o", {"Org2"}},
                                        {"objectClass", {"inetOrgPerson"}},
                                        {"sn", {"S"}},
                                        {"title", {"T"}}}};
  const Attributes baseline = {{"cn", {"Old"}}, {"mail", {"a"}}, {"o", {"Org"}}, {"sn", {"S"}}, {"title", {"T"}}};
  const Account observed{"uid=a,dc=x", {{"CN", {"Old"}},
                                        {"mail", {"a"}},
                                        {"O", {"Org"}},
                                        {"objectclass", {"inetOrgPerson", "extensibleObject"}},
                                        {"sn", {"edited"}},
                                        {"title", {"edited"}}}};
  const Decision d = decide(desired, baseline, observed, policies);
  ASSERT_EQ(d.attributes.size(), 5u);
  EXPECT_EQ(verdict_of(d, "cn"), Verdict::apply_source);
  EXPECT_EQ(verdict_of(d, "mail"), Verdict::apply_source);
  EXPECT_EQ(verdict_of(d, "o"), Verdict::keep_target);  // create_only
  EXPECT_EQ(verdict_of(d, "objectClass"), Verdict::in_sync);  // its extra class is tolerated
  EXPECT_EQ(verdict_of(d, "sn"), Verdict::revert_drift);
  EXPECT_EQ(verdict_of(d, "title"), Verdict::keep_target);          // the target's edit stands
  const auto ops = plan(desired, d, observed);
  ASSERT_EQ(ops.size(), 2u);
  EXPECT_EQ(ops[0], (Operation{Operation::Kind::rename, "uid=a,dc=x", "uid=b,dc=x", {}, {}}));
  // After a rename only replaces; objectClass already holds every desired value.
  EXPECT_EQ(ops[1].changes, (std::vector<AttributeChange>{{"cn", ChangeKind::replace, {"New"}},
                                                           {"mail", ChangeKind::replace, {"a", "b"}},
                                                           {"sn", ChangeKind::replace, {"S"}}}));
  Desired effective = desired;
  effective.attributes["o"] = {"Org"};
  effective.attributes["title"] = {"edited"};
  EXPECT_EQ(ops, plan(effective, observed));
  EXPECT_EQ(next_baseline(desired, d), (Attributes{{"cn", {"New"}},
                                                   {"mail", {"a", "b"}},
                                                   {"o", {"Org"}},
                                                   {"objectClass", {"inetOrgPerson"}},
                                                   {"sn", {"S"}},
                                                   {"title", {"T"}}}));
}

TEST(ThreeWay, AdditiveAttributesToleratePlusValues) {
  const Decision d = decide(Desired{"k", {{"objectClass", {"inetOrgPerson"}}}}, Attributes{{"objectClass", {"inetOrgPerson"}}},
                            Account{"k", {{"objectClass", {"inetOrgPerson", "extensibleObject"}}}}, Policies{});
  EXPECT_EQ(verdict_of(d, "objectClass"), Verdict::in_sync);
}

}  // namespace

namespace {

TEST(ThreeWay, PoliciesComeFromTheMapping) {
  const std::vector<idb::mapping::TargetRef> targets = {{"ldap", "ldap", nullptr}};
  auto loaded = idb::mapping::parse(R"(
targets:
  ldap:
    dn: "uid={userName},dc=x"
    attributes:
      uid: userName
      title: {from: title, authoritative: target}
      o: {value: Org, authoritative: create_only}
      description: {from: nickName, authoritative: manual}
)",
                                    "m.yaml", targets);
  ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
  const Policies p = policies_for(loaded.targets.at("ldap"));
  EXPECT_EQ(p.of("uid"), Authority::source);
  EXPECT_EQ(p.of("TITLE"), Authority::target);
  EXPECT_EQ(p.of("o"), Authority::create_only);
  EXPECT_EQ(p.of("description"), Authority::manual);
  EXPECT_EQ(p.of("unmapped"), Authority::source);
}

}  // namespace
