#pragma once
// SenseCore "hmac" signature (specs/000-sensecore-iam.md §2a), the Kong/APISIX
// hmac-auth style: the string to sign is the named headers, one "name: value"
// per line without a trailing newline ("@request-target" = "method path?query");
//   Authorization: hmac accesskey="<AK>", algorithm="hmac-sha256", headers="x-date", signature="<b64>"
// Neither the body nor (by default) the path is signed.
#include <string>
#include <string_view>

#include "connectors/signing/text.h"

namespace idb::connectors::signing::sensecore {

// `signed_headers` in the order they are named in the Authorization header.
std::string string_to_sign(const Headers& signed_headers);
std::string signature(std::string_view secret, std::string_view string_to_sign);
std::string authorization(std::string_view access_key_id, const Headers& signed_headers, std::string_view signature);

}  // namespace idb::connectors::signing::sensecore
