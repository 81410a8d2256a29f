#pragma once
// Alibaba Cloud V3 signature ACS3-HMAC-SHA256, used by IDaaS EIAM (specs/004-aliyun-eiam.md §2):
//   CanonicalRequest = METHOD "\n" URI "\n" Query "\n" Headers "\n" SignedHeaders "\n" HexSHA256(body)
//   StringToSign     = "ACS3-HMAC-SHA256\n" HexSHA256(CanonicalRequest)
//   Authorization: ACS3-HMAC-SHA256 Credential=<AK>,SignedHeaders=<h;..>,Signature=<hex HMAC-SHA256>
#include <string>
#include <string_view>

#include "connectors/signing/text.h"

namespace idb::connectors::signing::eiam {

struct Canonical {
  std::string request;         // the canonical request
  std::string signed_headers;  // "host;x-acs-action;..."
};

// `query` is decoded (it is re-encoded RFC 3986 here); `signed_headers` are
// exactly the headers to sign (repeated names are merged: values sorted, comma-joined).
Canonical canonical_request(std::string_view method, std::string_view path, const Params& query,
                            const Headers& signed_headers, std::string_view hex_payload_hash);

std::string string_to_sign(std::string_view canonical_request);
std::string signature(std::string_view secret, std::string_view string_to_sign);
std::string authorization(std::string_view access_key_id, std::string_view signed_headers,
                          std::string_view signature);

}  // namespace idb::connectors::signing::eiam
