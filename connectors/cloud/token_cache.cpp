#include "connectors/cloud/token_cache.h"

#include <algorithm>

namespace idb::connectors::cloud {

TokenCache::TokenCache(Fetch fetch, std::chrono::seconds margin) : fetch_(std::move(fetch)), margin_(margin) {}

Result<Token> TokenCache::current() {
  std::lock_guard lock(mutex_);
  const auto now = std::chrono::steady_clock::now();
  if (token_ && now < renew_at_) return *token_;
  auto fetched = fetch_();
  if (!fetched) return fetched.failure();
  const auto lifetime = fetched.value().lifetime;
  token_ = fetched.value();
  renew_at_ = now + lifetime - std::min(margin_, lifetime / 2);
  return *token_;
}

void TokenCache::reject(const std::string& value) {
  std::lock_guard lock(mutex_);
  if (token_ && token_->value == value) token_.reset();
}

Result<http::Response> send_with_token(http::Client& client, TokenCache& tokens, const http::Request& request,
                                       const std::function<void(http::Request&, const Token&)>& attach) {
  for (int attempt = 1;; ++attempt) {
    auto token = tokens.current();
    if (!token) return token.failure();
    auto response = client.send(request, [&](http::Request& r) { attach(r, token.value()); });
    if (!response || response.value().status != 401 || attempt == 2) return response;
    tokens.reject(token.value().value);
  }
}

}  // namespace idb::connectors::cloud
