// Cloud connector figures: signing cost per request for each scheme, and
// updates/s (with p50/p99 latency) per connector against its faithful local
// server on loopback, one request at a time per target (the outbox worker's
// per-target concurrency), no rate limit.
//   build/bench/cloud_bench [updates per connector, default 2000]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
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
             const std::string& field, int n) {
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
  std::printf("update %-9s %7.0f updates/s   p50 %.3f ms   p99 %.3f ms   (%d updates, 1 in flight)\n", name, n / seconds,
              ms[ms.size() / 2], ms[ms.size() * 99 / 100], n);
}

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

  config::AuthingTarget a;
  a.http = loopback(authing_server.base_url());
  a.access_key_id = "AK_TEST";
  a.access_key_secret = {"", "SK_TEST"};
  authing::AuthingConnector authing("authing", a);
  updates("authing", authing, "E1", {{"username", {"bench"}}}, "nickname", n);

  config::PdsTarget p;
  p.http = loopback(pds_server.base_url());
  p.access_key_id = "YourAccessKeyId";
  p.access_key_secret = {"", "YourAccessKeySecret"};
  pds::PdsConnector pds("pds", p);
  updates("pds", pds, "E1", {{"user_name", {"bench"}}}, "nick_name", n);
  p.domain_id = "bj1";  // the assertion's audience
  p.auth = "token";
  p.client_id = "pds-app-1";
  p.private_key = {"", test::cloud::kPdsAppPrivateKey};
  pds::PdsConnector pds_token("pds", p);
  updates("pds/token", pds_token, "E2", {{"user_name", {"bench2"}}}, "nick_name", n);

  config::EiamTarget e;
  e.http = loopback(eiam_server.base_url());
  e.instance_id = "idaas_test";
  e.organizational_unit_id = "ou";
  e.access_key_id = "YourAccessKeyId";
  e.access_key_secret = {"", "YourAccessKeySecret"};
  eiam::EiamConnector eiam("eiam", e);
  std::printf("(eiam: each update is ListUsers + GetUser + UpdateUser, since EIAM is addressed by its own UserId)\n");
  updates("eiam", eiam, "E1", {{"Username", {"bench"}}}, "DisplayName", n);

  config::HuaweiTarget h;
  h.http = loopback(huawei_server.base_url());
  h.project_id = "0bec5db98280d2d02fd6c00c2de791ce";
  h.access_key_id = "AccessKey";
  h.access_key_secret = {"", "SecretKey"};
  huawei::HuaweiConnector huawei("huawei", h);
  std::printf("(huawei: each update is list + get + PUT, since Workspace is addressed by its own id)\n");
  updates("huawei", huawei, "bench", {{"user_email", {"b@example.org"}}}, "description", n);
  h.auth = "token";
  h.iam_url = huawei_server.base_url();
  h.iam_domain = "example-account";
  h.iam_user = "idbridge";
  h.iam_password = {"", "iam-password"};
  huawei::HuaweiConnector huawei_token("huawei", h);
  updates("huawei/tok", huawei_token, "bench2", {{"user_email", {"b2@example.org"}}}, "description", n);

  config::SenseCoreTarget c;
  c.http = loopback(sensecore_server.base_url());
  c.access_key_id = "AK_TEST";
  c.access_key_secret = {"", "SK_TEST"};
  sensecore::SenseCoreConnector sensecore("sensecore", c);
  std::printf("(sensecore: each update is list + get + PATCH, since SenseCore is addressed by its own id)\n");
  updates("sensecore", sensecore, "bench",
          {{"name", {"Bench"}}, {"open_api_state", {"disabled"}}, {"mfa_state", {"disabled"}},
           {"set_password_first_login", {"true"}}},
          "remark", n);
  return 0;
}
