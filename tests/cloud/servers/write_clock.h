#pragma once
// The update time a faithful server sets on an account at each write (the
// account's version, issue 7). Strictly after the previous write's, so every
// write moves the version even within one millisecond: a real service's
// clock could give two writes in the same millisecond one time, which a test
// must not depend on. Not locked: the server calls it under its own mutex.
#include <cstdint>
#include <string>

namespace idb::test::cloud {

class WriteClock {
 public:
  // Now, in epoch milliseconds, after every earlier answer.
  int64_t next_ms();
  // next_ms() as RFC 3339 UTC with milliseconds, "2024-11-04T06:28:49.009Z".
  std::string next_rfc3339();

 private:
  int64_t last_ms_ = 0;
};

}  // namespace idb::test::cloud
