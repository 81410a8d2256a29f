#pragma once
// The access tokens a local server has handed out and until when each is good,
// by the server's own clock (which tests may set apart from the client's).
// Thread-safe: handlers check tokens while tests revoke them.
#include <chrono>
#include <map>
#include <mutex>
#include <string>

namespace idb::test::cloud {

class IssuedTokens {
 public:
  using Clock = std::chrono::system_clock;
  enum class Check { valid, unknown, expired };

  // A new token, `prefix` then random hex, good for `lifetime` from `now`.
  std::string issue(Clock::time_point now, std::chrono::seconds lifetime, const std::string& prefix = "");
  Check check(const std::string& token, Clock::time_point now) const;
  int issued() const;
  // Every token so far is unknown from now on (revoked, or the server restarted).
  void revoke_all();
  // Every token so far has expired (the server's idea of time, not the client's).
  void expire_all();

 private:
  mutable std::mutex mutex_;
  std::map<std::string, Clock::time_point> expiry_;
  int issued_ = 0;
};

}  // namespace idb::test::cloud
