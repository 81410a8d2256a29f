#include "reconcile/fingerprint.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdio>
#include <memory>

namespace idb::reconcile {
namespace {

// Streams an unambiguous encoding into the digest: every string is prefixed
// with its length, so no choice of values can make two inputs collide by
// concatenation. Cheaper than building a canonical JSON document per user.
class Digest {
 public:
  Digest() : ctx_(EVP_MD_CTX_new(), EVP_MD_CTX_free) { EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr); }
  void text(std::string_view s) {
    const uint64_t n = s.size();
    EVP_DigestUpdate(ctx_.get(), &n, sizeof n);
    EVP_DigestUpdate(ctx_.get(), s.data(), s.size());
  }
  void marker(char m) { EVP_DigestUpdate(ctx_.get(), &m, 1); }
  void attributes(const mapping::Attributes& attributes) {
    marker('{');
    for (const auto& [name, values] : attributes) {
      std::string lower = name;
      for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      text(lower);
      mapping::Values sorted = values;  // values compare as sets
      std::sort(sorted.begin(), sorted.end());
      marker('[');
      for (const auto& v : sorted) text(v);
      marker(']');
    }
    marker('}');
  }
  std::string hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int size = 0;
    EVP_DigestFinal_ex(ctx_.get(), digest, &size);
    std::string out;
    char byte[3];
    for (unsigned int i = 0; i < size; ++i) {
      const unsigned char b = digest[i];
      std::snprintf(byte, sizeof byte, "%02x", b);
      out += byte;
    }
    return out;
  }

 private:
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> ctx_;
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
