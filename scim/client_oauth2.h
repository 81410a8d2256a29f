#pragma once
// OAuth 2.0 client credentials (RFC 6749 §4.4) for polling a SCIM source: the
// token request and response as pure functions, and a cache that asks for a
// new token shortly before the current one expires.
#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

#include "connectors/http/client.h"

namespace idb::scim::oauth2 {

using Clock = std::chrono::system_clock;

struct Credentials {
  std::string token_url;  // scheme://host[:port]/path
  std::string client_id;
  std::string client_secret;
  std::string scope;      // may be empty
};

struct Token {
  std::string access_token;
  Clock::time_point refresh_at;  // a little before it expires
};

// POST to the token endpoint's path: grant_type=client_credentials (and
// scope), the client authenticated with HTTP Basic (§2.3.1).
connectors::http::Request token_request(const std::string& path, const Credentials& credentials);

// §5.1 (a bearer token and its lifetime) or §5.2 (an error): the token, or
// a message naming what the endpoint said. Never quotes a token.
std::variant<Token, std::string> parse_token_response(int status, std::string_view body, Clock::time_point now);

// Hands out a valid access token, asking the endpoint only when none is
// cached or the cached one is about to expire. Not thread-safe: one per poller.
class TokenCache {
 public:
  TokenCache(Credentials credentials, const std::string& ca_file, int timeout_ms);
  ~TokenCache();
  connectors::Result<std::string> token(Clock::time_point now = Clock::now());
  // The source refused the token (401): the next call asks for a new one.
  void forget() { token_.reset(); }

 private:
  Credentials credentials_;
  std::string path_;
  std::unique_ptr<connectors::http::Client> client_;
  std::optional<Token> token_;
};

}  // namespace idb::scim::oauth2
