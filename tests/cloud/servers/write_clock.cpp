#include "tests/cloud/servers/write_clock.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace idb::test::cloud {

int64_t WriteClock::next_ms() {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  last_ms_ = std::max(now, last_ms_ + 1);
  return last_ms_;
}

std::string WriteClock::next_rfc3339() {
  const int64_t ms = next_ms();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return out;
}

}  // namespace idb::test::cloud
