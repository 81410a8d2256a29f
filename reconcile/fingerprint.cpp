#include "reconcile/fingerprint.h"

#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>

#include <nlohmann/json.hpp>

namespace idb::reconcile {
namespace {

nlohmann::json canonical(const mapping::Attributes& attributes) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [name, values] : attributes) {
    mapping::Values sorted = values;
    std::sort(sorted.begin(), sorted.end());
    std::string lower = name;
    for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out[lower] = sorted;
  }
  return out;
}

}  // namespace

std::string fingerprint(const mapping::Desired& desired, const std::optional<mapping::Attributes>& baseline,
                        const std::optional<Account>& observed) {
  const nlohmann::json doc = {
      {"desired", {{"key", desired.key}, {"attributes", canonical(desired.attributes)}}},
      {"baseline", baseline ? canonical(*baseline) : nlohmann::json(nullptr)},
      {"observed", observed ? nlohmann::json{{"key", observed->key}, {"attributes", canonical(observed->attributes)}}
                            : nlohmann::json(nullptr)}};
  const std::string text = doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(text.data()), text.size(), digest);
  std::string hex;
  char byte[3];
  for (unsigned char b : digest) {
    std::snprintf(byte, sizeof byte, "%02x", b);
    hex += byte;
  }
  return hex;
}

}  // namespace idb::reconcile
