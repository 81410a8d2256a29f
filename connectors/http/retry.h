#pragma once
// When and how long to wait before sending a request again, and what a final
// HTTP status means for the outbox. Pure functions; the client applies them.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/connector.h"

namespace idb::connectors::http {

// 408, 429 and 5xx other than 501: the server may accept the same request later.
bool retryable_status(int status);

// Exponential backoff with "equal jitter": attempt 1 waits initial_ms/2..initial_ms,
// each later attempt twice that, capped at max_ms. `random` is any 64-bit value.
int64_t backoff_ms(int attempt, int64_t initial_ms, int64_t max_ms, uint64_t random);

// A Retry-After value (delta-seconds or an HTTP-date) as milliseconds from `now`;
// nullopt when absent or malformed. A date in the past means "now" (0).
std::optional<int64_t> retry_after_ms(std::string_view value, std::chrono::system_clock::time_point now);

// The failure a final error status stands for: 429/5xx retry later, 409 a
// conflict, 401 stops the target (its credentials are refused), 403 a permanent
// permission problem (both messages say to check the target's credentials;
// an API whose 403 refuses the whole API makes it stop the target, see
// cloud/answers.h), other 4xx permanent.
// `code` and `message` are the API's own, parsed from its error body.
Failure failure_for_status(int status, const std::string& code, const std::string& message);

}  // namespace idb::connectors::http
