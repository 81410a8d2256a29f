#pragma once
// A faithful local IDaaS EIAM 2021-12-01 (specs/004-aliyun-eiam.md): RPC on
// "POST /" with the action in x-acs-action and every parameter in the query.
// Verifies ACS3-HMAC-SHA256 from what it received (decoded then re-encoded
// query, the headers named in SignedHeaders, host and all x-acs-* required to
// be signed, x-acs-content-sha256 against the body, date within 15 minutes,
// no nonce twice); keeps users in memory with unique Username and
// UserExternalId, the Email/Phone pairing rules and field limits; answers
// GetUser, ListUsers (pages; filters UserExternalId, Email exact, UsernameStartsWith,
// DisplayNameStartsWith by prefix, Status), CreateUser (ClientToken idempotent), UpdateUser,
// UpdateUserDescription, EnableUser, DisableUser, DeleteUser in the POP error
// envelope. User-not-found is EntityNotExists.User (404), an INFERRED code.
// Every write (and a seed) sets UpdateTime, which only GetUser and ListUsers show.
#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cloud/servers/loopback.h"
#include "tests/cloud/servers/user_list.h"
#include "tests/cloud/servers/write_clock.h"

namespace idb::test::cloud {

struct EiamServerOptions {
  std::string instance_id = "idaas_test";
  std::string access_key_id = "YourAccessKeyId";
  std::string access_key_secret = "YourAccessKeySecret";
  std::vector<std::string> custom_fields;   // created "in the console"
  std::chrono::seconds max_skew{900};
  std::chrono::seconds clock_offset{0};
  // Whether the RAM policy allows the EIAM actions: false answers every
  // authenticated call 403 NoPermission.
  bool permitted = true;
};

class EiamServer : public UserList {
 public:
  explicit EiamServer(EiamServerOptions options = {});
  void start() { http_.start(); }
  std::string base_url() const { return http_.base_url(); }
  Loopback& http() { return http_; }

  std::optional<nlohmann::json> by_external_id(const std::string& external_id) const;
  // How many authenticated calls of `action` (x-acs-action) it has answered.
  int calls(const std::string& action) const;
  void seed(nlohmann::json user);

 private:
  using Json = nlohmann::json;
  using Params = std::map<std::string, std::string>;
  // The POP error (status, code, message) of a request that fails authentication, or nothing.
  std::optional<std::tuple<int, std::string, std::string>> authenticate(const httplib::Request& req);
  void handle(const httplib::Request& req, httplib::Response& res);
  // Why a CreateUser/UpdateUser's parameters are not acceptable: (status, code, message).
  std::optional<std::tuple<int, std::string, std::string>> check_profile(const Params& p, const Json* self) const;
  void apply_profile(const Params& p, Json& user) const;
  Json* user(const std::string& user_id);

  EiamServerOptions options_;
  std::map<std::string, std::string> client_tokens_;  // ClientToken -> UserId
  std::set<std::string> nonces_;
  std::map<std::string, int> calls_;  // by action
  WriteClock clock_;                  // CreateTime, UpdateTime: every write moves UpdateTime
  // Last, so it is destroyed first: stopping it waits for handlers that use the members above.
  Loopback http_;
};

}  // namespace idb::test::cloud
