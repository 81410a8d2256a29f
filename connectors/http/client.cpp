#include "connectors/http/client.h"

#include <httplib.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "connectors/http/retry.h"
#include "connectors/signing/crypto.h"

namespace idb::connectors::http {

namespace {

struct Origin {
  std::string scheme, host;
  int port = 0;
};

Origin parse_origin(const std::string& url) {
  Origin o;
  const auto sep = url.find("://");
  if (sep == std::string::npos) throw std::invalid_argument("base URL '" + url + "' must start with http:// or https://");
  o.scheme = url.substr(0, sep);
  if (o.scheme != "http" && o.scheme != "https") {
    throw std::invalid_argument("base URL '" + url + "' must start with http:// or https://");
  }
  std::string rest = url.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if (rest.empty() || rest.find_first_of("/?#@ ") != std::string::npos) {
    throw std::invalid_argument("base URL '" + url + "' must be scheme://host[:port] with no path");
  }
  o.port = o.scheme == "https" ? 443 : 80;
  o.host = rest;
  if (const auto colon = rest.rfind(':'); colon != std::string::npos && rest.find(']') == std::string::npos) {
    o.host = rest.substr(0, colon);
    try {
      o.port = std::stoi(rest.substr(colon + 1));
    } catch (const std::exception&) {
      throw std::invalid_argument("base URL '" + url + "' has a bad port");
    }
  }
  return o;
}

const char* describe(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "cannot connect";
    case httplib::Error::Read: return "connection dropped while reading the response";
    case httplib::Error::Write: return "connection dropped while sending the request";
    case httplib::Error::ConnectionTimeout: return "connect timed out";
    case httplib::Error::SSLConnection: return "TLS handshake failed";
    case httplib::Error::SSLServerVerification: return "TLS certificate verification failed";
    default: return "request failed";
  }
}

}  // namespace

std::string encode_query(const signing::Params& query) {
  std::string out;
  for (const auto& [name, value] : query) {
    out += (out.empty() ? "?" : "&") + signing::uri_encode(name) + "=" + signing::uri_encode(value);
  }
  return out;
}

Client::Client(std::string target, Options options)
    : target_(std::move(target)),
      options_(std::move(options)),
      limiter_(options_.rate_per_second, options_.burst),
      random_(std::random_device{}()) {
  const Origin origin = parse_origin(options_.base_url);
  const bool default_port = origin.port == (origin.scheme == "https" ? 443 : 80);
  host_ = default_port ? origin.host : origin.host + ":" + std::to_string(origin.port);
  client_ = std::make_unique<httplib::Client>(origin.scheme + "://" + origin.host + ":" + std::to_string(origin.port));
  client_->enable_server_certificate_verification(true);
  if (!options_.ca_file.empty()) client_->set_ca_cert_path(options_.ca_file.c_str());
  client_->set_keep_alive(true);
  client_->set_tcp_nodelay(true);  // small signed requests must not wait on delayed ACKs
  client_->set_connection_timeout(std::chrono::milliseconds(options_.connect_timeout_ms));
  client_->set_read_timeout(std::chrono::milliseconds(options_.timeout_ms));
  client_->set_write_timeout(std::chrono::milliseconds(options_.timeout_ms));
}

Client::~Client() = default;

int64_t Client::wait_before(int attempt, const Response* response) {
  if (response) {
    if (auto after = retry_after_ms(response->header("Retry-After"), std::chrono::system_clock::now())) return *after;
  }
  return backoff_ms(attempt, options_.backoff_initial_ms, options_.backoff_max_ms, random_());
}

Result<Response> Client::send(const Request& original, const Sign& sign) {
  std::lock_guard lock(mutex_);
  const int attempts = std::max(1, options_.max_attempts);
  for (int attempt = 1;; ++attempt) {
    Request request = original;
    if (sign) sign(request);
    httplib::Request wire;
    wire.method = request.method;
    wire.path = request.path + encode_query(request.query);
    for (const auto& [name, value] : request.headers) wire.headers.emplace(name, value);
    wire.body = request.body;

    limiter_.acquire();
    auto result = client_->send(wire);
    if (!result) {
      const auto error = result.error();
      spdlog::debug("{}: {} {} -> {}", target_, request.method, request.path, describe(error));
      const std::string what = std::string(describe(error)) + " (" + request.method + " " + request.path + ")";
      if (error == httplib::Error::SSLServerVerification) {
        // Not a passing fault: the peer is not who the configuration trusts.
        return Failure{FailureKind::stop_target, "http:" + httplib::to_string(error),
                       what + "; check the target's base_url and ca_file"};
      }
      // Without a connection the server never saw the request, so even a create may go again.
      const bool unseen = error == httplib::Error::Connection || error == httplib::Error::ConnectionTimeout;
      if (attempt < attempts && (original.idempotent || unseen)) {
        std::this_thread::sleep_for(std::chrono::milliseconds(wait_before(attempt, nullptr)));
        continue;
      }
      return Failure{FailureKind::retry, "http:" + httplib::to_string(error), what};
    }
    Response response{result->status, {}, std::move(result->body)};
    for (const auto& [name, value] : result->headers) response.headers.emplace_back(name, value);
    spdlog::debug("{}: {} {} -> {}", target_, request.method, request.path, response.status);

    // A 429 is refused before any work is done; other retryable statuses may
    // come after the server acted, so a create is not sent again for them.
    const bool again = retryable_status(response.status) && (original.idempotent || response.status == 429);
    if (!again || attempt >= attempts) return response;
    const int64_t wait = wait_before(attempt, &response);
    if (wait > options_.backoff_max_ms) return response;  // the outbox waits that long, not this thread
    std::this_thread::sleep_for(std::chrono::milliseconds(wait));
  }
}

}  // namespace idb::connectors::http
