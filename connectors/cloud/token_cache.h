#pragma once
// A bearer token an API hands out for a while (Authing's management token,
// PDS's JWT-bearer grant, Huawei IAM's X-Subject-Token): fetched once, shared
// by every request, fetched again shortly before it expires and once more
// when the server rejects it. One fetch at a time, so concurrent requests
// never ask the token endpoint twice for the same renewal.
#include <chrono>
#include <functional>
#include <mutex>
#include <optional>
#include <string>

#include "connectors/connector.h"
#include "connectors/http/client.h"

namespace idb::connectors::cloud {

struct Token {
  std::string value;
  std::chrono::seconds lifetime{0};
  std::string scope;  // what calls must repeat beside it (Authing's user pool id), if anything
};

class TokenCache {
 public:
  using Fetch = std::function<Result<Token>()>;
  // Renewed `margin` before expiry (at most half the lifetime, for short-lived tokens).
  explicit TokenCache(Fetch fetch, std::chrono::seconds margin = std::chrono::minutes(1));

  Result<Token> current();
  // The server refused `value`: the next current() fetches, unless a newer token is already held.
  void reject(const std::string& value);

 private:
  Fetch fetch_;
  std::chrono::seconds margin_;
  std::mutex mutex_;
  std::optional<Token> token_;
  std::chrono::steady_clock::time_point renew_at_{};
};

// Sends `request` with the current token, added by `attach`. A 401 answer
// means the token was revoked or expired early: it is fetched again and the
// request sent once more; a second 401 is the caller's to classify.
Result<http::Response> send_with_token(http::Client& client, TokenCache& tokens, const http::Request& request,
                                       const std::function<void(http::Request&, const Token&)>& attach);

}  // namespace idb::connectors::cloud
