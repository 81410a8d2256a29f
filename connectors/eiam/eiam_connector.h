#pragma once
// Alibaba Cloud IDaaS EIAM 2021-12-01 users (specs/004-aliyun-eiam.md), RPC
// calls signed with ACS3-HMAC-SHA256. EIAM assigns its own UserId, so the
// mapping's key is the user's UserExternalId (set at creation, searchable
// with ListUsers): an account is found by that search once, and the UserId
// found is linked to the key in state (cloud/account_links.h), so later
// reads and updates start with GetUser on it. CreateUser carries a ClientToken derived from the key, so a create
// whose answer was lost is not repeated. Status goes through
// EnableUser/DisableUser and Description through UpdateUserDescription, as
// the API splits them. Correlation lists by Username or DisplayName (prefix
// filters, matched exactly here) or Email. UserExternalId cannot change, so
// a rename (an account found by correlation becoming ours, or our key
// changing) links the new key to the account in state instead
// (cloud/account_links.h relink); without state it is a permanent failure.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/cloud/account_links.h"
#include "connectors/cloud/cloud_connector.h"
#include "connectors/http/client.h"

namespace idb::connectors::eiam {

class EiamConnector : public cloud::CloudConnector {
 public:
  // Throws std::invalid_argument for a bad base URL. `status_mapped`: the
  // mapping sets `Status` itself, so `enabled` is reported as it is. `links`:
  // where account links are kept (none: every lookup lists).
  EiamConnector(std::string name, config::EiamTarget settings, bool status_mapped = false,
                state::Store* links = nullptr);

  Result<std::optional<Observed>> read(const std::string& key, const std::vector<std::string>& attributes) override;
  Status apply(const reconcile::Operation& op) override;
  bool can_find_by(const std::string& attribute) const override;
  Result<std::vector<Observed>> find_by(const std::string& attribute, const std::string& value,
                                        const std::vector<std::string>& attributes) override;

 private:
  // The answer's JSON body, or the classified failure.
  Result<nlohmann::json> call(const std::string& action, signing::Params params, bool idempotent = true);
  // Every user (ListUsers' brief view, every page) whose `field` is exactly
  // `value`, listed with the filter `filter` (which may match by prefix).
  Result<std::vector<nlohmann::json>> list(const std::string& filter, const std::string& field, const std::string& value);
  // The UserId of the user whose UserExternalId is `key` (ListUsers), or nothing.
  Result<std::optional<std::string>> search(const std::string& key);
  // GetUser's full view of the user `id`.
  Result<nlohmann::json> get_user(const std::string& id);
  // The user whose UserExternalId is `key` (full GetUser view, by its link or a search), or nothing.
  Result<std::optional<nlohmann::json>> find(const std::string& key);
  Status create(const reconcile::Operation& op);
  Status modify(const reconcile::Operation& op);

  config::EiamTarget settings_;
  cloud::AccountLinks links_;
};

}  // namespace idb::connectors::eiam
