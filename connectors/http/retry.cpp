#include "connectors/http/retry.h"

#include <algorithm>
#include <charconv>

#include "connectors/signing/crypto.h"

namespace idb::connectors::http {

bool retryable_status(int status) { return status == 408 || status == 429 || (status >= 500 && status != 501); }

int64_t backoff_ms(int attempt, int64_t initial_ms, int64_t max_ms, uint64_t random) {
  int64_t delay = std::max<int64_t>(initial_ms, 1);
  for (int i = 1; i < attempt && delay < max_ms; ++i) delay *= 2;
  delay = std::min(delay, max_ms);
  return delay / 2 + static_cast<int64_t>(random % static_cast<uint64_t>(delay / 2 + 1));
}

std::optional<int64_t> retry_after_ms(std::string_view value, std::chrono::system_clock::time_point now) {
  if (value.empty()) return std::nullopt;
  int64_t seconds = 0;
  auto [end, problem] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (problem == std::errc() && end == value.data() + value.size()) {
    if (seconds < 0) return std::nullopt;
    return std::min<int64_t>(seconds, int64_t{1} << 40) * 1000;
  }
  signing::Clock::time_point at;
  if (!signing::parse_http_date(value, at)) return std::nullopt;
  return std::max<int64_t>(0, std::chrono::duration_cast<std::chrono::milliseconds>(at - now).count());
}

Failure failure_for_status(int status, const std::string& code, const std::string& message) {
  const std::string label = "HTTP " + std::to_string(status) + (code.empty() ? "" : " " + code);
  const std::string detail = message.empty() ? label : label + ": " + message;
  if (retryable_status(status)) return {FailureKind::retry, label, detail};
  if (status == 409) return {FailureKind::conflict, label, detail};
  if (status == 401) {
    return {FailureKind::stop_target, label,
            "authentication failed (" + detail + "); check the target's access key, secret or token"};
  }
  if (status == 403) {
    return {FailureKind::permanent, label,
            "access denied (" + detail + "); check the target's credentials and their permissions"};
  }
  return {FailureKind::permanent, label, detail};
}

}  // namespace idb::connectors::http
