#include "tests/cloud/servers/write_clock.h"

#include <algorithm>
#include <chrono>

#include "scim/resource.h"

namespace idb::test::cloud {

int64_t WriteClock::next_ms() {
  const int64_t now =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  last_ms_ = std::max(now, last_ms_ + 1);
  return last_ms_;
}

std::string WriteClock::next_rfc3339() {
  return scim::rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(next_ms())));
}

}  // namespace idb::test::cloud
