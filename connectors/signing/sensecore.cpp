#include "connectors/signing/sensecore.h"

#include "connectors/signing/crypto.h"

namespace idb::connectors::signing::sensecore {

std::string string_to_sign(const Headers& signed_headers) {
  std::string out;
  for (const auto& [name, value] : signed_headers) out += (out.empty() ? "" : "\n") + lower(name) + ": " + value;
  return out;
}

std::string signature(std::string_view secret, std::string_view string_to_sign) {
  return base64(hmac_sha256(secret, string_to_sign));
}

std::string authorization(std::string_view access_key_id, const Headers& signed_headers, std::string_view signature) {
  std::string names;
  for (const auto& [name, value] : signed_headers) names += (names.empty() ? "" : " ") + lower(name);
  return "hmac accesskey=\"" + std::string(access_key_id) + "\", algorithm=\"hmac-sha256\", headers=\"" + names +
         "\", signature=\"" + std::string(signature) + "\"";
}

}  // namespace idb::connectors::signing::sensecore
