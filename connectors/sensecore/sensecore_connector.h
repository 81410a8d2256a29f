#pragma once
// SenseCore IAM IdP users (specs/000-sensecore-iam.md), signed with the
// "hmac" X-Date scheme. SenseCore assigns user ids and has no external-id
// field, so the mapping's key is the username (unique in a tenant, INFERRED):
// accounts are found by listing with filter username="..." (every page) and
// matching exactly. Updates send exactly the changed fields, listed in
// update_mask (a cleared field is in the mask with ""); a rename changes
// `username`. New users get a random password they must reset at first login.
// (A state link from our user to the SenseCore id would save the list call;
// the state store has no such column yet.)
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/cloud/cloud_connector.h"
#include "connectors/http/client.h"

namespace idb::connectors::sensecore {

class SenseCoreConnector : public cloud::CloudConnector {
 public:
  // Throws std::invalid_argument for a bad base URL. `status_mapped`: the
  // mapping sets the disable field itself, so its enabled value is reported as it is.
  SenseCoreConnector(std::string name, config::SenseCoreTarget settings, bool status_mapped = false);

  Result<std::optional<Observed>> read(const std::string& key, const std::vector<std::string>& attributes) override;
  Status apply(const reconcile::Operation& op) override;

 private:
  Result<nlohmann::json> call(const std::string& method, const std::string& path, signing::Params query,
                              const nlohmann::json& body, bool idempotent = true);
  Result<std::optional<nlohmann::json>> find(const std::string& key);
  Status update(const std::string& key, const nlohmann::json& fields);
  Status create(const reconcile::Operation& op);
  Status modify(const reconcile::Operation& op);

  config::SenseCoreTarget settings_;
};

}  // namespace idb::connectors::sensecore
