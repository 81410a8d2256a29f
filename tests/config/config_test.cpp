#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "config/config.h"
#include "tests/config/config_fixture.h"

namespace idb::config::testing {

// Table rows live outside the unnamed namespace so that the row printer
// in config_fixture.h is found for them.
struct Broken {
  const char* name;
  std::string yaml;
  // "FILE" stands for the config file, "DIR" for its folder.
  std::vector<std::string> errors;
};

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;

// Lines 1-5; a target's lines start at line 6.
const std::string kHead =
    "scim:\n"
    "  tokens:\n"
    "    - ${env:IDBRIDGE_SCIM_TOKEN}\n"
    "mapping: mappings/quickstart.yaml\n"
    "targets:\n";

// Lines 6-11.
const std::string kTarget =
    "  - name: ldap\n"
    "    type: ldap\n"
    "    url: ${env:IDBRIDGE_LDAP_URL}\n"
    "    bind_dn: cn=admin,dc=example,dc=org\n"
    "    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}\n"
    "    base_dn: dc=example,dc=org\n";

// Lines 6-9, for cases that vary the password (line 10).
const std::string kTargetToPassword =
    "  - name: ldap\n"
    "    type: ldap\n"
    "    url: ldap://x\n"
    "    bind_dn: cn=a\n";

// scim: with extensions (lines 1-3); a case adds its extensions from line 4, then kRest.
const std::string kScimExt = "scim:\n  tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]\n  extensions:\n";
const std::string kRest = "mapping: mappings/quickstart.yaml\ntargets:\n" + kTarget;

// A valid config of 11 lines; cases append from line 12.
const std::string kMinimal = kHead + kTarget;

const std::string kFullExample = R"(listen: "127.0.0.1:8080"
state_dir: /var/lib/idbridge
log:
  level: info
  format: text
scim:
  tokens:
    - ${env:IDBRIDGE_SCIM_TOKEN}
  max_body_bytes: 1048576
  bulk: {max_operations: 50, max_payload_bytes: 2097152}
mapping: mappings/quickstart.yaml
retry:
  initial_ms: 1000
  max_ms: 300000
  max_attempts: 0
targets:
  - name: ldap
    type: ldap
    url: ${env:IDBRIDGE_LDAP_URL}
    bind_dn: cn=admin,dc=example,dc=org
    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}
    base_dn: dc=example,dc=org
    timeout_ms: 10000
    disable:
      attribute: employeeType
      value: disabled
)";

// ---------------------------------------------------------------- valid configs

TEST_F(config_load, FullExampleLoadsEveryField) {
  LoadResult r = load_text(kFullExample);
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_TRUE(r.config);
  const Config& c = *r.config;
  EXPECT_EQ(c.file, config_path_);
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.state_dir, "/var/lib/idbridge");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.log_format, "text");
  ASSERT_EQ(c.scim_tokens.size(), 1u);
  EXPECT_EQ(c.scim_tokens[0].reference, "${env:IDBRIDGE_SCIM_TOKEN}");
  EXPECT_EQ(c.scim_tokens[0].value, kScimToken);
  EXPECT_EQ(c.scim_max_body_bytes, 1048576);
  EXPECT_EQ(c.scim_bulk_max_operations, 50);
  EXPECT_EQ(c.scim_bulk_max_payload_bytes, 2097152);
  EXPECT_EQ(c.mapping_file, dir_ / "mappings/quickstart.yaml");
  EXPECT_EQ(c.mapping_location.file, config_path_.string());
  EXPECT_EQ(c.mapping_location.line, 11);
  EXPECT_EQ(c.mapping_location.column, 10);
  EXPECT_EQ(c.retry.initial_ms, 1000);
  EXPECT_EQ(c.retry.max_ms, 300000);
  EXPECT_EQ(c.retry.max_attempts, 0);
  ASSERT_EQ(c.targets.size(), 1u);
  const Target& t = c.targets[0];
  EXPECT_EQ(t.name, "ldap");
  EXPECT_EQ(t.type, "ldap");
  EXPECT_EQ(t.ldap.url, "ldap://ldap.example.org:389");
  EXPECT_EQ(t.ldap.bind_dn, "cn=admin,dc=example,dc=org");
  EXPECT_EQ(t.ldap.bind_password.reference, "${env:IDBRIDGE_LDAP_PASSWORD}");
  EXPECT_EQ(t.ldap.bind_password.value, kLdapPassword);
  EXPECT_EQ(t.ldap.base_dn, "dc=example,dc=org");
  EXPECT_EQ(t.ldap.timeout_ms, 10000);
  EXPECT_EQ(t.ldap.disable.attribute, "employeeType");
  EXPECT_EQ(t.ldap.disable.value, "disabled");
  EXPECT_TRUE(t.ldap.tuning.record_versions) << "the default";
}

TEST_F(config_load, MinimalConfigTakesDefaults) {
  LoadResult r = load_text(kMinimal);
  ASSERT_THAT(r.errors, IsEmpty());
  const Config& c = *r.config;
  EXPECT_EQ(c.listen, "127.0.0.1:8080");
  EXPECT_EQ(c.state_dir, "/var/lib/idbridge");
  EXPECT_EQ(c.log_level, "info");
  EXPECT_EQ(c.log_format, "text");
  EXPECT_EQ(c.scim_max_body_bytes, 1 << 20);
  EXPECT_EQ(c.retry.initial_ms, 1000);
  EXPECT_EQ(c.retry.max_ms, 300000);
  EXPECT_EQ(c.retry.max_attempts, 0);
  EXPECT_EQ(c.full_sync_interval_s, 0);
  EXPECT_EQ(c.audit_retention_days, 365);
  EXPECT_EQ(c.targets[0].ldap.timeout_ms, 10000);
  EXPECT_EQ(c.targets[0].ldap.disable.attribute, "employeeType");
  EXPECT_EQ(c.targets[0].ldap.disable.value, "disabled");
  EXPECT_EQ(c.targets[0].deletion.policy, "never");
  EXPECT_EQ(c.targets[0].deletion.grace_days, 30);
  EXPECT_EQ(c.targets[0].leaving_scope, "disable");
}

TEST_F(config_load, DisableByMoveSetsNoAttributeUnlessAsked) {
  LoadResult moved = load_text(kMinimal + "    disable: {move_to: \"ou=disabled,dc=example,dc=org\"}\n");
  ASSERT_THAT(moved.errors, IsEmpty());
  EXPECT_EQ(moved.config->targets[0].ldap.disable.move_to, "ou=disabled,dc=example,dc=org");
  EXPECT_EQ(moved.config->targets[0].ldap.disable.attribute, "");
  EXPECT_THAT(summarize(*moved.config), HasSubstr("disable: moved to ou=disabled,dc=example,dc=org"));
  LoadResult both = load_text(kMinimal + "    disable: {attribute: description, value: gone, move_to: \"ou=old,dc=x\"}\n");
  ASSERT_THAT(both.errors, IsEmpty());
  EXPECT_EQ(both.config->targets[0].ldap.disable.attribute, "description");
  EXPECT_EQ(both.config->targets[0].ldap.disable.move_to, "ou=old,dc=x");
}

TEST_F(config_load, DeletePolicyOfATarget) {
  LoadResult r = load_text(kMinimal + "    delete: {policy: after_delete, grace_days: 7}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->targets[0].deletion.policy, "after_delete");
  EXPECT_EQ(r.config->targets[0].deletion.grace_days, 7);
  EXPECT_THAT(summarize(*r.config), HasSubstr("delete: after_delete, 7 day(s) after the disable"));
}

TEST_F(config_load, LeavingTheScopeOfATarget) {
  LoadResult r = load_text(kMinimal + "    leaving_scope: keep\n");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->targets[0].leaving_scope, "keep");
  EXPECT_THAT(summarize(*r.config), HasSubstr("  leaving_scope: keep\n"));
}

TEST_F(config_load, EmptySectionsKeepTheirDefaults) {
  LoadResult r = load_text(kMinimal + "log:\nretry:\n");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->log_level, "info");
  EXPECT_EQ(r.config->retry.max_ms, 300000);
}

TEST_F(config_load, AcceptsOtherValidValues) {
  LoadResult r = load_text(kMinimal +
                           "listen: \"[::1]:0\"\n"
                           "log: {level: trace, format: json}\n"
                           "retry: {initial_ms: 5, max_ms: 5, max_attempts: 7}\n"
                           "full_sync: {interval_s: 3600}\n"
                           "audit: {retention_days: 0}\n"
                           "    # a comment\n");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->listen, "[::1]:0");
  EXPECT_EQ(r.config->log_level, "trace");
  EXPECT_EQ(r.config->log_format, "json");
  EXPECT_EQ(r.config->retry.max_attempts, 7);
  EXPECT_EQ(r.config->full_sync_interval_s, 3600);
  EXPECT_EQ(r.config->audit_retention_days, 0);
}

TEST_F(config_load, ScimExtensionsAndTls) {
  write("tls/scim.pem", "cert");
  write("tls/scim.key", "key");
  LoadResult r = load_text(
      "scim:\n"
      "  tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]\n"
      "  tls: {cert_file: tls/scim.pem, key_file: tls/scim.key, client_ca_file: tls/scim.pem}\n"
      "  extensions:\n"
      "    - urn: urn:example:params:scim:schemas:extension:acme:2.0:User\n"
      "      attributes:\n"
      "        - {name: badge, required: true}\n"
      "        - {name: level, type: integer, mutability: readOnly}\n"
      "        - {name: clearance, canonical_values: [low, high]}\n"
      "        - name: office\n"
      "          type: complex\n"
      "          multi_valued: true\n"
      "          sub_attributes: [{name: building}, {name: floor, type: integer}]\n"
      "    - {urn: 'urn:example:acme:Group', resource_type: Group, required: true, name: Team,\n"
      "       attributes: [{name: costCode, case_exact: true, returned: always}]}\n"
      "mapping: mappings/quickstart.yaml\n"
      "targets:\n" + kTarget);
  ASSERT_THAT(r.errors, IsEmpty());
  const Config& c = *r.config;
  EXPECT_EQ(c.scim_tls_cert_file, (dir_ / "tls/scim.pem").string());
  EXPECT_EQ(c.scim_tls_key_file, (dir_ / "tls/scim.key").string());
  EXPECT_EQ(c.scim_tls_client_ca_file, (dir_ / "tls/scim.pem").string());
  ASSERT_EQ(c.scim_extensions.size(), 2u);
  const ScimExtension& acme = c.scim_extensions[0];
  EXPECT_EQ(acme.name, "User");  // the URN's last part when not given
  EXPECT_EQ(acme.resource_type, "User");
  EXPECT_FALSE(acme.required);
  ASSERT_EQ(acme.attributes.size(), 4u);
  EXPECT_TRUE(acme.attributes[0].required);
  EXPECT_EQ(acme.attributes[1].type, "integer");
  EXPECT_EQ(acme.attributes[1].mutability, "readOnly");
  EXPECT_EQ(acme.attributes[2].canonical_values, (std::vector<std::string>{"low", "high"}));
  EXPECT_TRUE(acme.attributes[3].multi_valued);
  EXPECT_EQ(acme.attributes[3].sub_attributes[1].type, "integer");
  const ScimExtension& team = c.scim_extensions[1];
  EXPECT_EQ(team.name, "Team");
  EXPECT_EQ(team.resource_type, "Group");
  EXPECT_TRUE(team.required);
  EXPECT_TRUE(team.attributes[0].case_exact);
  EXPECT_EQ(team.attributes[0].returned, "always");
}

TEST_F(config_load, SeveralTargetsAndTokens) {
  write("secrets/token2", "second-token\n");
  LoadResult r = load_text(
      "scim:\n"
      "  tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\", \"${file:secrets/token2}\"]\n"
      "mapping: mappings/quickstart.yaml\n"
      "targets:\n" +
      kTarget +
      "  - name: ldap_2-b\n"
      "    type: ldap\n"
      "    url: ldaps://replica.example.org\n"
      "    bind_dn: cn=sync\n"
      "    bind_password: ${file:secrets/token2}\n"
      "    base_dn: ou=people\n"
      "    disable: {attribute: nsAccountLock, value: \"TRUE\"}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  ASSERT_EQ(r.config->scim_tokens.size(), 2u);
  EXPECT_EQ(r.config->scim_tokens[1].value, "second-token");
  EXPECT_EQ(r.config->scim_bulk_max_operations, 1000);  // the defaults
  EXPECT_EQ(r.config->scim_bulk_max_payload_bytes, 1 << 20);
  ASSERT_EQ(r.config->targets.size(), 2u);
  EXPECT_EQ(r.config->targets[1].name, "ldap_2-b");
  EXPECT_EQ(r.config->targets[1].ldap.url, "ldaps://replica.example.org");
  EXPECT_EQ(r.config->targets[1].ldap.disable.attribute, "nsAccountLock");
  EXPECT_EQ(r.config->targets[1].ldap.disable.value, "TRUE");
}

// ---------------------------------------------------------------- relative paths

TEST_F(config_load, RelativePathsResolveAgainstTheConfigFolder) {
  write("maps/m.yaml", "x: 1\n");
  LoadResult r = load_text(kHead + kTarget + "state_dir: ./var/../state\n" + "");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->state_dir, dir_ / "state");
  EXPECT_EQ(r.config->mapping_file, dir_ / "mappings/quickstart.yaml");
}

TEST_F(config_load, AbsolutePathsStayAsWritten) {
  write("maps/m.yaml", "x: 1\n");
  std::string mapping = (dir_ / "maps/m.yaml").string();
  LoadResult r = load_text("scim: {tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]}\nmapping: " + mapping +
                           "\nstate_dir: /srv/idb\ntargets:\n" + kTarget);
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->state_dir, "/srv/idb");
  EXPECT_EQ(r.config->mapping_file, mapping);
}

TEST_F(config_load, ConfigGivenByRelativePathStillResolvesAgainstItsFolder) {
  write(config_path_.filename(), kMinimal + "state_dir: state\n");
  std::filesystem::path cwd = std::filesystem::current_path();
  std::filesystem::current_path(dir_.parent_path());
  LoadResult r = load(dir_.filename() / config_path_.filename(), env());
  std::filesystem::current_path(cwd);
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->state_dir, dir_ / "state");
  EXPECT_EQ(r.config->mapping_file, dir_ / "mappings/quickstart.yaml");
}

// ---------------------------------------------------------------- broken configs

const Broken kBroken[] = {
    // Top level.
    {"UnknownKeyWithSuggestion", kMinimal + "lisen: 1.2.3.4:80\n",
     {"FILE:12:1: unknown key 'lisen' (did you mean 'listen'?)"}},
    {"UnknownKeyWithoutSuggestion", kMinimal + "frobnicate: 1\n", {"FILE:12:1: unknown key 'frobnicate'"}},
    {"NonStringKey", kMinimal + "[a, b]: 1\n", {"FILE:12:1: keys must be strings"}},
    {"DuplicateKey", kMinimal + "mapping: other.yaml\n", {"FILE:12:1: duplicate key 'mapping' (first at line 4)"}},
    {"MissingEverything", "listen: 1.2.3.4:80\n",
     {"FILE:1:1: missing required key 'scim'", "FILE:1:1: missing required key 'mapping'",
      "FILE:1:1: missing required key 'targets'"}},
    {"RequiredKeyWithoutValue", "scim:\nmapping: mappings/quickstart.yaml\ntargets:\n" + kTarget,
     {"FILE:1:1: missing value for required key 'scim'"}},
    {"NotAMapping", "- listen\n", {"FILE:1:1: the config file must be a mapping of keys to values"}},
    {"SyntaxError", "listen: [1\n", {"FILE:2:1: end of sequence flow not found"}},
    {"IllegalMapValue", "listen: a: b\n", {"FILE:1:10: illegal map value"}},

    // listen.
    {"ListenWithoutPort", kMinimal + "listen: localhost\n",
     {"FILE:12:9: 'listen' must be HOST:PORT (IPv6 as [::1]:8080)"}},
    {"ListenNamedPort", kMinimal + "listen: localhost:http\n",
     {"FILE:12:9: 'listen' must be HOST:PORT (IPv6 as [::1]:8080)"}},
    {"ListenPortTooLarge", kMinimal + "listen: 127.0.0.1:65536\n",
     {"FILE:12:9: 'listen' must be HOST:PORT (IPv6 as [::1]:8080)"}},
    {"ListenWithoutHost", kMinimal + "listen: \":8080\"\n",
     {"FILE:12:9: 'listen' must be HOST:PORT (IPv6 as [::1]:8080)"}},
    {"ListenIpv6WithoutBrackets", kMinimal + "listen: \"::1:8080\"\n",
     {"FILE:12:9: 'listen' must be HOST:PORT (IPv6 as [::1]:8080)"}},
    {"ListenNotAString", kMinimal + "listen: [a]\n", {"FILE:12:9: 'listen' must be a string"}},

    // state_dir, log.
    {"StateDirNotAString", kMinimal + "state_dir: {a: 1}\n", {"FILE:12:12: 'state_dir' must be a string"}},
    {"LogNotAMapping", kMinimal + "log: debug\n", {"FILE:12:6: 'log' must be a mapping"}},
    {"LogLevelUnknown", kMinimal + "log:\n  level: verbose\n",
     {"FILE:13:10: 'level' must be one of trace, debug, info, warn, error"}},
    {"LogFormatUnknown", kMinimal + "log:\n  format: xml\n", {"FILE:13:11: 'format' must be one of text, json"}},
    {"LogUnknownKey", kMinimal + "log:\n  levle: info\n",
     {"FILE:13:3: unknown key 'levle' in 'log' (did you mean 'level'?)"}},
    {"LogDuplicateKey", kMinimal + "log:\n  level: info\n  level: debug\n",
     {"FILE:14:3: duplicate key 'level' in 'log' (first at line 13)"}},

    // retry.
    {"RetryInitialNegative", kMinimal + "retry:\n  initial_ms: -5\n",
     {"FILE:13:15: 'initial_ms' must be a positive integer"}},
    {"RetryInitialZero", kMinimal + "retry:\n  initial_ms: 0\n",
     {"FILE:13:15: 'initial_ms' must be a positive integer"}},
    {"RetryMaxBelowInitial", kMinimal + "retry:\n  initial_ms: 5000\n  max_ms: 100\n",
     {"FILE:14:11: 'max_ms' must be at least 'initial_ms' (5000)"}},
    {"RetryMaxBelowDefaultInitial", kMinimal + "retry:\n  max_ms: 10\n",
     {"FILE:13:11: 'max_ms' must be at least 'initial_ms' (1000)"}},
    {"FullSyncNegative", kMinimal + "full_sync:\n  interval_s: -1\n",
     {"FILE:13:15: 'interval_s' must not be negative"}},
    {"FullSyncUnknownKey", kMinimal + "full_sync:\n  every: 60\n",
     {"FILE:13:3: unknown key 'every' in 'full_sync'"}},
    {"AuditRetentionNegative", kMinimal + "audit:\n  retention_days: -1\n",
     {"FILE:13:19: 'retention_days' must not be negative"}},
    {"RetryBadInitialDoesNotAlsoBlameMax", kMinimal + "retry:\n  initial_ms: x\n  max_ms: 10\n",
     {"FILE:13:15: 'initial_ms' must be an integer"}},
    {"RetryAttemptsNegative", kMinimal + "retry:\n  max_attempts: -1\n",
     {"FILE:13:17: 'max_attempts' must not be negative"}},
    {"RetryQuotedInteger", kMinimal + "retry:\n  initial_ms: \"10\"\n",
     {"FILE:13:15: 'initial_ms' must be an integer"}},
    {"RetryFraction", kMinimal + "retry:\n  initial_ms: 1.5\n", {"FILE:13:15: 'initial_ms' must be an integer"}},
    {"RetryTrailingText", kMinimal + "retry:\n  initial_ms: 10ms\n", {"FILE:13:15: 'initial_ms' must be an integer"}},
    {"RetryHuge", kMinimal + "retry:\n  initial_ms: 99999999999999999999\n",
     {"FILE:13:15: 'initial_ms' is out of range"}},
    {"RetryIntegerAsList", kMinimal + "retry:\n  max_attempts: [1]\n",
     {"FILE:13:17: 'max_attempts' must be an integer"}},

    // scim.
    {"ScimNotAMapping", "scim: token\nmapping: mappings/quickstart.yaml\ntargets:\n" + kTarget,
     {"FILE:1:7: 'scim' must be a mapping"}},
    {"ScimTokensMisspelled", "scim:\n  tokns: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]\nmapping: mappings/quickstart.yaml\n"
                             "targets:\n" + kTarget,
     {"FILE:2:3: unknown key 'tokns' in 'scim' (did you mean 'tokens'?)",
      "FILE:2:3: missing required key 'tokens' in 'scim'"}},
    {"ScimTokensEmpty", "scim:\n  tokens: []\nmapping: mappings/quickstart.yaml\ntargets:\n" + kTarget,
     {"FILE:2:11: 'tokens' must not be empty"}},
    {"ScimTokensNotAList", "scim:\n  tokens: ${env:IDBRIDGE_SCIM_TOKEN}\nmapping: mappings/quickstart.yaml\n"
                           "targets:\n" + kTarget,
     {"FILE:2:11: 'tokens' must be a list"}},
    {"ScimTokenInline", "scim:\n  tokens:\n    - ${env:IDBRIDGE_SCIM_TOKEN}\n    - abc123\n"
                        "mapping: mappings/quickstart.yaml\ntargets:\n" + kTarget,
     {"FILE:4:7: 'tokens[1]' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline value"}},
    {"ScimBulkZero", "scim:\n  tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]\n  bulk: {max_operations: 0}\n"
                     "mapping: mappings/quickstart.yaml\ntargets:\n" + kTarget,
     {"FILE:3:26: 'max_operations' must be a positive integer"}},
    {"ScimBulkUnknownKey", "scim:\n  tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]\n  bulk: {max_payload: 5}\n"
                           "mapping: mappings/quickstart.yaml\ntargets:\n" + kTarget,
     {"FILE:3:10: unknown key 'max_payload' in 'bulk' of 'scim'"}},
    {"ScimExtensionBadUrn", kScimExt + "    - urn: acme\n      attributes: [{name: a}]\n" + kRest,
     {"FILE:4:12: 'urn' must be a URN such as urn:example:params:scim:schemas:extension:acme:2.0:User"}},
    {"ScimExtensionBuiltinUrn",
     kScimExt + "    - urn: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User\n      attributes: [{name: a}]\n" + kRest,
     {"FILE:4:12: 'urn' names a schema idbridge already serves"}},
    {"ScimExtensionTwice",
     kScimExt + "    - {urn: 'urn:x:A', attributes: [{name: a}]}\n    - {urn: 'urn:X:a', attributes: [{name: a}]}\n" + kRest,
     {"FILE:5:13: extension 'urn:X:a' is declared twice (first at line 4)"}},
    {"ScimExtensionNoAttributes", kScimExt + "    - {urn: 'urn:x:A'}\n" + kRest,
     {"FILE:4:7: missing required key 'attributes' in 'extensions[0]'"}},
    {"ScimAttributeBadType", kScimExt + "    - {urn: 'urn:x:A', attributes: [{name: a, type: text}]}\n" + kRest,
     {"FILE:4:53: 'type' must be one of string, boolean, decimal, integer, dateTime, reference, complex"}},
    {"ScimAttributeBadName", kScimExt + "    - {urn: 'urn:x:A', attributes: [{name: 1a}]}\n" + kRest,
     {"FILE:4:44: 'name' must start with a letter and hold only letters, digits, '_' and '-' (RFC 7643 §2.1)"}},
    {"ScimAttributeTwice", kScimExt + "    - {urn: 'urn:x:A', attributes: [{name: a}, {name: A}]}\n" + kRest,
     {"FILE:4:36: extension 'urn:x:A' declares 'A' twice"}},
    {"ScimComplexWithoutSubs", kScimExt + "    - {urn: 'urn:x:A', attributes: [{name: a, type: complex}]}\n" + kRest,
     {"FILE:4:37: 'attributes[0]': a complex attribute needs 'sub_attributes'"}},
    {"ScimSubsOnString", kScimExt + "    - {urn: 'urn:x:A', attributes: [{name: a, sub_attributes: [{name: b}]}]}\n" + kRest,
     {"FILE:4:63: 'attributes[0]': 'sub_attributes' are only for type complex"}},
    {"ScimTlsWithoutKey", "scim:\n  tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]\n  tls: {cert_file: mappings/quickstart.yaml}\n" + kRest,
     {"FILE:3:8: missing required key 'key_file' in 'tls' of 'scim'"}},
    {"ScimTlsUnreadable",
     "scim:\n  tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]\n  tls: {cert_file: nope.pem, key_file: mappings/quickstart.yaml}\n" + kRest,
     {"FILE:3:20: cannot read 'cert_file' file 'DIR/nope.pem': No such file or directory"}},
    {"ScimTokenUnset", "scim:\n  tokens: [\"${env:NOPE}\"]\nmapping: mappings/quickstart.yaml\ntargets:\n" + kTarget,
     {"FILE:2:12: environment variable 'NOPE' is not set"}},
    {"ScimMaxBodyZero", "scim:\n  tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]\n  max_body_bytes: 0\n"
                        "mapping: mappings/quickstart.yaml\ntargets:\n" + kTarget,
     {"FILE:3:19: 'max_body_bytes' must be a positive integer"}},

    // mapping.
    {"MappingMissingFile", "scim: {tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]}\nmapping: mappings/none.yaml\n"
                           "targets:\n" + kTarget,
     {"FILE:2:10: cannot read 'mapping' file 'DIR/mappings/none.yaml': No such file or directory"}},
    {"MappingIsADirectory", "scim: {tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\"]}\nmapping: mappings\n"
                            "targets:\n" + kTarget,
     {"FILE:2:10: cannot read 'mapping' file 'DIR/mappings': Is a directory"}},

    // targets.
    {"TargetsEmpty", kHead.substr(0, kHead.size() - 1) + " []\n", {"FILE:5:10: 'targets' must not be empty"}},
    {"TargetsNotAList", kHead + "  name: ldap\n", {"FILE:6:3: 'targets' must be a list"}},
    {"TargetNotAMapping", kHead + "  - ldap\n", {"FILE:6:5: 'targets[0]' must be a mapping"}},
    {"TargetMissingUrl", kHead +
                             "  - name: ldap\n"
                             "    type: ldap\n"
                             "    bind_dn: cn=admin\n"
                             "    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}\n"
                             "    base_dn: dc=example,dc=org\n",
     {"FILE:6:5: missing required key 'url' in target 'ldap'"}},
    {"TargetUrlWithoutValue", kHead +
                                  "  - name: ldap\n"
                                  "    type: ldap\n"
                                  "    url:\n"
                                  "    bind_dn: cn=admin\n"
                                  "    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}\n"
                                  "    base_dn: dc=example,dc=org\n",
     {"FILE:8:5: missing value for required key 'url' in target 'ldap'"}},
    {"TargetMisspelledKey", kHead +
                                "  - name: ldap\n"
                                "    type: ldap\n"
                                "    url: ldap://localhost\n"
                                "    bind_dn: cn=admin\n"
                                "    bind_passwd: ${env:IDBRIDGE_LDAP_PASSWORD}\n"
                                "    base_dn: dc=example,dc=org\n",
     {"FILE:6:5: missing required key 'bind_password' in target 'ldap'",
      "FILE:10:5: unknown key 'bind_passwd' in target 'ldap' (did you mean 'bind_password'?)"}},
    {"TargetUnknownType", kHead + "  - name: ad\n    type: activedirectory\n",
     {"FILE:7:11: unknown target type 'activedirectory' (known: ldap, authing, pds, eiam, huawei, sensecore)"}},
    {"TargetMissingNameAndType", kHead + "  - url: ldap://x\n",
     {"FILE:6:5: missing required key 'name' in 'targets[0]'",
      "FILE:6:5: missing required key 'type' in 'targets[0]'"}},
    {"TargetBadNameIsNotUsedAsLabel", kHead + "  - name: my ldap\n    type: ldap\n    base_dn: dc=x\n",
     {"FILE:6:5: missing required key 'url' in 'targets[0]'",
      "FILE:6:5: missing required key 'bind_dn' in 'targets[0]'",
      "FILE:6:5: missing required key 'bind_password' in 'targets[0]'",
      "FILE:6:11: 'name' must be made of letters, digits, '_' and '-' only"}},
    {"TargetDuplicateName", kMinimal + kTarget, {"FILE:12:11: duplicate target name 'ldap' (first at line 6)"}},
    {"TargetUrlNotLdap", kHead + "  - name: ldap\n    type: ldap\n    url: https://ldap.example.org\n"
                                 "    bind_dn: cn=a\n    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}\n    base_dn: dc=x\n",
     {"FILE:8:10: 'url' must start with ldap:// or ldaps://"}},
    {"TargetUrlResolvesToNonLdap", kHead + "  - name: ldap\n    type: ldap\n    url: ${env:HTTP_URL}\n"
                                           "    bind_dn: cn=a\n    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}\n"
                                           "    base_dn: dc=x\n",
     {"FILE:8:10: 'url' must start with ldap:// or ldaps://"}},
    {"TargetEmptyBindDn", kHead + "  - name: ldap\n    type: ldap\n    url: ldap://x\n    bind_dn: \"\"\n"
                                  "    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}\n    base_dn: dc=x\n",
     {"FILE:9:14: 'bind_dn' must not be empty"}},
    {"TargetTimeoutNotInteger", kMinimal + "    timeout_ms: soon\n", {"FILE:12:17: 'timeout_ms' must be an integer"}},
    {"TargetTimeoutZero", kMinimal + "    timeout_ms: 0\n", {"FILE:12:17: 'timeout_ms' must be a positive integer"}},
    {"TargetTimeoutTooLargeForInt", kMinimal + "    timeout_ms: 3000000000\n",
     {"FILE:12:17: 'timeout_ms' is out of range"}},
    {"TargetDisableNotAMapping", kMinimal + "    disable: employeeType\n",
     {"FILE:12:14: 'disable' must be a mapping"}},
    {"TargetDisableUnknownKey", kMinimal + "    disable:\n      atribute: x\n",
     {"FILE:13:7: unknown key 'atribute' in 'disable' of target 'ldap' (did you mean 'attribute'?)"}},
    {"TargetDisableEmptyValue", kMinimal + "    disable: {value: \"\"}\n",
     {"FILE:12:22: 'value' must not be empty"}},
    {"TargetDeleteUnknownPolicy", kMinimal + "    delete: {policy: always}\n",
     {"FILE:12:22: 'policy' must be one of never, after_delete, after_disable"}},
    {"TargetDeleteNegativeGrace", kMinimal + "    delete: {policy: after_disable, grace_days: -1}\n",
     {"FILE:12:49: 'grace_days' must not be negative"}},
    {"TargetLeavingScopeUnknown", kMinimal + "    leaving_scope: delete\n",
     {"FILE:12:20: 'leaving_scope' must be one of disable, keep"}},
    {"TargetLeavingScopeNotAScalar", kMinimal + "    leaving_scope: [keep]\n",
     {"FILE:12:20: 'leaving_scope' must be a string"}},

    // Secrets.
    {"BindPasswordInline", kHead + kTargetToPassword +
     "    bind_password: hunter2\n    base_dn: dc=x\n",
     {"FILE:10:20: 'bind_password' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline "
      "value"}},
    {"BindPasswordReferenceWithText", kHead + kTargetToPassword +
     "    bind_password: pre${env:IDBRIDGE_LDAP_PASSWORD}\n    base_dn: dc=x\n",
     {"FILE:10:20: 'bind_password' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline "
      "value"}},
    {"BindPasswordTwoReferences", kHead + kTargetToPassword +
     "    bind_password: ${env:DOMAIN}${env:DOMAIN}\n    base_dn: dc=x\n",
     {"FILE:10:20: 'bind_password' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline "
      "value"}},
    {"BindPasswordEscapedIsInline", kHead + kTargetToPassword +
     "    bind_password: $${env:DOMAIN}\n    base_dn: dc=x\n",
     {"FILE:10:20: 'bind_password' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline "
      "value"}},
    {"BindPasswordEmpty", kHead + kTargetToPassword +
     "    bind_password: ${env:EMPTY}\n    base_dn: dc=x\n",
     {"FILE:10:20: 'bind_password' is empty (${env:EMPTY})"}},
    {"BindPasswordUnset", kHead + kTargetToPassword +
     "    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD_TYPO}\n    base_dn: dc=x\n",
     {"FILE:10:20: environment variable 'IDBRIDGE_LDAP_PASSWORD_TYPO' is not set"}},
    {"BindPasswordFileMissing", kHead + kTargetToPassword +
     "    bind_password: ${file:secrets/ldap}\n    base_dn: dc=x\n",
     {"FILE:10:20: cannot read secret file 'DIR/secrets/ldap': No such file or directory"}},
    {"BindPasswordAList", kHead + kTargetToPassword +
     "    bind_password: [a]\n    base_dn: dc=x\n",
     {"FILE:10:20: 'bind_password' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline "
      "value"}},

    // Errors in several places are all reported, in file order.
    {"ManyErrorsAtOnce",
     "listen: nowhere\n"
     "log: {level: loud}\n"
     "scim:\n"
     "  tokens: [plain]\n"
     "  max_body_bytes: 0\n"
     "mapping: nothing.yaml\n"
     "retry: {initial_ms: -1}\n"
     "targets:\n"
     "  - name: ldap\n"
     "    type: ldap\n"
     "    url: ${env:UNSET}\n"
     "    bind_dn: cn=a\n"
     "    bind_password: s3cret\n"
     "    base_dn: dc=x\n"
     "    colour: blue\n",
     {"FILE:1:9: 'listen' must be HOST:PORT (IPv6 as [::1]:8080)",
      "FILE:2:14: 'level' must be one of trace, debug, info, warn, error",
      "FILE:4:12: 'tokens[0]' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline value",
      "FILE:5:19: 'max_body_bytes' must be a positive integer",
      "FILE:6:10: cannot read 'mapping' file 'DIR/nothing.yaml': No such file or directory",
      "FILE:7:21: 'initial_ms' must be a positive integer",
      "FILE:11:10: environment variable 'UNSET' is not set",
      "FILE:13:20: 'bind_password' must be a secret reference like ${env:NAME} or ${file:/path}, not an inline "
      "value",
      "FILE:15:5: unknown key 'colour' in target 'ldap'"}},

    // LDAP tuning and transport security.
    {"LdapWindowZero", kMinimal + "    window: 0\n", {"FILE:12:13: 'window' must be a positive integer"}},
    {"LdapPageSizeNotANumber", kMinimal + "    page_size: many\n", {"FILE:12:16: 'page_size' must be an integer"}},
    {"LdapReconnectNegative", kMinimal + "    reconnect:\n      attempts: -1\n",
     {"FILE:13:17: 'attempts' must not be negative"}},
    {"LdapStartTlsOverLdaps",
     kHead + "  - name: ldap\n    type: ldap\n    url: ldaps://x\n    bind_dn: cn=a\n"
             "    bind_password: ${env:IDBRIDGE_LDAP_PASSWORD}\n    base_dn: dc=x\n    tls:\n      start_tls: true\n",
     {"FILE:13:18: 'start_tls' upgrades an ldap:// connection; ldaps:// is TLS already"}},
    {"LdapSaslExternalWithoutCertificate", kMinimal + "    sasl_external: true\n",
     {"FILE:12:20: 'sasl_external' needs 'tls.client_cert' and 'tls.client_key'"}},
    {"LdapBooleanSpelledYes", kMinimal + "    sasl_external: yes\n",
     {"FILE:12:20: 'sasl_external' must be true or false"}},
    {"LdapRecordVersionsNotABoolean", kMinimal + "    record_versions: 1\n",
     {"FILE:12:22: 'record_versions' must be true or false"}},
    {"LdapRecordVersionsMisspelled", kMinimal + "    record_version: false\n",
     {"FILE:12:5: unknown key 'record_version' in target 'ldap' (did you mean 'record_versions'?)"}},
    {"LdapUnreadableCaFile", kMinimal + "    tls:\n      ca_file: /nonexistent/ca.pem\n",
     {"FILE:13:16: cannot read 'ca_file' file '/nonexistent/ca.pem': No such file or directory"}},
    {"LdapUnknownTlsKey", kMinimal + "    tls:\n      cafile: x\n",
     {"FILE:13:7: unknown key 'cafile' in 'tls' of target 'ldap' (did you mean 'ca_file'?)"}},
};

class BrokenConfigTest : public ConfigTest, public ::testing::WithParamInterface<Broken> {};

TEST_P(BrokenConfigTest, ReportsExactlyTheseErrors) {
  std::vector<std::string> expected;
  for (const std::string& e : GetParam().errors) {
    expected.push_back(placeholders(e));
  }
  LoadResult r = load_text(GetParam().yaml);
  std::vector<std::string> actual;
  for (const diag::Diagnostic& d : r.errors) actual.push_back(d.to_string());
  EXPECT_EQ(actual, expected);
  EXPECT_FALSE(r.config);
  for (const std::string& message : actual) {
    EXPECT_THAT(message, Not(HasSubstr(kScimToken)));
    EXPECT_THAT(message, Not(HasSubstr(kLdapPassword)));
    EXPECT_THAT(message, Not(HasSubstr("hunter2")));
    EXPECT_THAT(message, Not(HasSubstr("s3cret")));
  }
}

INSTANTIATE_TEST_SUITE_P(config, BrokenConfigTest, ::testing::ValuesIn(kBroken),
                         row_name);

// ---------------------------------------------------------------- the file itself

TEST_F(config_load, MissingFile) {
  LoadResult r = load(dir_ / "absent.yaml", env());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), (dir_ / "absent.yaml").string() + ": cannot read: No such file or directory");
  EXPECT_FALSE(r.config);
}

TEST_F(config_load, DirectoryInsteadOfFile) {
  LoadResult r = load(dir_, env());
  ASSERT_EQ(r.errors.size(), 1u);
  EXPECT_EQ(r.errors[0].to_string(), dir_.string() + ": cannot read: Is a directory");
}

TEST_F(config_load, EmptyFile) {
  EXPECT_THAT(errors_of(""), ElementsAre(config_path_.string() + ": the config file is empty"));
}

TEST_F(config_load, FileWithOnlyComments) {
  EXPECT_THAT(errors_of("# nothing yet\n\n"), ElementsAre(config_path_.string() + ": the config file is empty"));
}

// ---------------------------------------------------------------- summary

TEST_F(config_load, SummaryShowsReferencesNeverSecrets) {
  LoadResult r = load_text(kFullExample);
  ASSERT_TRUE(r.config);
  EXPECT_EQ(summarize(*r.config),
            "config file: " + config_path_.string() +
                "\n"
                "listen: 127.0.0.1:8080\n"
                "state dir: /var/lib/idbridge\n"
                "log: info (text)\n"
                "mapping file: " +
                (dir_ / "mappings/quickstart.yaml").string() +
                "\n"
                "scim tokens: 1 (${env:IDBRIDGE_SCIM_TOKEN})\n"
                "retry: first after 1000 ms, at most 300000 ms apart, no attempt limit\n"
            "full sync: on demand only\n"
                "target ldap: type ldap\n"
                "  leaving_scope: disable\n"
                "  url: ldap://ldap.example.org:389\n"
                "  bind_dn: cn=admin,dc=example,dc=org\n"
                "  bind_password: ${env:IDBRIDGE_LDAP_PASSWORD} (set)\n"
                "  base_dn: dc=example,dc=org\n"
                "  timeout: 10000 ms\n"
                "  disable: employeeType=disabled\n"
                "  window: 64 x 1 connection(s), page size 1000, record_versions true\n");
}

TEST_F(config_load, LdapTuningAndSaslExternalWithoutBindCredentials) {
  write("tls/client.pem", "cert");
  write("tls/client.key", "key");
  write("tls/ca.pem", "ca");
  LoadResult r = load_text(kHead +
                           "  - name: ldap\n    type: ldap\n    url: ldap://x\n    base_dn: dc=x\n"
                           "    window: 32\n    connections: 2\n    page_size: 500\n    record_versions: false\n"
                           "    reconnect: {attempts: 3, initial_ms: 50, max_ms: 800}\n"
                           "    tls: {ca_file: tls/ca.pem, start_tls: true, client_cert: tls/client.pem,"
                           " client_key: tls/client.key}\n"
                           "    sasl_external: true\n");
  ASSERT_THAT(r.errors, IsEmpty());
  const auto& t = r.config->targets.at(0).ldap.tuning;
  EXPECT_EQ(t.window, 32u);
  EXPECT_EQ(t.connections, 2u);
  EXPECT_EQ(t.page_size, 500);
  EXPECT_FALSE(t.record_versions);
  EXPECT_THAT(summarize(*r.config), HasSubstr("  window: 32 x 2 connection(s), page size 500, record_versions false\n"));
  EXPECT_EQ(t.reconnect_attempts, 3);
  EXPECT_EQ(t.backoff_initial_ms, 50);
  EXPECT_EQ(t.backoff_max_ms, 800);
  EXPECT_EQ(t.ca_file, (dir_ / "tls/ca.pem").string());
  EXPECT_TRUE(t.start_tls);
  EXPECT_EQ(t.client_cert_file, (dir_ / "tls/client.pem").string());
  EXPECT_EQ(t.client_key_file, (dir_ / "tls/client.key").string());
  EXPECT_TRUE(t.sasl_external);
  EXPECT_THAT(summarize(*r.config), HasSubstr("  tls: StartTLS, CA " + (dir_ / "tls/ca.pem").string() +
                                              ", SASL EXTERNAL with " + (dir_ / "tls/client.pem").string() + "\n"));
}

TEST_F(config_load, SummaryListsEveryTokenAndFileSecretsStayHidden) {
  write("secrets/token", kScimToken + "-2\n");
  write("secrets/ldap", kLdapPassword + "\n");
  LoadResult r = load_text(
      "scim:\n"
      "  tokens: [\"${env:IDBRIDGE_SCIM_TOKEN}\", \"${file:secrets/token}\"]\n"
      "mapping: mappings/quickstart.yaml\n"
      "retry: {max_attempts: 3}\n"
      "targets:\n"
      "  - {name: ldap, type: ldap, url: \"ldap://x\", bind_dn: cn=a, base_dn: dc=x,\n"
      "     bind_password: \"${file:secrets/ldap}\"}\n");
  ASSERT_THAT(r.errors, IsEmpty());
  EXPECT_EQ(r.config->targets[0].ldap.bind_password.value, kLdapPassword);
  std::string summary = summarize(*r.config);
  EXPECT_THAT(summary, HasSubstr("scim tokens: 2 (${env:IDBRIDGE_SCIM_TOKEN}, ${file:secrets/token})\n"));
  EXPECT_THAT(summary, HasSubstr("  bind_password: ${file:secrets/ldap} (set)\n"));
  EXPECT_THAT(summary, HasSubstr(", 3 attempts\n"));
  EXPECT_THAT(summary, Not(HasSubstr(kScimToken)));
  EXPECT_THAT(summary, Not(HasSubstr(kLdapPassword)));
}

// ---------------------------------------------------------------- process_env

TEST(config_process_env, ReadsTheRealEnvironment) {
  ASSERT_EQ(setenv("IDB_CONFIG_TEST_VARIABLE", "value", 1), 0);
  EnvLookup env = process_env();
  EXPECT_EQ(env("IDB_CONFIG_TEST_VARIABLE"), "value");
  unsetenv("IDB_CONFIG_TEST_VARIABLE");
  EXPECT_EQ(env("IDB_CONFIG_TEST_VARIABLE"), std::nullopt);
}

}  // namespace
}  // namespace idb::config::testing
