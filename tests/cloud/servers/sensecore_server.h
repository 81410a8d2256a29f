#pragma once
// A faithful local SenseCore IAM IdP service (specs/000-sensecore-iam.md):
// verifies the "hmac" Authorization by rebuilding the string from the headers
// it names ("@request-target" = lower-case method, space, path and raw query)
// with the date header within 5 minutes (INFERRED); keeps users in memory
// with unique usernames; answers list (filter field="value", page_size,
// page_token pages "1", "2", ...), get, create (POST, INFERRED), update
// (PATCH or PUT with update_mask; only masked paths change) and delete
// (DELETE, INFERRED) in the
// google.rpc.Status error shape. Reason strings are placeholders the spec
// marks as such: userNotFound, userAlreadyExists. A create (and a seed) sets
// create_time and update_time, every update moves update_time (RFC 3339, ms).
#include <chrono>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/cloud/servers/loopback.h"
#include "tests/cloud/servers/user_list.h"
#include "tests/cloud/servers/write_clock.h"

namespace idb::test::cloud {

struct SenseCoreServerOptions {
  std::string access_key_id = "AK_TEST";
  std::string access_key_secret = "SK_TEST";
  std::chrono::seconds max_skew{300};
  std::chrono::seconds clock_offset{0};
  // Whether the key may manage users: false answers every authenticated call
  // 403 PERMISSION_DENIED, as IAM does for a key without the role.
  bool permitted = true;
};

class SenseCoreServer : public UserList {
 public:
  explicit SenseCoreServer(SenseCoreServerOptions options = {});
  void start() { http_.start(); }
  std::string base_url() const { return http_.base_url(); }
  Loopback& http() { return http_; }

  std::optional<nlohmann::json> by_username(const std::string& username) const;  // password included
  void seed(nlohmann::json user);

 private:
  using Json = nlohmann::json;
  std::optional<std::string> authenticate(const httplib::Request& req);
  void collection(const httplib::Request& req, httplib::Response& res);
  void item(const httplib::Request& req, httplib::Response& res);

  SenseCoreServerOptions options_;
  WriteClock clock_;  // create_time, update_time: every write moves update_time
  // Last, so it is destroyed first: stopping it waits for handlers that use the members above.
  Loopback http_;
};

}  // namespace idb::test::cloud
