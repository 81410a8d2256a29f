#pragma once
// Authing Management API v3 AK/SK request signature (specs/001-authing.md §2a):
//   StringToSign = METHOD "\n" CanonicalizedHeaders CanonicalizedResource
//   Authorization: authing <AK>:Base64(HMAC-SHA1(SK, StringToSign))
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "connectors/signing/text.h"

namespace idb::connectors::signing::authing {

// The signed parameters of a POST/PUT/DELETE: the body's top-level members,
// strings raw, everything else as compact JSON in the order received (as the
// SDK's JSON.stringify does, so nested objects need an order-keeping parser).
Params body_params(const nlohmann::ordered_json& body);

// `params` are the query parameters of a GET or body_params() of a write, unencoded.
std::string string_to_sign(std::string_view method, const Headers& headers, std::string_view path, Params params);

std::string signature(std::string_view secret, std::string_view string_to_sign);
std::string authorization(std::string_view access_key_id, std::string_view signature);

}  // namespace idb::connectors::signing::authing
