#pragma once
// The one HTTP(S) client every cloud connector sends through: timeouts,
// certificate verification, a per-target rate limit, and bounded retries with
// exponential backoff and jitter that honour Retry-After. Requests are signed
// again before every attempt, so dates and nonces are always fresh.
//
// It logs method, path and status only: never headers (they carry signatures
// and tokens), query strings or bodies.
#include <functional>
#include <memory>
#include <mutex>
#include <random>
#include <string>

#include "connectors/connector.h"
#include "connectors/http/rate_limiter.h"
#include "connectors/signing/text.h"

namespace httplib {
class Client;
}

namespace idb::connectors::http {

struct Request {
  std::string method;           // GET POST PUT PATCH DELETE
  std::string path;             // without the query
  signing::Params query;        // decoded; sent RFC 3986-encoded
  signing::Headers headers;
  std::string body;
  // False for requests that must not reach the server twice (creates): they
  // are resent only when the server provably did not act on them (429, no connection).
  bool idempotent = true;
};

struct Response {
  int status = 0;
  signing::Headers headers;
  std::string body;
  std::string header(std::string_view name) const { return signing::header_value(headers, name); }
};

struct Options {
  std::string base_url;            // scheme://host[:port], no path
  std::string ca_file;             // extra CA bundle (private deployments); system store otherwise
  int connect_timeout_ms = 5000;
  int timeout_ms = 10000;          // read and write
  int max_attempts = 3;            // per request, inside one outbox attempt
  int backoff_initial_ms = 200;
  int backoff_max_ms = 5000;       // a longer Retry-After is left to the outbox
  double rate_per_second = 10;     // 0 = unlimited
  double burst = 10;
};

// Adds authentication (Date, Authorization, ...) to a request about to be sent.
using Sign = std::function<void(Request&)>;

class Client {
 public:
  // Throws std::invalid_argument for a base URL that is not scheme://host[:port].
  Client(std::string target, Options options);
  ~Client();
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;

  // The final response, whatever its status (after retries of retryable ones),
  // or a retry Failure when no response came (timeout, refused, dropped).
  Result<Response> send(const Request& request, const Sign& sign = {});

  // "host" or "host:port" as the Host header carries it; signers that sign Host need it.
  const std::string& host() const { return host_; }

 private:
  int64_t wait_before(int attempt, const Response* response);

  std::string target_;
  Options options_;
  std::string host_;
  RateLimiter limiter_;
  std::mutex mutex_;  // httplib::Client sends one request at a time
  std::unique_ptr<httplib::Client> client_;
  std::mt19937_64 random_;
};

// The wire form of a query: "?a=1&b=x%20y", or "" without parameters.
std::string encode_query(const signing::Params& query);

}  // namespace idb::connectors::http
