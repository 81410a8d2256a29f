#pragma once
// A faithful local Huawei Cloud Workspace v2 user service
// (specs/003-huawei-workspace.md): verifies SDK-HMAC-SHA256 over what it
// received (the headers named in SignedHeaders, which must include host and
// x-sdk-date; the exact body bytes; X-Sdk-Date within 15 minutes, INFERRED
// from APIG), keeps desktop users in memory with unique user_name and the
// documented limits, and answers list (user_name and description filters,
// both matching fuzzily, offset/limit),
// get, create, update and delete under /v2/{project_id}/users in the
// {"error_code","error_msg"} shape. Placeholder codes (the spec found no real
// ones): WKS.0404 not found, WKS.0409 user_name taken; APIG.0301 signature,
// APIG.0307 token invalid or expired.
// It is also the IAM token service (§2a): POST /v3/auth/tokens with the
// password method and a project scope (by id, or by name = region) answers
// 201 with the token in X-Subject-Token and expires_at/issued_at in the body;
// a wrong name, domain or password is a Keystone-style 401
// {"error":{"code":401,"title":"Unauthorized","message":...}} (shape INFERRED).
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/cloud/servers/issued_tokens.h"
#include "tests/cloud/servers/loopback.h"
#include "tests/cloud/servers/user_list.h"

namespace idb::test::cloud {

struct HuaweiServerOptions {
  std::string project_id = "0bec5db98280d2d02fd6c00c2de791ce";
  std::string access_key_id = "AccessKey";
  std::string access_key_secret = "SecretKey";
  std::chrono::seconds max_skew{900};
  std::chrono::seconds clock_offset{0};
  std::string region = "cn-north-4";
  std::string iam_domain = "example-account";
  std::string iam_user = "idbridge";
  std::string iam_password = "iam-password";
  std::chrono::seconds token_lifetime{24 * 3600};
  // Whether the caller's IAM policies allow Workspace user actions: false
  // answers every authenticated call 403 APIG.0302, as APIG does.
  bool permitted = true;
};

class HuaweiServer : public UserList {
 public:
  explicit HuaweiServer(HuaweiServerOptions options = {});
  void start() { http_.start(); }
  std::string base_url() const { return http_.base_url(); }
  Loopback& http() { return http_; }

  int tokens_issued() const { return tokens_.issued(); }
  void expire_tokens() { tokens_.expire_all(); }

  std::optional<nlohmann::json> by_name(const std::string& user_name) const;
  void seed(nlohmann::json user);

 private:
  using Json = nlohmann::json;
  // The error code and message that refuse the request, or nothing.
  std::optional<std::pair<std::string, std::string>> authenticate(const httplib::Request& req);
  std::optional<std::string> check_signature(const httplib::Request& req);
  void issue_token(const httplib::Request& req, httplib::Response& res);
  void collection(const httplib::Request& req, httplib::Response& res);
  void item(const httplib::Request& req, httplib::Response& res);

  HuaweiServerOptions options_;
  IssuedTokens tokens_;
  // Last, so it is destroyed first: stopping it waits for handlers that use the members above.
  Loopback http_;
};

}  // namespace idb::test::cloud
