#include "scim/client_oauth2.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "connectors/http/retry.h"
#include "connectors/signing/crypto.h"
#include "scim/poller_core.h"

namespace idb::scim::oauth2 {
namespace {

using json = nlohmann::json;
namespace signing = connectors::signing;

// Lifetime assumed when the endpoint does not say (§5.1 leaves expires_in optional).
constexpr int64_t kDefaultLifetimeS = 300;

}  // namespace

connectors::http::Request token_request(const std::string& path, const Credentials& c) {
  connectors::http::Request r;
  r.method = "POST";
  r.path = path.empty() ? "/" : path;
  // §2.3.1: id and secret are form-encoded before they are joined for Basic.
  const std::string basic = signing::base64(signing::uri_encode(c.client_id) + ":" + signing::uri_encode(c.client_secret));
  r.headers = {{"Authorization", "Basic " + basic},
               {"Content-Type", "application/x-www-form-urlencoded"},
               {"Accept", "application/json"}};
  r.body = "grant_type=client_credentials";
  if (!c.scope.empty()) r.body += "&scope=" + signing::uri_encode(c.scope);
  return r;
}

std::variant<Token, std::string> parse_token_response(int status, std::string_view body, Clock::time_point now) {
  const json doc = json::parse(body, nullptr, false);
  if (status != 200) {
    std::string what = "the token endpoint answered HTTP " + std::to_string(status);
    if (doc.is_object() && doc.contains("error") && doc["error"].is_string()) {
      what += " " + doc["error"].get<std::string>();
      if (doc.contains("error_description") && doc["error_description"].is_string()) {
        what += ": " + doc["error_description"].get<std::string>();
      }
    }
    return what;
  }
  if (!doc.is_object()) return std::string("the token endpoint's answer is not a JSON object");
  const auto token = doc.find("access_token");
  if (token == doc.end() || !token->is_string() || token->get<std::string>().empty()) {
    return std::string("the token endpoint's answer has no 'access_token'");
  }
  const auto type = doc.find("token_type");
  if (type == doc.end() || !type->is_string() || signing::lower(type->get<std::string>()) != "bearer") {
    return std::string("the token endpoint's answer has no 'token_type' of Bearer");
  }
  int64_t lifetime = kDefaultLifetimeS;
  if (const auto expires = doc.find("expires_in"); expires != doc.end()) {
    if (!expires->is_number_integer() || expires->get<int64_t>() <= 0) {
      return std::string("the token endpoint's 'expires_in' is not a positive integer");
    }
    lifetime = expires->get<int64_t>();
  }
  // Renew a minute early (a tenth early for short-lived tokens) so no request carries an expired one.
  const int64_t margin = std::min<int64_t>(60, lifetime / 10);
  return Token{token->get<std::string>(), now + std::chrono::seconds(lifetime - margin)};
}

TokenCache::TokenCache(Credentials credentials, const std::string& ca_file, int timeout_ms)
    : credentials_(std::move(credentials)) {
  const auto endpoint = poll::split_url(credentials_.token_url);
  path_ = endpoint.path;
  connectors::http::Options options;
  options.base_url = endpoint.origin;
  options.ca_file = ca_file;
  options.timeout_ms = timeout_ms;
  options.rate_per_second = 0;
  client_ = std::make_unique<connectors::http::Client>("oauth2 " + endpoint.origin, options);
}

TokenCache::~TokenCache() = default;

connectors::Result<std::string> TokenCache::token(Clock::time_point now) {
  if (token_ && now < token_->refresh_at) return token_->access_token;
  token_.reset();
  auto response = client_->send(token_request(path_, credentials_));
  if (!response) return response.failure();
  auto parsed = parse_token_response(response.value().status, response.value().body, now);
  if (auto* problem = std::get_if<std::string>(&parsed)) {
    const bool later = connectors::http::retryable_status(response.value().status);
    return connectors::Failure{later ? connectors::FailureKind::retry : connectors::FailureKind::permanent,
                               "oauth2", *problem + " (" + credentials_.token_url + ")"};
  }
  token_ = std::get<Token>(std::move(parsed));
  return token_->access_token;
}

}  // namespace idb::scim::oauth2
