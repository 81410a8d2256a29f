#pragma once
// Compact JWS with RS256 (RFC 7515/7518), as the PDS JWT-bearer grant needs
// (specs/002-aliyun-pds.md §2c): header.payload.signature, each base64url
// without padding, the signature RSASSA-PKCS1-v1_5 over SHA-256. PKCS#1 v1.5
// is deterministic, so signing is a pure function testable with vectors.
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace idb::connectors::signing::jwt {

std::string base64url(std::string_view bytes);  // no padding

// `claims` signed with the PEM private key (PKCS#8 or PKCS#1) under the header
// {"alg":"RS256","typ":"JWT"}; nullopt when the key is not a usable RSA private key.
std::optional<std::string> sign_rs256(const nlohmann::json& claims, std::string_view private_key_pem);

// The claims of a token whose header says RS256 and whose signature verifies
// with the PEM public key; nullopt otherwise (malformed, other alg, bad signature).
std::optional<nlohmann::json> verify_rs256(std::string_view token, std::string_view public_key_pem);

}  // namespace idb::connectors::signing::jwt
