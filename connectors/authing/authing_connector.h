#pragma once
// Authing Management API v3 (specs/001-authing.md). The mapping's key is the
// value of one unique user field (config `key_type`: externalId by default),
// which Authing itself can address accounts by (`userIdType`), so no link
// table is needed. Correlation finds accounts by a unique field; one without
// our key field (made in the console) has the key "user_id:<its userId>"
// until the rename that links it writes ours. A disabled user gets `status: <disabled_status>`;
// `Activated` reads as "no mark", so re-enabling removes it.
#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/cloud/cloud_connector.h"
#include "connectors/cloud/token_cache.h"
#include "connectors/http/client.h"

namespace idb::connectors::authing {

class AuthingConnector : public cloud::CloudConnector {
 public:
  // Throws std::invalid_argument for a bad base URL. `status_mapped`: the
  // mapping sets `status` itself, so the active value is reported as it is
  // rather than as the absence of the disable mark.
  AuthingConnector(std::string name, config::AuthingTarget settings, bool status_mapped = false);

  Result<std::optional<Observed>> read(const std::string& key, const std::vector<std::string>& attributes) override;
  Status apply(const reconcile::Operation& op) override;
  // Correlation: get-user by username, email, phone or externalId (each unique in a pool).
  bool can_find_by(const std::string& attribute) const override;
  Result<std::vector<Observed>> find_by(const std::string& attribute, const std::string& value,
                                        const std::vector<std::string>& attributes) override;

 private:
  // The `data` member of a successful answer, or the classified failure.
  Result<nlohmann::json> call(http::Request request);
  Result<nlohmann::json> parse(const http::Response& response);
  http::Sign signer();
  Result<cloud::Token> fetch_token();

  Status create(const reconcile::Operation& op);
  Status modify(const reconcile::Operation& op);
  Status rename(const reconcile::Operation& op);
  // The id and userIdType that address the account at `key`: our key field,
  // or Authing's own userId for an account found without it (see find_by).
  std::pair<std::string, std::string> address_of(const std::string& key) const;
  nlohmann::ordered_json addressed(const std::string& key) const;
  Result<std::optional<nlohmann::json>> get_user(const std::string& id, const std::string& type);

  config::AuthingTarget settings_;
  cloud::TokenCache tokens_;  // management-token mode only
};

// The field that holds the key, per `key_type` (external_id -> externalId).
std::string key_field(const std::string& key_type);

}  // namespace idb::connectors::authing
