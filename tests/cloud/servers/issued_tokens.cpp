#include "tests/cloud/servers/issued_tokens.h"

#include "connectors/signing/crypto.h"

namespace idb::test::cloud {

std::string IssuedTokens::issue(Clock::time_point now, std::chrono::seconds lifetime, const std::string& prefix) {
  std::string token = prefix + connectors::signing::random_hex(24);
  std::lock_guard lock(mutex_);
  expiry_[token] = now + lifetime;
  ++issued_;
  return token;
}

IssuedTokens::Check IssuedTokens::check(const std::string& token, Clock::time_point now) const {
  std::lock_guard lock(mutex_);
  const auto found = expiry_.find(token);
  if (found == expiry_.end()) return Check::unknown;
  return found->second <= now ? Check::expired : Check::valid;
}

int IssuedTokens::issued() const {
  std::lock_guard lock(mutex_);
  return issued_;
}

void IssuedTokens::expire_all() {
  std::lock_guard lock(mutex_);
  for (auto& [token, expiry] : expiry_) expiry = Clock::time_point{};
}

void IssuedTokens::revoke_all() {
  std::lock_guard lock(mutex_);
  expiry_.clear();
}

}  // namespace idb::test::cloud
