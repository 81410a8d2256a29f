#pragma once
// The daemon's configuration: loaded from YAML, validated without touching the
// network, every problem reported as FILE:LINE:COL: message.
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "config/diagnostic.h"

namespace idb::config {

// A secret resolved from a reference. `reference` (e.g. "${env:LDAP_PW}") is
// what summaries and errors may show; `value` is never printed or logged.
struct Secret {
  std::string reference;
  std::string value;
  bool operator==(const Secret&) const = default;
};

// How a disabled (SCIM active:false or deleted) user is marked on an LDAP
// target: the attribute is set to the value, and removed again (or set back
// to its mapped value) when the user is active; and/or the entry moves below
// `move_to` (keeping its RDN), and back when the user is active.
struct DisableRule {
  std::string attribute;
  std::string value;
  std::string move_to{};  // a DN; empty: the entry stays where it is
  bool operator==(const DisableRule&) const = default;
};

// LDAP throughput, paging, reconnection and transport security. Defaults
// suit one slapd on the same network (see shared/notes/ldap-performance.md).
struct LdapTuning {
  // Operations outstanding per connection. slapd is the bottleneck; 32-64
  // keep it busy, more only adds latency.
  std::size_t window = 64;
  // Connections an apply_all batch spreads over. LMDB has one writer, so
  // more than 1-2 rarely helps; every operation on one entry stays on one.
  std::size_t connections = 1;
  int page_size = 1000;  // entries per page of a paged read (RFC 2696)
  // Add, modify and rename ask for the entry's version in their own reply
  // (Post-Read control, RFC 4527), kept in the baseline as evidence of
  // whether anyone wrote the account since. Off: the writes carry no control
  // and plan's since_written is unknown for what they wrote; reads still see
  // the version. See README (ldap targets) for the cost.
  bool record_versions = true;

  // A connection lost in the middle of a batch is reopened this many times,
  // waiting backoff_initial_ms, then twice that, up to backoff_max_ms.
  int reconnect_attempts = 5;
  int backoff_initial_ms = 100;
  int backoff_max_ms = 5000;

  // Transport security. ldaps:// URLs always verify the server certificate;
  // start_tls upgrades an ldap:// connection before binding.
  std::string ca_file;  // PEM bundle to verify the server with; empty: the system's
  bool start_tls = false;
  // SASL EXTERNAL: authenticate with this client certificate instead of the
  // bind DN and password (which are then unused).
  std::string client_cert_file;
  std::string client_key_file;
  bool sasl_external = false;
  bool operator==(const LdapTuning&) const = default;
};

struct LdapTarget {
  std::string url;      // ldap://host:port or ldaps://host:port
  std::string bind_dn;
  Secret bind_password;  // not needed with tuning.sasl_external
  std::string base_dn;  // parents between an entry and base_dn are created as needed
  int timeout_ms = 10000;
  DisableRule disable{"employeeType", "disabled"};
  LdapTuning tuning;
  bool operator==(const LdapTarget&) const = default;
};

// What every cloud target shares: where its API is and how hard to press it.
struct HttpSettings {
  std::string base_url;         // scheme://host[:port]; private deployments have their own
  std::filesystem::path ca_file{};  // extra CA bundle; the system store otherwise
  int timeout_ms = 10000;
  int connect_timeout_ms = 5000;
  int rate_limit = 10;          // requests per second; 0 = unlimited
  int max_attempts = 3;         // per request within one outbox attempt
  bool operator==(const HttpSettings&) const = default;
};

// Authing Management API v3 (specs/001-authing.md).
struct AuthingTarget {
  HttpSettings http{.base_url = "https://api.authing.cn"};
  std::string auth = "signature";        // signature (AK/SK HMAC-SHA1) | token (management token)
  std::string access_key_id;             // user pool ID or programmatic access account ID
  Secret access_key_secret;
  std::string key_type = "external_id";  // what the mapping's key is: external_id | username | email | phone
  std::string disabled_status = "Suspended";  // Suspended | Deactivated | Resigned | Archived
  // API codes that mean "already taken" (a conflict, not a retry): the spec found none
  // documented, so this is INFERRED and configurable; 2026 is what the local server uses.
  std::vector<int> conflict_api_codes{2026};
  bool operator==(const AuthingTarget&) const = default;
};

// Alibaba Cloud PDS 2022-03-01 (specs/002-aliyun-pds.md).
struct PdsTarget {
  HttpSettings http;                     // pds_endpoint(domain_id) unless given
  std::string domain_id;
  std::string auth = "signature";        // signature (AK/SK "acs" HMAC-SHA1) | token (JWT-bearer grant)
  std::string access_key_id;             // signature
  Secret access_key_secret;              // signature
  std::string client_id;                 // token: the PDS app's App ID
  Secret private_key;                    // token: the app's RSA private key (PEM) that signs the assertion
  bool operator==(const PdsTarget&) const = default;
};

// Alibaba Cloud IDaaS EIAM 2021-12-01 (specs/004-aliyun-eiam.md).
struct EiamTarget {
  HttpSettings http;                     // eiam_endpoint(region) unless given
  std::string region = "cn-hangzhou";
  std::string instance_id;               // idaas_...
  std::string organizational_unit_id;    // the primary OU new users are created in
  std::string access_key_id;
  Secret access_key_secret;
  bool operator==(const EiamTarget&) const = default;
};

// Huawei Cloud Workspace v2 (specs/003-huawei-workspace.md), AK/SK signed or
// with an IAM user token.
struct HuaweiTarget {
  HttpSettings http;                     // huawei_endpoint(region) unless given
  std::string region = "cn-north-4";
  std::string project_id;                // the IAM project of that region
  std::string auth = "signature";        // signature (SDK-HMAC-SHA256) | token (X-Auth-Token from IAM)
  std::string access_key_id;             // signature
  Secret access_key_secret;              // signature
  std::string iam_url;                   // token: huawei_iam_endpoint(region) unless given
  std::string iam_domain;                // token: the account (domain) name
  std::string iam_user;                  // token: an IAM user of that account
  Secret iam_password;                   // token
  bool operator==(const HuaweiTarget&) const = default;
};

// SenseCore IAM IdP service (specs/000-sensecore-iam.md). Much of its update
// API is INFERRED from gRPC-gateway conventions, so those parts are settings.
struct SenseCoreTarget {
  HttpSettings http{.base_url = "https://iam.sensecoreapi.cn"};
  std::string access_key_id;
  Secret access_key_secret;
  std::string update_method = "PATCH";          // INFERRED (AIP-134); PUT is the alternative
  // How an account is disabled is UNKNOWN in the docs: a field set to a value,
  // and set back to `enabled_value` when the user is active again (INFERRED).
  std::string disabled_field = "console_state";
  std::string disabled_value = "disabled";
  std::string enabled_value = "enabled";
  bool operator==(const SenseCoreTarget&) const = default;
};

// Mass-change guards (`guards:` of a target): a batch that would disable or
// modify more accounts than this is held until `idbridge approve`.
struct Guards {
  int64_t max_disables = 50;      // disables and deletes in one batch
  int max_disable_percent = 10;   // of the accounts idbridge manages on the target (one baseline each)
  int64_t max_modifies = 1000;
  int max_modify_percent = 50;
  int64_t percent_floor = 10;     // percentages count only from this many changes on
  bool operator==(const Guards&) const = default;
};

// Whether and when accounts of users who left are deleted (`delete:` of a
// target). Accounts are disabled first; the delete follows grace_days later.
struct Deletion {
  std::string policy = "never";  // never | after_delete (users deleted at the source) | after_disable (any disabled)
  int64_t grace_days = 30;
  bool operator==(const Deletion&) const = default;
};

struct Target {
  std::string name;  // unique; the key of its mapping in the mapping file
  std::string type;  // ldap | authing | pds | eiam | huawei | sensecore
  Guards guards;
  Deletion deletion;
  // What becomes of an account idbridge wrote when its user leaves the
  // mapping's `scope:` (`leaving_scope:`): disable (as for active:false, then
  // the delete policy; the disable guard holds a mass leave) | keep (left as
  // it is, no longer managed).
  std::string leaving_scope = "disable";
  LdapTarget ldap;
  AuthingTarget authing;
  PdsTarget pds;
  EiamTarget eiam;
  HuaweiTarget huawei;
  SenseCoreTarget sensecore;
  bool operator==(const Target&) const = default;
};

// An attribute of a SCIM extension schema declared in the config, in RFC 7643
// §7 terms.
struct ScimAttribute {
  std::string name{};
  std::string type = "string";           // string boolean decimal integer dateTime reference complex
  bool multi_valued = false;
  bool required = false;
  bool case_exact = false;
  std::string mutability = "readWrite";  // readOnly readWrite immutable writeOnly
  std::string returned = "default";      // always never default request
  std::string description{};
  std::vector<std::string> canonical_values{};  // when given, the only values accepted
  std::vector<ScimAttribute> sub_attributes{};  // complex only
  bool operator==(const ScimAttribute&) const = default;
};

// An extension schema the SCIM endpoint accepts, stores and advertises (scim.extensions[]).
struct ScimExtension {
  std::string urn;
  std::string name;
  std::string description;
  std::string resource_type = "User";  // User | Group
  bool required = false;               // every resource of the type must carry it
  std::vector<ScimAttribute> attributes;
  diag::Location location;             // where it was declared
  // Where it was declared is not part of what it is.
  bool operator==(const ScimExtension& o) const {
    return urn == o.urn && name == o.name && description == o.description && resource_type == o.resource_type &&
           required == o.required && attributes == o.attributes;
  }
};

struct RetryPolicy {
  int64_t initial_ms = 1000;  // first retry after this, doubled each attempt
  int64_t max_ms = 300000;    // never waits longer than this between attempts
  int max_attempts = 0;       // permanent failures go to dead letters at once; 0 = retry forever
  bool operator==(const RetryPolicy&) const = default;
};

// A SCIM 2.0 service provider idbridge polls for users (`sources:`).
struct ScimSource {
  std::string name;              // unique among sources; names its state and its log lines
  std::string type = "scim";
  std::string base_url;          // scheme://host[:port][/path], the SCIM base (…/scim/v2)
  // Exactly one of: a static bearer token, or OAuth2 client credentials (RFC 6749 §4.4).
  Secret bearer;
  struct OAuth2 {
    std::string token_url;
    std::string client_id;
    Secret client_secret;
    std::string scope;           // optional
    bool operator==(const OAuth2&) const = default;
  } oauth2;
  bool uses_oauth2() const { return !oauth2.token_url.empty(); }
  int64_t interval_s = 300;      // between the starts of two polls
  int page_size = 100;           // resources per ListResponse page asked for
  std::string incremental = "auto";  // auto (if the source filters) | always | never
  // Over either limit, users absent from the source are not disabled and the run is held.
  int deletion_max_count = 50;
  int deletion_max_percent = 10;
  std::filesystem::path ca_file{};
  int timeout_ms = 10000;
  bool operator==(const ScimSource&) const = default;
};

struct Config {
  std::filesystem::path file;          // the file it was loaded from
  std::string listen = "127.0.0.1:8080";
  std::filesystem::path state_dir = "/var/lib/idbridge";
  std::string log_level = "info";      // trace debug info warn error
  std::string log_format = "text";     // text json
  std::vector<Secret> scim_tokens;     // at least one
  int64_t scim_max_body_bytes = 1 << 20;
  int64_t scim_bulk_max_operations = 1000;       // scim.bulk.max_operations
  int64_t scim_bulk_max_payload_bytes = 1 << 20;  // scim.bulk.max_payload_bytes
  std::vector<ScimExtension> scim_extensions;
  std::string scim_tls_cert_file;       // scim.tls: HTTPS when set
  std::string scim_tls_key_file;
  std::string scim_tls_client_ca_file;  // when set, clients need a certificate this CA signed
  std::filesystem::path mapping_file;  // resolved against the config file's folder
  diag::Location mapping_location;     // where `mapping:` was written, for mapping errors
  RetryPolicy retry;
  // `serve` re-plans every user against every target this often, so edits made
  // on a target side are found without a SCIM change; 0 leaves it to `sync --once`.
  int64_t full_sync_interval_s = 0;
  // `serve` deletes audit log rows older than this (audit.retention_days); 0 keeps them forever.
  int64_t audit_retention_days = 365;
  std::vector<Target> targets;         // at least one
  std::vector<ScimSource> sources;     // polled SCIM sources; may be none
};

// Looks up an environment variable; injected so tests need not touch the real environment.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
EnvLookup process_env();

struct LoadResult {
  std::optional<Config> config;  // set only when `errors` is empty
  std::vector<diag::Diagnostic> errors;
};

LoadResult load(const std::filesystem::path& file, const EnvLookup& env = process_env());

// https://{domain_id}.api.aliyunpds.com, a PDS domain's endpoint (the default `base_url`).
std::string pds_endpoint(const std::string& domain_id);

// https://eiam.{region}.aliyuncs.com, the EIAM endpoint of a region (the default `base_url`).
std::string eiam_endpoint(const std::string& region);

// https://workspace.{region}.myhuaweicloud.com (the default `base_url`).
std::string huawei_endpoint(const std::string& region);
// https://iam.{region}.myhuaweicloud.com, where IAM tokens come from (the default `iam_url`).
std::string huawei_iam_endpoint(const std::string& region);

// A short human summary (listen, state dir, targets, mapping) with every secret
// shown as its reference only.
std::string summarize(const Config& config);

}  // namespace idb::config
