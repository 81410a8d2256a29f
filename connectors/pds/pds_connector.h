#pragma once
// Alibaba Cloud PDS 2022-03-01 users (specs/002-aliyun-pds.md), signed with the
// ROA "acs" HMAC-SHA1 scheme or sent with a bearer token from the JWT-bearer grant. The caller chooses a PDS user_id at creation, so
// the mapping's key *is* the user_id (at most 64 characters, no '#') and no
// link table is needed. A disabled user gets `status: disabled`; `enabled`
// reads as "no mark". user_id cannot change, so a rename is a permanent failure.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/cloud/answers.h"
#include "connectors/cloud/cloud_connector.h"
#include "connectors/cloud/token_cache.h"
#include "connectors/http/client.h"

namespace idb::connectors::pds {

class PdsConnector : public cloud::CloudConnector {
 public:
  // Throws std::invalid_argument for a bad base URL. `status_mapped`: the
  // mapping sets `status` itself, so the active value is reported as it is
  // rather than as the absence of the disable mark.
  PdsConnector(std::string name, config::PdsTarget settings, bool status_mapped = false);

  Result<std::optional<Observed>> read(const std::string& key, const std::vector<std::string>& attributes) override;
  Status apply(const reconcile::Operation& op) override;

 private:
  // The answer's JSON body, or the classified failure. `action` is the x-acs-action.
  Result<nlohmann::json> call(const std::string& action, const std::string& path, const nlohmann::json& body,
                              bool idempotent = true);
  static cloud::ErrorBody error_of(const nlohmann::json& json);
  void sign(http::Request& request) const;
  Result<cloud::Token> fetch_token();
  Result<std::optional<nlohmann::json>> get_user(const std::string& user_id);
  Status create(const reconcile::Operation& op);
  Status modify(const reconcile::Operation& op);

  config::PdsTarget settings_;
  cloud::TokenCache tokens_;  // token mode only
};

}  // namespace idb::connectors::pds
