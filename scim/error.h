#pragma once
// SCIM protocol errors (RFC 7644 §3.12) as values.
#include <string>

#include <nlohmann/json.hpp>

namespace idb::scim {

struct Error {
  int status;
  std::string scim_type;  // empty when RFC 7644 defines none for the status
  std::string detail;

  nlohmann::json to_json() const {
    nlohmann::json body = {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:Error"}},
                           {"status", std::to_string(status)},
                           {"detail", detail}};
    if (!scim_type.empty()) body["scimType"] = scim_type;
    return body;
  }
};

}  // namespace idb::scim
