#pragma once
// A fixture base for a suite whose tests share one slapd: started before the
// suite's first test, stopped (its folder removed) after its last. Tests that
// need the server empty clean up what they wrote (see ldap_delete_all).
//
//   class ldap_tls : public test::SlapdSuite<ldap_tls, test::SlapdOptions{.tls = true}> { ... };
//
// The first parameter is the suite itself, so that each suite has its own
// server even when two ask for the same options.
#include <memory>

#include <gtest/gtest.h>

#include "tests/support/slapd.h"

namespace idb::test {

template <class Suite, SlapdOptions Options = SlapdOptions{}>
class SlapdSuite : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { slapd_ = Slapd::start(Options); }
  static void TearDownTestSuite() { slapd_.reset(); }

  static inline std::unique_ptr<Slapd> slapd_;
};

}  // namespace idb::test
