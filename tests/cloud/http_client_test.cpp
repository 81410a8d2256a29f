// The shared HTTP client against a loopback server that misbehaves on cue.
#include <gtest/gtest.h>

#include <atomic>
#include <set>

#include "connectors/http/client.h"
#include "connectors/http/rate_limiter.h"
#include "connectors/http/retry.h"
#include "connectors/signing/crypto.h"
#include "tests/cloud/servers/loopback.h"

namespace idb::connectors::http {
namespace {

using test::cloud::Fault;
using test::cloud::Loopback;
using namespace std::chrono_literals;

TEST(Retry, StatusesThatMayBeRetried) {
  for (int s : {408, 429, 500, 502, 503, 504}) EXPECT_TRUE(retryable_status(s)) << s;
  for (int s : {200, 400, 401, 403, 404, 409, 501}) EXPECT_FALSE(retryable_status(s)) << s;
}

TEST(Retry, BackoffDoublesWithinJitterAndCap) {
  for (uint64_t r : {0ull, 1ull, 12345ull, ~0ull}) {
    EXPECT_GE(backoff_ms(1, 200, 5000, r), 100);
    EXPECT_LE(backoff_ms(1, 200, 5000, r), 200);
    EXPECT_GE(backoff_ms(3, 200, 5000, r), 400);
    EXPECT_LE(backoff_ms(3, 200, 5000, r), 800);
    EXPECT_LE(backoff_ms(30, 200, 5000, r), 5000);
    EXPECT_GE(backoff_ms(30, 200, 5000, r), 2500);
  }
}

TEST(Retry, RetryAfterSecondsOrDate) {
  signing::Clock::time_point now;
  ASSERT_TRUE(signing::parse_http_date("Sun, 22 Nov 2026 13:44:32 GMT", now));
  EXPECT_EQ(retry_after_ms("3", now), 3000);
  EXPECT_EQ(retry_after_ms("0", now), 0);
  EXPECT_EQ(retry_after_ms("Sun, 22 Nov 2026 13:44:42 GMT", now), 10000);
  EXPECT_EQ(retry_after_ms("Sun, 22 Nov 2026 13:44:00 GMT", now), 0);
  EXPECT_EQ(retry_after_ms("", now), std::nullopt);
  EXPECT_EQ(retry_after_ms("-1", now), std::nullopt);
  EXPECT_EQ(retry_after_ms("soon", now), std::nullopt);
}

TEST(Retry, FailureClasses) {
  EXPECT_EQ(failure_for_status(429, "TooManyRequests", "slow down").kind, FailureKind::retry);
  EXPECT_EQ(failure_for_status(503, "", "").kind, FailureKind::retry);
  EXPECT_EQ(failure_for_status(409, "AlreadyExist.User", "taken").kind, FailureKind::conflict);
  const Failure auth = failure_for_status(401, "InvalidSignature", "bad signature");
  EXPECT_EQ(auth.kind, FailureKind::stop_target);
  EXPECT_EQ(auth.code, "HTTP 401 InvalidSignature");
  EXPECT_NE(auth.message.find("check the target's access key"), std::string::npos);
  EXPECT_EQ(failure_for_status(403, "Forbidden", "").kind, FailureKind::permanent);
  EXPECT_EQ(failure_for_status(400, "InvalidParameter", "x").message, "HTTP 400 InvalidParameter: x");
}

TEST(RateLimiter, BurstThenSteadyRate) {
  RateLimiter limiter(10, 2);
  const auto t0 = RateLimiter::Clock::now();
  EXPECT_EQ(limiter.reserve(t0), RateLimiter::Clock::duration::zero());
  EXPECT_EQ(limiter.reserve(t0), RateLimiter::Clock::duration::zero());
  EXPECT_NEAR(std::chrono::duration<double>(limiter.reserve(t0)).count(), 0.1, 1e-6);
  EXPECT_NEAR(std::chrono::duration<double>(limiter.reserve(t0)).count(), 0.2, 1e-6);
  // A second later the debt is paid and one token is back (the bucket refills at 10/s, capped at 2).
  EXPECT_EQ(limiter.reserve(t0 + 1s), RateLimiter::Clock::duration::zero());
  RateLimiter unlimited(0, 1);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(unlimited.reserve(t0), RateLimiter::Clock::duration::zero());
}

class HttpClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    server_.route("GET", "/echo", [this](const httplib::Request& req, httplib::Response& res) {
      ++acted_;
      std::lock_guard lock(mutex_);
      nonces_.insert(req.get_header_value("X-Nonce"));
      res.set_content("q=" + req.get_param_value("q"), "text/plain");
    });
    server_.route("POST", "/create", [this](const httplib::Request&, httplib::Response& res) {
      ++acted_;
      res.status = 201;
      res.set_content("{}", "application/json");
    });
    server_.start();
  }

  Options options() {
    Options o;
    o.base_url = server_.base_url();
    o.timeout_ms = 300;
    o.backoff_initial_ms = 1;
    o.backoff_max_ms = 50;
    o.rate_per_second = 0;
    return o;
  }

  std::atomic<int> acted_{0};
  std::mutex mutex_;
  std::set<std::string> nonces_;
  // Last, so it stops (waiting for a handler still sleeping on a slow fault) before the members it uses go.
  Loopback server_{[](int status) { return "{\"status\":" + std::to_string(status) + "}"; }};
};

const Sign kNonce = [](Request& r) { r.headers.emplace_back("X-Nonce", signing::random_hex(8)); };

TEST_F(HttpClientTest, EncodesQueryAndSignsEveryAttemptAfresh) {
  server_.inject(Fault::status_code(503), 2);
  Client client("t", options());
  auto response = client.send({"GET", "/echo", {{"q", "a b&c=d/é"}}, {}, "", true}, kNonce);
  ASSERT_TRUE(response.ok()) << response.failure().message;
  EXPECT_EQ(response.value().status, 200);
  EXPECT_EQ(response.value().body, "q=a b&c=d/é");
  EXPECT_EQ(server_.requests(), 3);
  EXPECT_EQ(nonces_.size(), 1u);  // only the third attempt reached the handler, with its own nonce
}

TEST_F(HttpClientTest, HonoursRetryAfter) {
  server_.inject(Fault::status_code(429, "0"));
  Client client("t", options());
  auto response = client.send({"GET", "/echo", {}, {}, "", true});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response.value().status, 200);
  EXPECT_EQ(server_.requests(), 2);
}

TEST_F(HttpClientTest, LeavesALongRetryAfterToTheOutbox) {
  server_.inject(Fault::status_code(429, "120"));
  Client client("t", options());
  const auto started = std::chrono::steady_clock::now();
  auto response = client.send({"GET", "/echo", {}, {}, "", true});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response.value().status, 429);
  EXPECT_EQ(response.value().header("retry-after"), "120");
  EXPECT_EQ(server_.requests(), 1);
  EXPECT_LT(std::chrono::steady_clock::now() - started, 5s);
}

TEST_F(HttpClientTest, GivesUpAfterMaxAttempts) {
  server_.inject(Fault::status_code(500), 5);
  Client client("t", options());
  auto response = client.send({"GET", "/echo", {}, {}, "", true});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response.value().status, 500);
  EXPECT_EQ(server_.requests(), 3);
}

TEST_F(HttpClientTest, SlowResponseTimesOutThenSucceeds) {
  server_.inject(Fault::slow(500));
  Client client("t", options());
  auto response = client.send({"GET", "/echo", {}, {}, "", true});
  ASSERT_TRUE(response.ok()) << response.failure().message;
  EXPECT_EQ(response.value().status, 200);
}

TEST_F(HttpClientTest, DroppedConnectionIsRetriedForIdempotentRequests) {
  server_.inject(Fault::drop(true));
  Client client("t", options());
  auto response = client.send({"GET", "/echo", {}, {}, "", true});
  ASSERT_TRUE(response.ok()) << response.failure().message;
  EXPECT_EQ(response.value().status, 200);
  EXPECT_EQ(acted_, 2);
}

TEST_F(HttpClientTest, CreateIsNotResentAfterTheServerMayHaveActed) {
  server_.inject(Fault::drop(true));
  Client client("t", options());
  auto response = client.send({"POST", "/create", {}, {}, "{}", false});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.failure().kind, FailureKind::retry);
  EXPECT_EQ(response.failure().code, "http:Read");
  EXPECT_EQ(acted_, 1);

  server_.inject(Fault::status_code(500));
  auto second = client.send({"POST", "/create", {}, {}, "{}", false});
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second.value().status, 500);
  EXPECT_EQ(acted_, 1);
}

TEST_F(HttpClientTest, CreateIsResentAfterA429) {
  server_.inject(Fault::status_code(429, "0"));
  Client client("t", options());
  auto response = client.send({"POST", "/create", {}, {}, "{}", false});
  ASSERT_TRUE(response.ok());
  EXPECT_EQ(response.value().status, 201);
  EXPECT_EQ(acted_, 1);
}

TEST_F(HttpClientTest, RefusedConnectionIsARetryFailure) {
  Options o = options();
  server_.stop();
  o.base_url = server_.base_url();
  Client client("t", o);
  auto response = client.send({"POST", "/create", {}, {}, "{}", false});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.failure().kind, FailureKind::retry);
  EXPECT_EQ(response.failure().code, "http:Connection");
}

TEST(HttpClient, RejectsBadBaseUrls) {
  for (const char* url : {"", "ftp://x", "https://", "https://host/path", "host:80", "http://h:port"}) {
    Options o;
    o.base_url = url;
    EXPECT_THROW(Client("t", o), std::invalid_argument) << url;
  }
  Options o;
  o.base_url = "https://api.authing.cn";
  EXPECT_EQ(Client("t", o).host(), "api.authing.cn");
  o.base_url = "http://127.0.0.1:8080/";
  EXPECT_EQ(Client("t", o).host(), "127.0.0.1:8080");
}

}  // namespace
}  // namespace idb::connectors::http
