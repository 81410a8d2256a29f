#include "connectors/signing/eiam.h"

#include <algorithm>
#include <map>

#include "connectors/signing/crypto.h"

namespace idb::connectors::signing::eiam {

Canonical canonical_request(std::string_view method, std::string_view path, const Params& query,
                            const Headers& signed_headers, std::string_view hex_payload_hash) {
  std::map<std::string, std::vector<std::string>> headers;
  for (const auto& [name, value] : signed_headers) headers[lower(name)].push_back(trim(value));

  Canonical out;
  out.request = std::string(method) + "\n" + (path.empty() ? "/" : uri_encode_path(path)) + "\n" +
                canonical_query(query) + "\n";
  for (auto& [name, values] : headers) {
    std::sort(values.begin(), values.end());
    std::string joined;
    for (const auto& v : values) joined += (joined.empty() ? "" : ",") + v;
    out.request += name + ":" + joined + "\n";
    out.signed_headers += (out.signed_headers.empty() ? "" : ";") + name;
  }
  out.request += "\n" + out.signed_headers + "\n" + std::string(hex_payload_hash);
  return out;
}

std::string string_to_sign(std::string_view canonical_request) {
  return "ACS3-HMAC-SHA256\n" + hex(sha256(canonical_request));
}

std::string signature(std::string_view secret, std::string_view string_to_sign) {
  return hex(hmac_sha256(secret, string_to_sign));
}

std::string authorization(std::string_view access_key_id, std::string_view signed_headers,
                          std::string_view signature) {
  return "ACS3-HMAC-SHA256 Credential=" + std::string(access_key_id) + ",SignedHeaders=" +
         std::string(signed_headers) + ",Signature=" + std::string(signature);
}

}  // namespace idb::connectors::signing::eiam
