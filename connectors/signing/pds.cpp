#include "connectors/signing/pds.h"

#include <algorithm>

#include "connectors/signing/crypto.h"

namespace idb::connectors::signing::pds {

std::string string_to_sign(std::string_view method, const Headers& headers, std::string_view path, Params query) {
  std::string out(method);
  for (const char* name : {"accept", "content-md5", "content-type", "date"}) {
    out += "\n" + header_value(headers, name);
  }
  out += '\n';
  Headers acs;
  for (const auto& [name, value] : headers) {
    if (std::string key = lower(name); key.starts_with("x-acs-")) acs.emplace_back(std::move(key), trim(value));
  }
  std::stable_sort(acs.begin(), acs.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [name, value] : acs) out += name + ":" + value + "\n";
  out += path;
  std::stable_sort(query.begin(), query.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 0; i < query.size(); ++i) {
    out += (i == 0 ? "?" : "&") + query[i].first;
    if (!query[i].second.empty()) out += "=" + query[i].second;
  }
  return out;
}

std::string signature(std::string_view secret, std::string_view string_to_sign) {
  return base64(hmac_sha1(secret, string_to_sign));
}

std::string authorization(std::string_view access_key_id, std::string_view signature) {
  return "acs " + std::string(access_key_id) + ":" + std::string(signature);
}

}  // namespace idb::connectors::signing::pds
