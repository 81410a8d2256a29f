// Transport security against a real slapd with a throwaway CA: ldaps://,
// StartTLS, SASL EXTERNAL, and clear failures when the CA is not the one
// that signed the server's certificate.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "connectors/ldap/ldap_connector.h"
#include "tests/ldap/ldap_test_support.h"
#include "tests/support/slapd_suite.h"

// libldap 2.5's GnuTLS backend never frees the client key and certificate it
// loads for a connection (about 16 KiB each; see the SASL EXTERNAL test).
// Not ours to fix; LeakSanitizer is told so that it still reports ours.
extern "C" const char* __lsan_default_suppressions() {
  return "leak:gnutls_x509_privkey_init\nleak:gnutls_x509_crt_init\nleak:libtasn1.so\nleak:libgmp.so\n"
         "leak:libgnutls.so\n";
}

namespace idb::connectors::ldap {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using namespace fixtures;  // NOLINT: the shorthands of ldap_test_support.h

class ldap_tls : public test::SlapdSuite<ldap_tls, test::SlapdOptions{.access_log = true, .tls = true}> {
 protected:
  static config::LdapTarget over_ldaps() {
    config::LdapTarget settings = test::settings_for(*slapd_);
    settings.url = slapd_->ldaps_url();
    return settings;
  }

  static LdapSettings trusting(const std::string& ca) {
    LdapSettings tuning;
    tuning.ca_file = (slapd_->tls_dir() / ca).string();
    return tuning;
  }

  static LdapSettings start_tls(const std::string& ca) {
    LdapSettings tuning = trusting(ca);
    tuning.start_tls = true;
    return tuning;
  }

  static void expect_clear_tls_failure(const Failure& failure, const std::string& ca) {
    EXPECT_EQ(failure.kind, FailureKind::retry) << failure.code;
    EXPECT_THAT(failure.message, HasSubstr("TLS"));
    EXPECT_THAT(failure.message, HasSubstr("certificate was not accepted"));
    EXPECT_THAT(failure.message, HasSubstr(ca));
    EXPECT_THAT(failure.message, Not(HasSubstr(slapd_->password())));
  }

};

TEST_F(ldap_tls, ldaps_with_the_right_ca_writes_and_reads) {
  LdapConnector connector("ldap-test", over_ldaps(), trusting("ca.pem"));
  ASSERT_TRUE(succeeded(connector.apply(create(person_dn("tls-alice"), person("tls-alice")))));
  auto read = connector.read(person_dn("tls-alice"), {"cn"});
  ASSERT_TRUE(read.ok() && read.value());
  EXPECT_EQ(read.value()->attributes["cn"], mapping::Values{"tls-alice"});
  EXPECT_THAT(slapd_->log(), HasSubstr("ACCEPT from IP=127.0.0.1")) << "the log is on";
}

TEST_F(ldap_tls, start_tls_with_the_right_ca_upgrades_before_binding) {
  LdapConnector connector("ldap-test", test::settings_for(*slapd_), start_tls("ca.pem"));
  ASSERT_TRUE(succeeded(connector.apply(create(person_dn("tls-bob"), person("tls-bob")))));
  EXPECT_THAT(slapd_->log(), HasSubstr("STARTTLS"));
}

TEST_F(ldap_tls, ldaps_with_a_wrong_ca_fails_clearly) {
  LdapConnector connector("ldap-test", over_ldaps(), trusting("other-ca.pem"));
  auto status = connector.apply(create(person_dn("tls-eve"), person("tls-eve")));
  ASSERT_FALSE(status);
  expect_clear_tls_failure(status.failure(), "other-ca.pem");
  EXPECT_FALSE(test::ldap_entry(*slapd_, person_dn("tls-eve")));
}

TEST_F(ldap_tls, start_tls_with_a_wrong_ca_fails_clearly_and_never_binds_in_clear) {
  LdapConnector connector("ldap-test", test::settings_for(*slapd_), start_tls("other-ca.pem"));
  auto status = connector.ping();
  ASSERT_FALSE(status);
  expect_clear_tls_failure(status.failure(), "other-ca.pem");
  EXPECT_THAT(status.failure().message, HasSubstr("StartTLS"));
}

TEST_F(ldap_tls, the_configs_tls_settings_apply_when_no_tuning_is_given) {
  config::LdapTarget configured = test::settings_for(*slapd_);
  configured.tuning = start_tls("ca.pem");
  LdapConnector trusted("ldap-test", configured);
  ASSERT_TRUE(succeeded(trusted.apply(create(person_dn("tls-dave"), person("tls-dave")))));
  configured.tuning = start_tls("other-ca.pem");
  LdapConnector distrusted("ldap-test", configured);
  auto status = distrusted.ping();
  ASSERT_FALSE(status);
  expect_clear_tls_failure(status.failure(), "other-ca.pem");
}

TEST_F(ldap_tls, ldaps_without_a_ca_file_uses_the_system_store_which_does_not_know_a_test_ca) {
  LdapConnector connector("ldap-test", over_ldaps(), LdapSettings{});
  auto status = connector.ping();
  ASSERT_FALSE(status);
  EXPECT_THAT(status.failure().message, HasSubstr("the system's CA store"));
}

TEST_F(ldap_tls, sasl_external_binds_with_the_client_certificate) {
  config::LdapTarget settings = over_ldaps();
  settings.bind_dn.clear();
  settings.bind_password.value.clear();
  LdapSettings tuning = trusting("ca.pem");
  tuning.sasl_external = true;
  tuning.client_cert_file = (slapd_->tls_dir() / "client.pem").string();
  tuning.client_key_file = (slapd_->tls_dir() / "client.key").string();
  LdapConnector connector("ldap-test", settings, tuning);
  ASSERT_TRUE(succeeded(connector.apply(create(person_dn("tls-carol"), person("tls-carol")))));
  EXPECT_THAT(slapd_->log(), HasSubstr("mech=EXTERNAL"));
}

TEST_F(ldap_tls, sasl_external_without_a_client_certificate_is_refused) {
  config::LdapTarget settings = over_ldaps();
  LdapSettings tuning = trusting("ca.pem");
  tuning.sasl_external = true;
  LdapConnector connector("ldap-test", settings, tuning);
  auto status = connector.ping();
  ASSERT_FALSE(status);
  EXPECT_THAT(status.failure().message, HasSubstr("SASL EXTERNAL"));
}

}  // namespace
}  // namespace idb::connectors::ldap
