// Cloud target types (authing, pds): their settings, defaults, errors and summary.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "config/config.h"
#include "tests/config/config_fixture.h"

namespace idb::config::testing {

// Rows live outside the unnamed namespace so the row printer finds them.
struct BrokenCloud {
  const char* name;
  std::string target;  // the target's lines, from line 6
  std::vector<std::string> errors;
};

namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

const std::string kCloudSecret = "cloud-s3cret-value";

// Lines 1-5; the target starts at line 6.
const std::string kHead =
    "scim:\n"
    "  tokens:\n"
    "    - ${env:IDBRIDGE_SCIM_TOKEN}\n"
    "mapping: mappings/quickstart.yaml\n"
    "targets:\n";

class cloud_config : public ConfigTest {
 protected:
  cloud_config() { env_["CLOUD_SK"] = kCloudSecret; }
};

TEST_F(cloud_config, AuthingWithEveryKey) {
  write("certs/ca.pem", "-----BEGIN CERTIFICATE-----\n");
  LoadResult r = load_text(kHead +
                           "  - name: authing\n"
                           "    type: authing\n"
                           "    base_url: https://idp.example.cn:8443\n"
                           "    ca_file: certs/ca.pem\n"
                           "    timeout_ms: 3000\n"
                           "    connect_timeout_ms: 1000\n"
                           "    rate_limit: 20\n"
                           "    max_attempts: 5\n"
                           "    auth: token\n"
                           "    access_key_id: 62a1b2c3d4e5f6\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n"
                           "    key_type: username\n"
                           "    disabled_status: Deactivated\n"
                           "    conflict_api_codes: [2026, 1410]\n");
  ASSERT_THAT(r.errors, IsEmpty());
  const AuthingTarget& a = r.config->targets[0].authing;
  EXPECT_EQ(r.config->targets[0].type, "authing");
  EXPECT_EQ(a.http.base_url, "https://idp.example.cn:8443");
  EXPECT_EQ(a.http.ca_file, dir_ / "certs/ca.pem");
  EXPECT_EQ(a.http.timeout_ms, 3000);
  EXPECT_EQ(a.http.connect_timeout_ms, 1000);
  EXPECT_EQ(a.http.rate_limit, 20);
  EXPECT_EQ(a.http.max_attempts, 5);
  EXPECT_EQ(a.auth, "token");
  EXPECT_EQ(a.access_key_id, "62a1b2c3d4e5f6");
  EXPECT_EQ(a.access_key_secret.reference, "${env:CLOUD_SK}");
  EXPECT_EQ(a.access_key_secret.value, kCloudSecret);
  EXPECT_EQ(a.key_type, "username");
  EXPECT_EQ(a.disabled_status, "Deactivated");
  EXPECT_EQ(a.conflict_api_codes, (std::vector<int>{2026, 1410}));
}

TEST_F(cloud_config, AuthingDefaults) {
  LoadResult r = load_text(kHead +
                           "  - name: authing\n"
                           "    type: authing\n"
                           "    access_key_id: pool\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  const AuthingTarget& a = r.config->targets[0].authing;
  EXPECT_EQ(a.http.base_url, "https://api.authing.cn");
  EXPECT_EQ(a.http.timeout_ms, 10000);
  EXPECT_EQ(a.http.rate_limit, 10);
  EXPECT_EQ(a.http.max_attempts, 3);
  EXPECT_EQ(a.auth, "signature");
  EXPECT_EQ(a.key_type, "external_id");
  EXPECT_EQ(a.disabled_status, "Suspended");
  EXPECT_EQ(a.conflict_api_codes, std::vector<int>{2026});
}

TEST_F(cloud_config, PdsEndpointFollowsTheDomainUnlessGiven) {
  LoadResult r = load_text(kHead +
                           "  - name: pds\n"
                           "    type: pds\n"
                           "    domain_id: bj1\n"
                           "    access_key_id: ${env:DOMAIN}\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n"
                           "  - name: pds-private\n"
                           "    type: pds\n"
                           "    domain_id: bj2\n"
                           "    base_url: http://127.0.0.1:9000\n"
                           "    rate_limit: 0\n"
                           "    access_key_id: LTAI\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->targets[0].pds.http.base_url, "https://bj1.api.aliyunpds.com");
  EXPECT_EQ(r.config->targets[0].pds.access_key_id, "example");
  EXPECT_EQ(r.config->targets[0].pds.access_key_secret.value, kCloudSecret);
  EXPECT_EQ(r.config->targets[1].pds.http.base_url, "http://127.0.0.1:9000");
  EXPECT_EQ(r.config->targets[1].pds.http.rate_limit, 0);
}

TEST_F(cloud_config, TokenModesReadTheirCredentials) {
  env_["PDS_KEY"] = "-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n";
  LoadResult r = load_text(kHead +
                           "  - name: pds\n"
                           "    type: pds\n"
                           "    domain_id: bj1\n"
                           "    auth: token\n"
                           "    client_id: app-1\n"
                           "    private_key: ${env:PDS_KEY}\n"
                           "  - name: workspace\n"
                           "    type: huawei\n"
                           "    region: ap-southeast-3\n"
                           "    project_id: p1\n"
                           "    auth: token\n"
                           "    iam_domain: acme\n"
                           "    iam_user: idbridge\n"
                           "    iam_password: ${env:CLOUD_SK}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  const PdsTarget& p = r.config->targets[0].pds;
  EXPECT_EQ(p.auth, "token");
  EXPECT_EQ(p.client_id, "app-1");
  EXPECT_EQ(p.private_key.value, env_["PDS_KEY"]);
  const HuaweiTarget& h = r.config->targets[1].huawei;
  EXPECT_EQ(h.auth, "token");
  EXPECT_EQ(h.iam_url, "https://iam.ap-southeast-3.myhuaweicloud.com");
  EXPECT_EQ(h.iam_domain, "acme");
  EXPECT_EQ(h.iam_user, "idbridge");
  EXPECT_EQ(h.iam_password.value, kCloudSecret);
  const std::string summary = summarize(*r.config);
  EXPECT_THAT(summary, HasSubstr("private_key: ${env:PDS_KEY} (set)"));
  EXPECT_THAT(summary, HasSubstr("iam_password: ${env:CLOUD_SK} (set)"));
  EXPECT_THAT(summary, Not(HasSubstr(kCloudSecret)));
  EXPECT_THAT(summary, Not(HasSubstr("BEGIN PRIVATE KEY")));
}

TEST_F(cloud_config, EiamEndpointFollowsTheRegionUnlessGiven) {
  LoadResult r = load_text(kHead +
                           "  - name: eiam\n"
                           "    type: eiam\n"
                           "    region: ap-southeast-1\n"
                           "    instance_id: idaas_ue2jvisn35ea5lmthk267xxxxx\n"
                           "    organizational_unit_id: ou_root\n"
                           "    access_key_id: LTAI\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n"
                           "  - name: eiam-default\n"
                           "    type: eiam\n"
                           "    instance_id: idaas_x\n"
                           "    organizational_unit_id: ou_x\n"
                           "    access_key_id: LTAI\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  const EiamTarget& e = r.config->targets[0].eiam;
  EXPECT_EQ(e.http.base_url, "https://eiam.ap-southeast-1.aliyuncs.com");
  EXPECT_EQ(e.instance_id, "idaas_ue2jvisn35ea5lmthk267xxxxx");
  EXPECT_EQ(e.organizational_unit_id, "ou_root");
  EXPECT_EQ(e.access_key_secret.value, kCloudSecret);
  EXPECT_EQ(r.config->targets[1].eiam.region, "cn-hangzhou");
  EXPECT_EQ(r.config->targets[1].eiam.http.base_url, "https://eiam.cn-hangzhou.aliyuncs.com");
  EXPECT_THAT(summarize(*r.config), HasSubstr("  region: ap-southeast-1\n"
                                              "  instance_id: idaas_ue2jvisn35ea5lmthk267xxxxx\n"
                                              "  organizational_unit_id: ou_root\n"
                                              "  access_key_id: LTAI\n"
                                              "  access_key_secret: ${env:CLOUD_SK} (set)\n"));
}

TEST_F(cloud_config, HuaweiEndpointFollowsTheRegionUnlessGiven) {
  LoadResult r = load_text(kHead +
                           "  - name: workspace\n"
                           "    type: huawei\n"
                           "    region: ap-southeast-3\n"
                           "    project_id: 0bec5db98280d2d02fd6c00c2de791ce\n"
                           "    access_key_id: HWAK\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  const HuaweiTarget& h = r.config->targets[0].huawei;
  EXPECT_EQ(h.http.base_url, "https://workspace.ap-southeast-3.myhuaweicloud.com");
  EXPECT_EQ(h.project_id, "0bec5db98280d2d02fd6c00c2de791ce");
  EXPECT_EQ(h.access_key_secret.value, kCloudSecret);
  EXPECT_THAT(summarize(*r.config), HasSubstr("  region: ap-southeast-3\n"
                                              "  project_id: 0bec5db98280d2d02fd6c00c2de791ce\n"
                                              "  auth: signature\n"
                                              "  access_key_id: HWAK\n"
                                              "  access_key_secret: ${env:CLOUD_SK} (set)\n"));
  EXPECT_THAT(summarize(*r.config), Not(HasSubstr(kCloudSecret)));
}

TEST_F(cloud_config, SenseCoreInferredPartsAreSettings) {
  LoadResult r = load_text(kHead +
                           "  - name: sensecore\n"
                           "    type: sensecore\n"
                           "    access_key_id: SCAK\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n"
                           "    update_method: PUT\n"
                           "    disabled_field: open_api_state\n"
                           "    disabled_value: \"off\"\n"
                           "    enabled_value: \"on\"\n");
  ASSERT_THAT(r.errors, IsEmpty());
  const SenseCoreTarget& s = r.config->targets[0].sensecore;
  EXPECT_EQ(s.http.base_url, "https://iam.sensecoreapi.cn");
  EXPECT_EQ(s.update_method, "PUT");
  EXPECT_EQ(s.disabled_field, "open_api_state");
  EXPECT_EQ(s.disabled_value, "off");
  EXPECT_EQ(s.enabled_value, "on");
  EXPECT_THAT(summarize(*r.config), HasSubstr("  access_key_secret: ${env:CLOUD_SK} (set)\n"
                                              "  update_method: PUT\n"
                                              "  disable: open_api_state=off (active: on)\n"));
  EXPECT_THAT(summarize(*r.config), Not(HasSubstr(kCloudSecret)));
}

TEST_F(cloud_config, SummaryShowsReferencesNeverSecrets) {
  LoadResult r = load_text(kHead +
                           "  - name: authing\n"
                           "    type: authing\n"
                           "    access_key_id: pool\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n"
                           "  - name: pds\n"
                           "    type: pds\n"
                           "    domain_id: bj1\n"
                           "    rate_limit: 0\n"
                           "    access_key_id: LTAI\n"
                           "    access_key_secret: ${env:CLOUD_SK}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  const std::string summary = summarize(*r.config);
  EXPECT_THAT(summary, HasSubstr("target authing: type authing\n"
                                 "  leaving_scope: disable\n"
                                 "  base_url: https://api.authing.cn\n"
                                 "  timeout: 10000 ms (connect 5000 ms), 3 attempts per request\n"
                                 "  rate limit: 10 requests/s\n"
                                 "  auth: signature\n"
                                 "  access_key_id: pool\n"
                                 "  access_key_secret: ${env:CLOUD_SK} (set)\n"
                                 "  key_type: external_id\n"
                                 "  disabled_status: Suspended\n"));
  EXPECT_THAT(summary, HasSubstr("target pds: type pds\n"
                                 "  leaving_scope: disable\n"
                                 "  base_url: https://bj1.api.aliyunpds.com\n"
                                 "  timeout: 10000 ms (connect 5000 ms), 3 attempts per request\n"
                                 "  rate limit: none\n"
                                 "  domain_id: bj1\n"
                                 "  auth: signature\n"
                                 "  access_key_id: LTAI\n"
                                 "  access_key_secret: ${env:CLOUD_SK} (set)\n"));
  EXPECT_THAT(summary, Not(HasSubstr(kCloudSecret)));
}

}  // namespace

const BrokenCloud kBrokenCloud[] = {
    {"AuthingMissingCredentials", "  - name: a\n    type: authing\n",
     {"FILE:6:5: missing required key 'access_key_id' in target 'a'",
      "FILE:6:5: missing required key 'access_key_secret' in target 'a'"}},
    {"AuthingInlineSecret",
     "  - name: a\n    type: authing\n    access_key_id: pool\n    access_key_secret: hunter2\n",
     {"FILE:9:24: 'access_key_secret' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline value"}},
    {"AuthingUnsetSecret",
     "  - name: a\n    type: authing\n    access_key_id: pool\n    access_key_secret: ${env:NOPE}\n",
     {"FILE:9:24: environment variable 'NOPE' is not set"}},
    {"AuthingBadEnums",
     "  - name: a\n    type: authing\n    access_key_id: pool\n    access_key_secret: ${env:CLOUD_SK}\n"
     "    auth: password\n    key_type: user_id\n    disabled_status: Gone\n",
     {"FILE:10:11: 'auth' must be one of signature, token",
      "FILE:11:15: 'key_type' must be one of external_id, username, email, phone",
      "FILE:12:22: 'disabled_status' must be one of Suspended, Deactivated, Resigned, Archived"}},
    {"AuthingLdapKeyIsUnknown",
     "  - name: a\n    type: authing\n    access_key_id: pool\n    access_key_secret: ${env:CLOUD_SK}\n"
     "    bind_dn: cn=x\n",
     {"FILE:10:5: unknown key 'bind_dn' in target 'a'"}},
    {"AuthingBadBaseUrls",
     "  - name: a\n    type: authing\n    access_key_id: pool\n    access_key_secret: ${env:CLOUD_SK}\n"
     "    base_url: https://api.authing.cn/api/v3\n",
     {"FILE:10:15: 'base_url' must be https://HOST[:PORT] (http:// only for local servers), with no path"}},
    {"AuthingFtpUrl",
     "  - name: a\n    type: authing\n    access_key_id: pool\n    access_key_secret: ${env:CLOUD_SK}\n"
     "    base_url: ftp://x\n",
     {"FILE:10:15: 'base_url' must be https://HOST[:PORT] (http:// only for local servers), with no path"}},
    {"AuthingBadNumbers",
     "  - name: a\n    type: authing\n    access_key_id: pool\n    access_key_secret: ${env:CLOUD_SK}\n"
     "    timeout_ms: 0\n    rate_limit: -1\n    max_attempts: 0\n    conflict_api_codes: [x]\n",
     {"FILE:10:17: 'timeout_ms' must be a positive integer", "FILE:11:17: 'rate_limit' must not be negative",
      "FILE:12:19: 'max_attempts' must be a positive integer",
      "FILE:13:26: 'conflict_api_codes[0]' must be an integer"}},
    {"AuthingMissingCaFile",
     "  - name: a\n    type: authing\n    access_key_id: pool\n    access_key_secret: ${env:CLOUD_SK}\n"
     "    ca_file: none.pem\n",
     {"FILE:10:14: cannot read 'ca_file' file 'DIR/none.pem': No such file or directory"}},
    {"PdsMissingDomain", "  - name: p\n    type: pds\n    access_key_id: LTAI\n    access_key_secret: ${env:CLOUD_SK}\n",
     {"FILE:6:5: missing required key 'domain_id' in target 'p'"}},
    {"PdsBadDomain",
     "  - name: p\n    type: pds\n    domain_id: bj1.evil.com/\n    access_key_id: LTAI\n"
     "    access_key_secret: ${env:CLOUD_SK}\n",
     {"FILE:8:16: 'domain_id' must be made of letters, digits and '-' only"}},
    {"PdsAuthingKeyIsUnknown",
     "  - name: p\n    type: pds\n    domain_id: bj1\n    access_key_id: LTAI\n"
     "    access_key_secret: ${env:CLOUD_SK}\n    key_type: username\n",
     {"FILE:11:5: unknown key 'key_type' in target 'p'"}},
    {"EiamMissingIds", "  - name: e\n    type: eiam\n    access_key_id: LTAI\n    access_key_secret: ${env:CLOUD_SK}\n",
     {"FILE:6:5: missing required key 'instance_id' in target 'e'",
      "FILE:6:5: missing required key 'organizational_unit_id' in target 'e'"}},
    {"EiamBadRegion",
     "  - name: e\n    type: eiam\n    region: cn hangzhou\n    instance_id: i\n    organizational_unit_id: o\n"
     "    access_key_id: LTAI\n    access_key_secret: ${env:CLOUD_SK}\n",
     {"FILE:8:13: 'region' must be made of letters, digits and '-' only"}},
    {"HuaweiMissingProject", "  - name: h\n    type: huawei\n    access_key_id: HWAK\n    access_key_secret: ${env:CLOUD_SK}\n",
     {"FILE:6:5: missing required key 'project_id' in target 'h'"}},
    {"HuaweiProjectWithSlash",
     "  - name: h\n    type: huawei\n    project_id: a/../b\n    access_key_id: HWAK\n    access_key_secret: ${env:CLOUD_SK}\n",
     {"FILE:8:17: 'project_id' must be made of letters, digits and '-' only"}},
    {"PdsTokenModeNeedsAppAndKey",
     "  - name: p\n    type: pds\n    domain_id: bj1\n    auth: token\n",
     {"FILE:6:5: missing required key 'client_id' in target 'p'",
      "FILE:6:5: missing required key 'private_key' in target 'p'"}},
    {"HuaweiTokenModeNeedsIamLogin",
     "  - name: h\n    type: huawei\n    project_id: p1\n    auth: token\n    iam_url: https://iam.x/v3\n",
     {"FILE:6:5: missing required key 'iam_domain' in target 'h'",
      "FILE:6:5: missing required key 'iam_user' in target 'h'",
      "FILE:6:5: missing required key 'iam_password' in target 'h'",
      "FILE:10:14: 'iam_url' must be https://HOST[:PORT] (http:// only for local servers), with no path"}},
    {"SenseCoreBadSettings",
     "  - name: s\n    type: sensecore\n    access_key_id: SCAK\n    access_key_secret: ${env:CLOUD_SK}\n"
     "    update_method: POST\n    disabled_field: status\n",
     {"FILE:10:20: 'update_method' must be one of PATCH, PUT",
      "FILE:11:21: 'disabled_field' must be one of console_state, open_api_state, mfa_state"}},
};

class BrokenCloudConfig : public ConfigTest, public ::testing::WithParamInterface<BrokenCloud> {
 protected:
  BrokenCloudConfig() { env_["CLOUD_SK"] = kCloudSecret; }
};

TEST_P(BrokenCloudConfig, ReportsExactlyTheseErrors) {
  std::vector<std::string> expected;
  for (const std::string& e : GetParam().errors) expected.push_back(placeholders(e));
  std::vector<std::string> actual = errors_of(kHead + GetParam().target);
  EXPECT_EQ(actual, expected);
  for (const std::string& message : actual) {
    EXPECT_THAT(message, Not(HasSubstr(kCloudSecret)));
    EXPECT_THAT(message, Not(HasSubstr("hunter2")));
  }
}

INSTANTIATE_TEST_SUITE_P(cloud_config, BrokenCloudConfig, ::testing::ValuesIn(kBrokenCloud), row_name);

}  // namespace idb::config::testing
