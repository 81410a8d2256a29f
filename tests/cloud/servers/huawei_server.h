#pragma once
// A faithful local Huawei Cloud Workspace v2 user service
// (specs/003-huawei-workspace.md): verifies SDK-HMAC-SHA256 over what it
// received (the headers named in SignedHeaders, which must include host and
// x-sdk-date; the exact body bytes; X-Sdk-Date within 15 minutes, INFERRED
// from APIG), keeps desktop users in memory with unique user_name and the
// documented limits, and answers list (user_name filter, offset/limit),
// get, create, update and delete under /v2/{project_id}/users in the
// {"error_code","error_msg"} shape. Placeholder codes (the spec found no real
// ones): WKS.0404 not found, WKS.0409 user_name taken; APIG.0301 auth.
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/cloud/servers/loopback.h"
#include "tests/cloud/servers/user_list.h"

namespace idb::test::cloud {

struct HuaweiServerOptions {
  std::string project_id = "0bec5db98280d2d02fd6c00c2de791ce";
  std::string access_key_id = "AccessKey";
  std::string access_key_secret = "SecretKey";
  std::chrono::seconds max_skew{900};
  std::chrono::seconds clock_offset{0};
};

class HuaweiServer : public UserList {
 public:
  explicit HuaweiServer(HuaweiServerOptions options = {});
  void start() { http_.start(); }
  std::string base_url() const { return http_.base_url(); }
  Loopback& http() { return http_; }

  std::optional<nlohmann::json> by_name(const std::string& user_name) const;
  void seed(nlohmann::json user);

 private:
  using Json = nlohmann::json;
  std::optional<std::string> authenticate(const httplib::Request& req);
  void collection(const httplib::Request& req, httplib::Response& res);
  void item(const httplib::Request& req, httplib::Response& res);

  HuaweiServerOptions options_;
  // Last, so it is destroyed first: stopping it waits for handlers that use the members above.
  Loopback http_;
};

}  // namespace idb::test::cloud
