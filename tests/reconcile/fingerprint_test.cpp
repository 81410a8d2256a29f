#include "reconcile/fingerprint.h"

#include <gtest/gtest.h>

using namespace idb::reconcile;

namespace {

TEST(fingerprint, ValuesCompareAsSetsAndEveryPartCounts) {
  idb::mapping::Desired desired;
  desired.key = "uid=a,dc=x";
  desired.attributes = {{"mail", {"a@x", "b@x"}}};
  const Account observed{"uid=a,dc=x", {{"mail", {"b@x", "a@x"}}}};
  const std::string base = fingerprint(desired, std::nullopt, observed);
  EXPECT_EQ(base.size(), 64u);
  idb::mapping::Desired reordered = desired;
  reordered.attributes = {{"MAIL", {"b@x", "a@x"}}};
  EXPECT_EQ(fingerprint(reordered, std::nullopt, observed), base);
  EXPECT_NE(fingerprint(desired, idb::mapping::Attributes{}, observed), base);
  EXPECT_NE(fingerprint(desired, std::nullopt, std::nullopt), base);
  EXPECT_NE(fingerprint(desired, std::nullopt, Account{"uid=a,dc=x", {{"mail", {"a@x"}}}}), base);
}

// Saved plans and held batches carry fingerprints: the digest of the same
// data must never change from one version to the next.
TEST(fingerprint, TheDigestOfFixedDataIsPinned) {
  idb::mapping::Desired desired;
  desired.key = "uid=ada,ou=people,dc=x";
  desired.attributes = {{"cn", {"Ada"}}, {"Mail", {"b@x", "a@x"}}, {"title", {}}, {"sn", {"", "L\xc3\xb6we"}}};
  const Account observed{"uid=Ada,ou=people,dc=x", {{"cn", {"Ada"}}, {"mail", {"a@x"}}}};
  EXPECT_EQ(fingerprint(desired, std::nullopt, std::nullopt), "5a4eda98facbc76e366667737636cce0a0ff2d76cbbd7a10ceae7a5b6352b116");
  EXPECT_EQ(fingerprint(desired, idb::mapping::Attributes{{"cn", {"Ad"}}}, observed), "f8fe8080f28b0743321326380f2efb874020443ba67cf06a7c0ffc77e38a3363");
  EXPECT_EQ(batch_fingerprint({{"u1", "f1"}, {"u2", "f2"}}), "9bd4963ae411");
}

TEST(fingerprint, ABatchIsNamedByItsChangesInAnyOrder) {
  const std::string batch = batch_fingerprint({{"u1", "f1"}, {"u2", "f2"}});
  EXPECT_EQ(batch.size(), kBatchIdLength);
  EXPECT_EQ(batch.find_first_not_of("0123456789abcdef"), std::string::npos);
  EXPECT_EQ(batch_fingerprint({{"u2", "f2"}, {"u1", "f1"}}), batch);
  EXPECT_NE(batch_fingerprint({{"u1", "f1"}, {"u2", "f3"}}), batch);                // a change moved
  EXPECT_NE(batch_fingerprint({{"u1", "f1"}, {"u2", "f2"}, {"u3", "f3"}}), batch);  // one more
  EXPECT_NE(batch_fingerprint({{"u1", "f1"}}), batch);                               // one less
  EXPECT_NE(batch_fingerprint({{"u1f", "1"}, {"u2", "f2"}}), batch);                 // no collision by concatenation
}

}  // namespace
