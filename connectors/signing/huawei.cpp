#include "connectors/signing/huawei.h"

#include <algorithm>

#include "connectors/signing/crypto.h"

namespace idb::connectors::signing::huawei {

Canonical canonical_request(std::string_view method, std::string_view path, const Params& query,
                            const Headers& signed_headers, std::string_view hex_payload_hash) {
  std::string uri = uri_encode_path(path);
  // The gateway canonicalises every URI with a trailing slash, whatever the wire path.
  if (uri.empty() || uri.back() != '/') uri += '/';

  Headers headers;
  for (const auto& [name, value] : signed_headers) headers.emplace_back(lower(name), trim(value));
  std::stable_sort(headers.begin(), headers.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  Canonical out;
  out.request = std::string(method) + "\n" + uri + "\n" + canonical_query(query) + "\n";
  for (const auto& [name, value] : headers) {
    out.request += name + ":" + value + "\n";
    out.signed_headers += (out.signed_headers.empty() ? "" : ";") + name;
  }
  out.request += "\n" + out.signed_headers + "\n" + std::string(hex_payload_hash);
  return out;
}

std::string string_to_sign(std::string_view sdk_date, std::string_view canonical_request) {
  return "SDK-HMAC-SHA256\n" + std::string(sdk_date) + "\n" + hex(sha256(canonical_request));
}

std::string signature(std::string_view secret, std::string_view string_to_sign) {
  return hex(hmac_sha256(secret, string_to_sign));
}

std::string authorization(std::string_view access_key_id, std::string_view signed_headers,
                          std::string_view signature) {
  return "SDK-HMAC-SHA256 Access=" + std::string(access_key_id) + ", SignedHeaders=" + std::string(signed_headers) +
         ", Signature=" + std::string(signature);
}

}  // namespace idb::connectors::signing::huawei
