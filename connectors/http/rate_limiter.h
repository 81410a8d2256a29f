#pragma once
// A token bucket: at most `per_second` requests per second on average, with
// bursts of up to `burst`. One per target, shared by all its requests.
#include <chrono>
#include <mutex>

namespace idb::connectors::http {

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  // per_second <= 0 means no limit.
  RateLimiter(double per_second, double burst);
  // How long the caller must wait before sending now; takes the token.
  Clock::duration reserve(Clock::time_point now);
  // Blocks until a request may be sent.
  void acquire();

 private:
  std::mutex mutex_;
  double per_second_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace idb::connectors::http
