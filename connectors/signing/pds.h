#pragma once
// Alibaba Cloud ROA "acs" signature v1, as the PDS gateway signs (specs/002-aliyun-pds.md §2a):
//   StringToSign = VERB "\n" Accept "\n" Content-MD5 "\n" Content-Type "\n" Date "\n"
//                  CanonicalizedHeaders(x-acs-*) CanonicalizedResource
//   Authorization: acs <AK>:Base64(HMAC-SHA1(secret, StringToSign))
// The body is not signed.
#include <string>
#include <string_view>

#include "connectors/signing/text.h"

namespace idb::connectors::signing::pds {

// `query` is unencoded; a parameter with an empty value is written as its bare name.
std::string string_to_sign(std::string_view method, const Headers& headers, std::string_view path, Params query);

std::string signature(std::string_view secret, std::string_view string_to_sign);
std::string authorization(std::string_view access_key_id, std::string_view signature);

}  // namespace idb::connectors::signing::pds
