#pragma once
// SenseCore IAM IdP users (specs/000-sensecore-iam.md), signed with the
// "hmac" X-Date scheme. SenseCore assigns user ids and has no external-id
// field, so the mapping's key is the username (unique in a tenant, INFERRED):
// accounts are found by listing with filter username="..." (every page) and
// matching exactly, once: the id found is linked to the key in state
// (cloud/account_links.h), so later reads and updates go straight to it and a
// rename (a new `username`) moves the link along. Updates send exactly the
// changed fields, listed in update_mask (a cleared field is in the mask with
// ""). New users get a random password they must reset at first login.
// Correlation searches by username or email (the list filter, INFERRED).
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/cloud/account_links.h"
#include "connectors/cloud/cloud_connector.h"
#include "connectors/cloud/fields.h"
#include "connectors/http/client.h"

namespace idb::connectors::sensecore {

class SenseCoreConnector : public cloud::CloudConnector {
 public:
  // Throws std::invalid_argument for a bad base URL. `status_mapped`: the
  // mapping sets the disable field itself, so its enabled value is reported as
  // it is. `links`: where account links are kept (none: every lookup lists).
  SenseCoreConnector(std::string name, config::SenseCoreTarget settings, bool status_mapped = false,
                     state::Store* links = nullptr);

  Result<std::optional<Observed>> read(const std::string& key, const std::vector<std::string>& attributes) override;
  Status apply(const reconcile::Operation& op) override;
  bool can_find_by(const std::string& attribute) const override;
  Result<std::vector<Observed>> find_by(const std::string& attribute, const std::string& value,
                                        const std::vector<std::string>& attributes) override;

 private:
  Result<nlohmann::json> call(const std::string& method, const std::string& path, signing::Params query,
                              const nlohmann::json& body, bool idempotent = true);
  // Every user whose `field` is exactly `value`, from every page of the list.
  Result<std::vector<nlohmann::json>> list(const std::string& field, const std::string& value);
  // The id of the user named `key`, by listing, or nothing.
  Result<std::optional<std::string>> search(const std::string& key);
  // `by_id`'s answer for the user at `key` (found by its link or by listing), nothing when none is.
  Result<std::optional<nlohmann::json>> at(const std::string& key, const cloud::AccountLinks::ById& by_id);
  static std::string user_path(const std::string& id);
  cloud::StatusField status_field() const;
  // Updates the user at `key`; a new `username` in `fields` is `new_key`, which the link then follows.
  Status update(const std::string& key, const nlohmann::json& fields, const std::string& new_key);
  Status create(const reconcile::Operation& op);
  Status modify(const reconcile::Operation& op);
  Status remove(const std::string& key);

  config::SenseCoreTarget settings_;
  cloud::AccountLinks links_;
};

}  // namespace idb::connectors::sensecore
