#pragma once
// A faithful local Authing Management API v3 (specs/001-authing.md): verifies
// AK/SK signatures (HMAC-SHA1 over the received headers, path and parameters;
// date within 15 minutes; no nonce twice) and management tokens, keeps users
// in memory with Authing's uniqueness rules and field checks, and answers
// get-user, create-user, update-user, list-users (paged) and delete-users-batch
// in Authing's envelope. HTTP status mirrors the body's statusCode.
// Placeholder apiCodes (the spec found no real ones): 2004 not found,
// 2026 already taken, 2001 invalid parameter, 2020 unauthenticated.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/cloud/servers/issued_tokens.h"
#include "tests/cloud/servers/loopback.h"
#include "tests/cloud/servers/write_clock.h"

namespace idb::test::cloud {

struct AuthingServerOptions {
  std::string access_key_id = "AK_TEST";      // also the user pool ID
  std::string access_key_secret = "SK_TEST";
  std::vector<std::string> custom_fields;     // the pool's declared customData keys
  int token_lifetime_s = 7200;
  std::chrono::seconds max_skew{900};         // INFERRED: Authing documents no window
  std::chrono::seconds clock_offset{0};       // the server's clock minus the real one
};

class AuthingServer {
 public:
  explicit AuthingServer(AuthingServerOptions options = {});
  void start() { http_.start(); }
  std::string base_url() const { return http_.base_url(); }
  Loopback& http() { return http_; }

  // Inspection for tests.
  std::optional<nlohmann::ordered_json> find(const std::string& field, const std::string& value) const;
  std::size_t user_count() const;
  int tokens_issued() const;
  void revoke_tokens();
  void seed(nlohmann::ordered_json user);  // a user created behind our back (no auth)

 private:
  using Json = nlohmann::ordered_json;
  // Why the request is not authenticated, or nothing.
  std::optional<std::string> authenticate(const httplib::Request& req);
  void reply(httplib::Response& res, int status, const std::string& message, int api_code, Json data = nullptr);
  Json* locate(const std::string& id, const std::string& type);  // with mutex_ held
  std::optional<std::string> validate(const Json& body, const Json* self);  // with mutex_ held

  void get_token(const httplib::Request& req, httplib::Response& res);
  void get_user(const httplib::Request& req, httplib::Response& res);
  void list_users(const httplib::Request& req, httplib::Response& res);
  void create_user(const httplib::Request& req, httplib::Response& res);
  void update_user(const httplib::Request& req, httplib::Response& res);
  void delete_users(const httplib::Request& req, httplib::Response& res);

  AuthingServerOptions options_;
  mutable std::mutex mutex_;
  std::vector<Json> users_;  // in creation order, for paging
  WriteClock clock_;         // updatedAt
  std::set<std::string> nonces_;
  IssuedTokens tokens_;
  // Last, so it is destroyed first: stopping it waits for handlers that use the members above.
  Loopback http_;
};

}  // namespace idb::test::cloud
