#include "connectors/signing/authing.h"

#include <algorithm>
#include <cctype>

#include "connectors/signing/crypto.h"

namespace idb::connectors::signing::authing {

Params body_params(const nlohmann::ordered_json& body) {
  Params params;
  if (!body.is_object()) return params;
  for (const auto& [key, value] : body.items()) {
    if (value.is_null()) continue;  // the SDKs drop undefined/None members before sending
    params.emplace_back(key, value.is_string() ? value.get<std::string>() : value.dump());
  }
  return params;
}

std::string string_to_sign(std::string_view method, const Headers& headers, std::string_view path, Params params) {
  std::vector<std::pair<std::string, std::string>> signed_headers;
  for (const auto& [name, value] : headers) {
    std::string key = lower(name);
    if (key != "date" && !key.starts_with("x-authing-")) continue;
    std::string flat = value;
    std::replace_if(flat.begin(), flat.end(), [](char c) { return c == '\t' || c == '\n' || c == '\r' || c == '\f'; },
                    ' ');
    signed_headers.emplace_back(std::move(key), trim(flat));
  }
  std::stable_sort(signed_headers.begin(), signed_headers.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  std::stable_sort(params.begin(), params.end(), [](const auto& a, const auto& b) { return a.first < b.first; });

  std::string out = lower(method);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::toupper(c); });
  out += '\n';
  for (const auto& [name, value] : signed_headers) out += name + ":" + value + "\n";
  out += path;
  for (std::size_t i = 0; i < params.size(); ++i) {
    out += (i == 0 ? "?" : "&") + params[i].first + "=" + params[i].second;
  }
  return out;
}

std::string signature(std::string_view secret, std::string_view string_to_sign) {
  return base64(hmac_sha1(secret, string_to_sign));
}

std::string authorization(std::string_view access_key_id, std::string_view signature) {
  return "authing " + std::string(access_key_id) + ":" + std::string(signature);
}

}  // namespace idb::connectors::signing::authing
