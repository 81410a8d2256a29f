#pragma once
// A faithful local PDS (2022-03-01) user service (specs/002-aliyun-pds.md):
// verifies ROA "acs" HMAC-SHA1 signatures from the received headers (date
// within 15 minutes, INFERRED from Alibaba POP; no nonce twice), keeps users
// in memory keyed by the caller-chosen user_id, enforces the field limits
// (user_id <= 64 and no '#', nick_name <= 128, description <= 1024, enums,
// user_data <= 1024 characters, replaced as a whole), and answers
// get/list (marker paging)/search/create/update/delete, all POST + JSON.
// Errors are {"code","message"} with the HTTP status; codes follow the spec's
// (unconfirmed) list: InvalidParameter.*, InvalidSignature, AccessTokenInvalid,
// AccessTokenExpired, NotFound.User, AlreadyExist.User.
// Bearer tokens come from POST /v2/oauth/token (form-encoded JWT-bearer
// grant): the assertion must verify with the app's public key (RS256) and
// carry iss = client_id, aud = domain_id, sub, sub_type user|service, an
// unused jti, and iat/nbf/exp that hold now (exp at most an hour after iat).
// The spec names no error codes for the grant: InvalidClient and
// InvalidJWT.* (401) are placeholders.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <set>
#include <string>

#include <nlohmann/json.hpp>

#include "tests/cloud/servers/issued_tokens.h"
#include "tests/cloud/servers/loopback.h"
#include "tests/cloud/servers/write_clock.h"

namespace idb::test::cloud {

struct PdsServerOptions {
  std::string domain_id = "bj1";
  std::string access_key_id = "YourAccessKeyId";
  std::string access_key_secret = "YourAccessKeySecret";
  std::chrono::seconds max_skew{900};
  std::chrono::seconds clock_offset{0};
  std::string client_id = "pds-app-1";   // the app allowed the JWT-bearer grant
  std::string app_public_key;            // PEM; the grant is refused without one
  std::chrono::seconds token_lifetime{7200};
  std::optional<Tls> tls;                // HTTPS with this certificate
};

class PdsServer {
 public:
  explicit PdsServer(PdsServerOptions options = {});
  void start() { http_.start(); }
  std::string base_url() const { return http_.base_url(); }
  Loopback& http() { return http_; }

  int tokens_issued() const { return tokens_.issued(); }
  void expire_tokens() { tokens_.expire_all(); }

  std::optional<nlohmann::json> user(const std::string& user_id) const;
  std::size_t user_count() const;
  void seed(nlohmann::json user);

 private:
  using Json = nlohmann::json;
  struct Refusal {
    std::string code;
    std::string message;
  };
  std::optional<Refusal> authenticate(const httplib::Request& req);
  std::optional<std::string> check_signature(const httplib::Request& req);
  void token(const httplib::Request& req, httplib::Response& res);
  // Why the body's fields break a limit, or nothing.
  static std::optional<std::string> validate(const Json& body);
  void route(const std::string& path, void (PdsServer::*handler)(const Json&, httplib::Response&));

  void get(const Json& body, httplib::Response& res);
  void list(const Json& body, httplib::Response& res);
  void search(const Json& body, httplib::Response& res);
  void create(const Json& body, httplib::Response& res);
  void update(const Json& body, httplib::Response& res);
  void remove(const Json& body, httplib::Response& res);
  void page(const std::vector<const Json*>& matches, const Json& body, httplib::Response& res);

  PdsServerOptions options_;
  mutable std::mutex mutex_;
  std::map<std::string, Json> users_;  // by user_id; ordered, so markers are user_ids
  WriteClock clock_;                   // updated_at
  std::set<std::string> nonces_;
  std::set<std::string> assertion_ids_;  // jti values seen
  IssuedTokens tokens_;
  // Last, so it is destroyed first: stopping it waits for handlers that use the members above.
  Loopback http_;
};

}  // namespace idb::test::cloud
