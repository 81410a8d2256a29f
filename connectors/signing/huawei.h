#pragma once
// Huawei Cloud APIG signature SDK-HMAC-SHA256 (specs/003-huawei-workspace.md §2b):
//   CanonicalRequest = METHOD "\n" URI/ "\n" Query "\n" Headers "\n" SignedHeaders "\n" HexSHA256(body)
//   StringToSign     = "SDK-HMAC-SHA256\n" X-Sdk-Date "\n" HexSHA256(CanonicalRequest)
//   Authorization: SDK-HMAC-SHA256 Access=<AK>, SignedHeaders=<h;..>, Signature=<hex HMAC-SHA256>
#include <string>
#include <string_view>

#include "connectors/signing/text.h"

namespace idb::connectors::signing::huawei {

struct Canonical {
  std::string request;
  std::string signed_headers;
};

// `query` is decoded; `signed_headers` are exactly the headers to sign.
Canonical canonical_request(std::string_view method, std::string_view path, const Params& query,
                            const Headers& signed_headers, std::string_view hex_payload_hash);

std::string string_to_sign(std::string_view sdk_date, std::string_view canonical_request);
std::string signature(std::string_view secret, std::string_view string_to_sign);
std::string authorization(std::string_view access_key_id, std::string_view signed_headers,
                          std::string_view signature);

}  // namespace idb::connectors::signing::huawei
