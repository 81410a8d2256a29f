// `sources:`: SCIM services idbridge polls.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/config/config_fixture.h"

namespace idb::config::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

const std::string kSecret = "source-client-s3cret";

// A valid config of 11 lines; `sources:` starts at line 12.
const std::string kMinimal =
    "scim:\n"
    "  tokens:\n"
    "    - ${env:IDBRIDGE_SCIM_TOKEN}\n"
    "mapping: mappings/quickstart.yaml\n"
    "targets:\n"
    "  - name: ldap\n"
    "    type: ldap\n"
    "    url: ldap://x\n"
    "    bind_dn: cn=a\n"
    "    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}\n"
    "    base_dn: dc=example,dc=org\n";

class config_sources : public ConfigTest {
 protected:
  config_sources() { env_["SOURCE_SECRET"] = kSecret; }
};

TEST_F(config_sources, reads_a_bearer_source_with_defaults) {
  auto r = load_text(kMinimal +
                     "sources:\n"
                     "  - {name: hr, type: scim, base_url: 'https://hr.example.org/scim/v2', auth: {bearer: '${env:SOURCE_SECRET}'}}\n");
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0].to_string());
  ASSERT_EQ(r.config->sources.size(), 1u);
  const ScimSource& s = r.config->sources[0];
  EXPECT_EQ(s.base_url, "https://hr.example.org/scim/v2");
  EXPECT_EQ(s.bearer.value, kSecret);
  EXPECT_FALSE(s.uses_oauth2());
  EXPECT_EQ(s.interval_s, 300);
  EXPECT_EQ(s.page_size, 100);
  EXPECT_EQ(s.incremental, "auto");
  EXPECT_EQ(s.deletion_max_count, 50);
  EXPECT_EQ(s.deletion_max_percent, 10);
}

TEST_F(config_sources, reads_every_key_and_never_shows_the_secret) {
  write("ca.pem", "x");
  auto r = load_text(kMinimal +
                     "sources:\n"
                     "  - name: idp\n"
                     "    type: scim\n"
                     "    base_url: http://127.0.0.1:9000/scim/v2\n"
                     "    auth:\n"
                     "      oauth2: {token_url: 'http://127.0.0.1:9001/token', client_id: idbridge,\n"
                     "               client_secret: '${env:SOURCE_SECRET}', scope: 'scim.read'}\n"
                     "    interval: 15m\n"
                     "    page_size: 200\n"
                     "    incremental: never\n"
                     "    deletion_guard: {max_count: 5, max_percent: 0}\n"
                     "    tls: {ca_file: ca.pem}\n"
                     "    timeout_ms: 2000\n");
  ASSERT_TRUE(r.config) << (r.errors.empty() ? "" : r.errors[0].to_string());
  const ScimSource& s = r.config->sources[0];
  EXPECT_TRUE(s.uses_oauth2());
  EXPECT_EQ(s.oauth2.client_secret.value, kSecret);
  EXPECT_EQ(s.oauth2.scope, "scim.read");
  EXPECT_EQ(s.interval_s, 900);
  EXPECT_EQ(s.page_size, 200);
  EXPECT_EQ(s.incremental, "never");
  EXPECT_EQ(s.deletion_max_count, 5);
  EXPECT_EQ(s.deletion_max_percent, 0);
  EXPECT_EQ(s.ca_file, dir_ / "ca.pem");
  EXPECT_EQ(s.timeout_ms, 2000);
  const std::string summary = summarize(*r.config);
  EXPECT_THAT(summary, HasSubstr("source idp"));
  EXPECT_THAT(summary, HasSubstr("${env:SOURCE_SECRET}"));
  EXPECT_THAT(summary, Not(HasSubstr(kSecret)));
}

TEST_F(config_sources, reports_each_problem_at_its_place) {
  EXPECT_THAT(errors_of(kMinimal +
                        "sources:\n"
                        "  - name: hr\n"                                  // 13
                        "    type: ldap\n"                                // 14
                        "    base_url: hr.example.org/scim\n"             // 15
                        "    auth: {bearer: inline-token}\n"              // 16
                        "    interval: 5 minutes\n"                       // 17
                        "    incremental: sometimes\n"                    // 18
                        "    deletion_guard: {max_percent: 101}\n"        // 19
                        "    page_sise: 10\n"                             // 20
                        "  - {name: hr, type: scim, base_url: 'http://h/scim', auth: {}}\n"),  // 21
              ElementsAre(placeholders("FILE:14:11: 'type' must be one of scim"),
                          placeholders("FILE:15:15: 'base_url' must be https://HOST[:PORT]/PATH (http:// only for local servers)"),
                          placeholders("FILE:16:20: 'bearer' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline value"),
                          placeholders("FILE:17:15: 'interval' must be a positive duration like 300, 90s, 15m or 2h"),
                          placeholders("FILE:18:18: 'incremental' must be one of auto, always, never"),
                          placeholders("FILE:19:35: 'max_percent' must be between 0 and 100"),
                          placeholders("FILE:20:5: unknown key 'page_sise' in source 'hr' (did you mean 'page_size'?)"),
                          placeholders("FILE:21:12: duplicate source name 'hr' (first at line 13)"),
                          placeholders("FILE:21:61: 'auth' of source 'hr' needs exactly one of 'bearer' and 'oauth2'")));
}

TEST_F(config_sources, auth_needs_exactly_one_scheme) {
  EXPECT_THAT(errors_of(kMinimal +
                        "sources:\n"
                        "  - name: hr\n"
                        "    type: scim\n"
                        "    base_url: http://h/scim\n"
                        "    auth:\n"
                        "      bearer: ${env:SOURCE_SECRET}\n"
                        "      oauth2: {token_url: 'http://h/token', client_id: c, client_secret: '${env:SOURCE_SECRET}'}\n"),
              ElementsAre(placeholders("FILE:17:7: 'auth' of source 'hr' needs exactly one of 'bearer' and 'oauth2'")));
}

}  // namespace
}  // namespace idb::config::testing
