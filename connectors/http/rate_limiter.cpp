#include "connectors/http/rate_limiter.h"

#include <algorithm>
#include <thread>

namespace idb::connectors::http {

RateLimiter::RateLimiter(double per_second, double burst)
    : per_second_(per_second), burst_(std::max(burst, 1.0)), tokens_(burst_), last_(Clock::now()) {}

RateLimiter::Clock::duration RateLimiter::reserve(Clock::time_point now) {
  if (per_second_ <= 0) return Clock::duration::zero();
  std::lock_guard lock(mutex_);
  const double elapsed = std::chrono::duration<double>(now - last_).count();
  if (elapsed > 0) {
    tokens_ = std::min(burst_, tokens_ + elapsed * per_second_);
    last_ = now;
  }
  // Tokens may go negative: each waiter reserves its own future slot.
  tokens_ -= 1;
  if (tokens_ >= 0) return Clock::duration::zero();
  return std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(-tokens_ / per_second_));
}

void RateLimiter::acquire() {
  const auto wait = reserve(Clock::now());
  if (wait > Clock::duration::zero()) std::this_thread::sleep_for(wait);
}

}  // namespace idb::connectors::http
