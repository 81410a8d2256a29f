#pragma once
// Huawei Cloud Workspace desktop users (specs/003-huawei-workspace.md), signed
// with AK/SK SDK-HMAC-SHA256 or sent with an IAM user token (X-Auth-Token,
// fetched from IAM with the password method, cached, renewed before expiry). Workspace assigns its own user id and has no
// external-id field, so the mapping's key is the user_name (unique, not
// updatable) and accounts are found by listing with user_name and matching
// exactly. A disabled user gets `disabled: true`; false reads as "no mark".
// (A state link from our user to the Workspace id would save the list call;
// the state store has no such column yet.)
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/cloud/cloud_connector.h"
#include "connectors/cloud/token_cache.h"
#include "connectors/http/client.h"

namespace idb::connectors::huawei {

class HuaweiConnector : public cloud::CloudConnector {
 public:
  // Throws std::invalid_argument for a bad base URL. `status_mapped`: the
  // mapping sets `disabled` itself, so false is reported as it is.
  HuaweiConnector(std::string name, config::HuaweiTarget settings, bool status_mapped = false);

  Result<std::optional<Observed>> read(const std::string& key, const std::vector<std::string>& attributes) override;
  Status apply(const reconcile::Operation& op) override;

 private:
  Result<nlohmann::json> call(const std::string& method, const std::string& path, signing::Params query,
                              const nlohmann::json& body, bool idempotent = true);
  // The user_detail of the user named `key`, or nothing.
  Result<std::optional<nlohmann::json>> find(const std::string& key);
  Status create(const reconcile::Operation& op);
  Status modify(const reconcile::Operation& op);
  std::string users() const;  // /v2/{project_id}/users
  void sign(http::Request& request) const;
  Result<cloud::Token> fetch_token();

  config::HuaweiTarget settings_;
  std::unique_ptr<http::Client> iam_;  // token mode only
  cloud::TokenCache tokens_;
};

}  // namespace idb::connectors::huawei
