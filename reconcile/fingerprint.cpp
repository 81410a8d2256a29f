#include "reconcile/fingerprint.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdint>
#include <string_view>
#include <vector>

namespace idb::reconcile {
namespace {

// Encodes unambiguously what is digested: every string is prefixed with its
// length, so no choice of values can make two inputs collide by
// concatenation. The encoding is built in one buffer and digested at once:
// a digest update per string cost more than the hashing (a daemon round
// fingerprints every change of a first load).
class Digest {
 public:
  void text(std::string_view s) {
    const uint64_t n = s.size();
    bytes_.append(reinterpret_cast<const char*>(&n), sizeof n);
    bytes_ += s;
  }
  void marker(char m) { bytes_ += m; }
  void attributes(const mapping::Attributes& attributes) {
    marker('{');
    for (const auto& [name, values] : attributes) {
      const uint64_t n = name.size();
      bytes_.append(reinterpret_cast<const char*>(&n), sizeof n);
      for (const char c : name) bytes_ += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      // Values compare as sets.
      sorted_.clear();
      for (const auto& v : values) sorted_.push_back(&v);
      std::sort(sorted_.begin(), sorted_.end(), [](const std::string* a, const std::string* b) { return *a < *b; });
      marker('[');
      for (const auto* v : sorted_) text(*v);
      marker(']');
    }
    marker('}');
  }
  std::string hex() const {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_Digest(bytes_.data(), bytes_.size(), digest, &size, EVP_sha256(), nullptr);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out(2 * size, '0');
    for (unsigned int i = 0; i < size; ++i) {
      out[2 * i] = kHex[digest[i] >> 4];
      out[2 * i + 1] = kHex[digest[i] & 0xf];
    }
    return out;
  }

 private:
  std::string bytes_;
  std::vector<const std::string*> sorted_;
};

}  // namespace

std::string fingerprint(const mapping::Desired& desired, const std::optional<mapping::Attributes>& baseline,
                        const std::optional<Account>& observed) {
  Digest d;
  d.text(desired.key);
  d.attributes(desired.attributes);
  if (baseline) {
    d.marker('B');
    d.attributes(*baseline);
  } else {
    d.marker('-');
  }
  if (observed) {
    d.marker('O');
    d.text(observed->key);
    d.attributes(observed->attributes);
  } else {
    d.marker('-');
  }
  return d.hex();
}

std::string batch_fingerprint(std::vector<std::pair<std::string, std::string>> items) {
  std::sort(items.begin(), items.end());
  Digest d;
  for (const auto& [id, print] : items) {
    d.text(id);
    d.text(print);
  }
  return d.hex().substr(0, kBatchIdLength);
}

}  // namespace idb::reconcile
