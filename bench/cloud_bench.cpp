// Cloud connector figures: signing cost per request for each scheme, and
// updates/s (with p50/p99 latency) per connector against its faithful local
// server on loopback, one request at a time per target (the outbox worker's
// per-target concurrency), no rate limit; PDS in both auth modes, EIAM,
// Workspace and SenseCore with account links kept in a state store, as the daemon does.
//   build/bench/cloud_bench [updates per connector, default 2000]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "connectors/authing/authing_connector.h"
#include "connectors/eiam/eiam_connector.h"
#include "connectors/huawei/huawei_connector.h"
#include "connectors/pds/pds_connector.h"
#include "connectors/sensecore/sensecore_connector.h"
#include "connectors/signing/authing.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/eiam.h"
#include "connectors/signing/huawei.h"
#include "connectors/signing/jwt.h"
#include "connectors/signing/pds.h"
#include "connectors/signing/sensecore.h"
#include "state/store.h"
#include "tests/cloud/servers/authing_server.h"
#include "tests/cloud/servers/eiam_server.h"
#include "tests/cloud/servers/huawei_server.h"
#include "tests/cloud/servers/pds_app_key.h"
#include "tests/cloud/servers/pds_server.h"
#include "tests/cloud/servers/sensecore_server.h"

namespace {

using namespace idb;
using namespace idb::connectors;
using Clock = std::chrono::steady_clock;

void signing_cost(const char* scheme, const std::function<std::string()>& sign) {
  constexpr int kRounds = 20000;
  std::size_t sink = 0;
  const auto start = Clock::now();
  for (int i = 0; i < kRounds; ++i) sink += sign().size();
  const double us = std::chrono::duration<double, std::micro>(Clock::now() - start).count() / kRounds;
  std::printf("sign %-26s %7.2f us/request   (%zu)\n", scheme, us, sink % 10);
}

void signing_costs() {
  using signing::Clock;
  const std::string body =
      R"({"userId":"6229ffaxxxxxxxxcade3e3d9","name":"张三","email":"test@example.com","status":"Suspended","customData":{"school":"PKU","age":22},"options":{"userIdType":"user_id"}})";
  signing_cost("authing HMAC-SHA1", [&] {
    const signing::Headers h{{"date", signing::http_date(Clock::now())}, {"x-authing-signature-nonce", signing::random_hex(16)},
                             {"x-authing-signature-method", "HMAC-SHA1"}, {"x-authing-signature-version", "1.0"}};
    const auto sts = signing::authing::string_to_sign(
        "POST", h, "/api/v3/update-user", signing::authing::body_params(nlohmann::ordered_json::parse(body)));
    return signing::authing::authorization("AK", signing::authing::signature("SK", sts));
  });
  signing_cost("pds acs HMAC-SHA1", [&] {
    const signing::Headers h{{"accept", "application/json"}, {"content-type", "application/json; charset=utf-8"},
                             {"date", signing::http_date(Clock::now())}, {"x-acs-action", "UpdateUser"},
                             {"x-acs-signature-nonce", signing::random_hex(16)}, {"x-acs-version", "2022-03-01"}};
    return signing::pds::authorization("AK", signing::pds::signature("SK", signing::pds::string_to_sign("POST", h, "/v2/user/update", {})));
  });
  signing_cost("eiam ACS3-HMAC-SHA256", [&] {
    const std::string hash = signing::hex(signing::sha256(""));
    const signing::Headers h{{"host", "eiam.cn-hangzhou.aliyuncs.com"}, {"x-acs-action", "UpdateUser"},
                             {"x-acs-content-sha256", hash}, {"x-acs-date", signing::iso8601(Clock::now())},
                             {"x-acs-signature-nonce", signing::random_hex(16)}, {"x-acs-version", "2021-12-01"}};
    const auto c = signing::eiam::canonical_request(
        "POST", "/", {{"InstanceId", "idaas_x"}, {"UserId", "user_x"}, {"DisplayName", "Zhang San (张三)"}}, h, hash);
    return signing::eiam::authorization("AK", c.signed_headers, signing::eiam::signature("SK", signing::eiam::string_to_sign(c.request)));
  });
  signing_cost("huawei SDK-HMAC-SHA256", [&] {
    const std::string date = signing::iso8601_basic(Clock::now());
    const signing::Headers h{{"content-type", "application/json"}, {"host", "workspace.cn-north-4.myhuaweicloud.com"},
                             {"x-project-id", "0bec5db98280d2d02fd6c00c2de791ce"}, {"x-sdk-date", date}};
    const auto c = signing::huawei::canonical_request("PUT", "/v2/0bec5db98280d2d02fd6c00c2de791ce/users/8a2c3f95", {}, h,
                                                      signing::hex(signing::sha256(body)));
    return signing::huawei::authorization("AK", c.signed_headers,
                                          signing::huawei::signature("SK", signing::huawei::string_to_sign(date, c.request)));
  });
  // Once per token (every two hours by default), not per request.
  signing_cost("pds JWT RS256 (per token)", [&] {
    const auto now = std::chrono::system_clock::now().time_since_epoch().count();
    return *signing::jwt::sign_rs256({{"iss", "app"}, {"aud", "bj1"}, {"iat", now}}, test::cloud::kPdsAppPrivateKey);
  });
  signing_cost("sensecore hmac-sha256", [&] {
    const signing::Headers h{{"x-date", signing::http_date(Clock::now())}};
    return signing::sensecore::authorization("AK", h, signing::sensecore::signature("SK", signing::sensecore::string_to_sign(h)));
  });
}

config::HttpSettings loopback(const std::string& url) {
  config::HttpSettings http;
  http.base_url = url;
  http.rate_limit = 0;
  return http;
}

void updates(const char* name, Connector& connector, const std::string& key, const mapping::Attributes& first,
             const std::string& field, const char* requests, int n) {
  if (auto created = connector.apply({reconcile::Operation::Kind::create, key, {}, first, {}}); !created) {
    std::printf("%s: create failed: %s\n", name, created.failure().message.c_str());
    return;
  }
  std::vector<double> ms;
  ms.reserve(static_cast<std::size_t>(n));
  const auto start = Clock::now();
  for (int i = 0; i < n; ++i) {
    const auto t = Clock::now();
    auto status = connector.apply({reconcile::Operation::Kind::modify, key, {}, {},
                                   {{field, reconcile::ChangeKind::replace, {"value-" + std::to_string(i)}}}});
    if (!status) {
      std::printf("%s: update failed: %s\n", name, status.failure().message.c_str());
      return;
    }
    ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t).count());
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(ms.begin(), ms.end());
  std::printf("update %-10s %7.0f updates/s   p50 %.3f ms   p99 %.3f ms   (%d updates, 1 in flight; %s)\n", name,
              n / seconds, ms[ms.size() / 2], ms[ms.size() * 99 / 100], n, requests);
}

// One connector's run: the account it creates, then the field each update changes.
struct Run {
  const char* name;
  std::unique_ptr<Connector> connector;
  std::string key;
  mapping::Attributes first;
  std::string field;
  const char* requests;  // what one update sends, printed beside its figure
};

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 2000;
  signing_costs();

  test::cloud::AuthingServer authing_server;
  test::cloud::PdsServerOptions pds_options;
  pds_options.app_public_key = test::cloud::kPdsAppPublicKey;
  test::cloud::PdsServer pds_server(pds_options);
  test::cloud::EiamServer eiam_server;
  test::cloud::HuaweiServer huawei_server;
  test::cloud::SenseCoreServer sensecore_server;
  authing_server.start(), pds_server.start(), eiam_server.start(), huawei_server.start(), sensecore_server.start();
  // Account links (EIAM, Workspace, SenseCore) live in a state store, as in the daemon.
  std::string state_dir = (std::filesystem::temp_directory_path() / "idb-cloud-bench-XXXXXX").string();
  if (!mkdtemp(state_dir.data())) return 1;
  auto store = state::Store::open(state_dir);

  config::AuthingTarget a;
  a.http = loopback(authing_server.base_url());
  a.access_key_id = "AK_TEST";
  a.access_key_secret = {"", "SK_TEST"};

  config::PdsTarget p;
  p.http = loopback(pds_server.base_url());
  p.access_key_id = "YourAccessKeyId";
  p.access_key_secret = {"", "YourAccessKeySecret"};
  config::PdsTarget p_token = p;
  p_token.domain_id = "bj1";  // the assertion's audience
  p_token.auth = "token";
  p_token.client_id = "pds-app-1";
  p_token.private_key = {"", test::cloud::kPdsAppPrivateKey};

  config::EiamTarget e;
  e.http = loopback(eiam_server.base_url());
  e.instance_id = "idaas_test";
  e.organizational_unit_id = "ou";
  e.access_key_id = "YourAccessKeyId";
  e.access_key_secret = {"", "YourAccessKeySecret"};

  config::HuaweiTarget h;
  h.http = loopback(huawei_server.base_url());
  h.project_id = "0bec5db98280d2d02fd6c00c2de791ce";
  h.access_key_id = "AccessKey";
  h.access_key_secret = {"", "SecretKey"};
  config::HuaweiTarget h_token = h;
  h_token.auth = "token";
  h_token.iam_url = huawei_server.base_url();
  h_token.iam_domain = "example-account";
  h_token.iam_user = "idbridge";
  h_token.iam_password = {"", "iam-password"};

  config::SenseCoreTarget c;
  c.http = loopback(sensecore_server.base_url());
  c.access_key_id = "AK_TEST";
  c.access_key_secret = {"", "SK_TEST"};

  Run runs[] = {
      {"authing", std::make_unique<authing::AuthingConnector>("authing", a), "E1", {{"username", {"bench"}}}, "nickname",
       "update-user"},
      {"pds", std::make_unique<pds::PdsConnector>("pds", p), "E1", {{"user_name", {"bench"}}}, "nick_name",
       "/v2/user/update, acs signature"},
      {"pds/token", std::make_unique<pds::PdsConnector>("pds", p_token), "E2", {{"user_name", {"bench2"}}}, "nick_name",
       "/v2/user/update, cached bearer token"},
      {"eiam", std::make_unique<eiam::EiamConnector>("eiam", e, false, store.get()), "E1", {{"Username", {"bench"}}},
       "DisplayName", "GetUser + UpdateUser on the linked UserId"},
      {"huawei", std::make_unique<huawei::HuaweiConnector>("huawei", h, false, store.get()), "bench",
       {{"user_email", {"b@example.org"}}}, "description", "PUT on the linked id"},
      {"huawei/tok", std::make_unique<huawei::HuaweiConnector>("huawei", h_token, false, store.get()), "bench2",
       {{"user_email", {"b2@example.org"}}}, "description", "PUT on the linked id, cached IAM token"},
      {"sensecore", std::make_unique<sensecore::SenseCoreConnector>("sensecore", c, false, store.get()), "bench",
       {{"name", {"Bench"}}, {"open_api_state", {"disabled"}}, {"mfa_state", {"disabled"}}, {"set_password_first_login", {"true"}}},
       "remark", "PATCH on the linked id"},
  };
  for (auto& run : runs) updates(run.name, *run.connector, run.key, run.first, run.field, run.requests, n);
  store.reset();
  std::filesystem::remove_all(state_dir);
  return 0;
}
