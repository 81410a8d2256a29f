#pragma once
// Huawei Cloud Workspace desktop users (specs/003-huawei-workspace.md), signed
// with AK/SK SDK-HMAC-SHA256 or sent with an IAM user token (X-Auth-Token,
// fetched from IAM with the password method, cached, renewed before expiry). Workspace assigns its own user id and has no
// external-id field, so the mapping's key is the user_name (unique, not
// updatable) and an account is found by listing with user_name and matching
// exactly, once: the id found is linked to the key in state
// (cloud/account_links.h), so later reads and updates go straight to it.
// Correlation lists by description, the one list filter besides user_name that
// can tell people apart (e-mail cannot be searched); user_name cannot change,
// so the rename that makes a found account ours links our key to its id
// (cloud/account_links.h relink). Workspace's User has no update time: no version.
// A disabled user gets `disabled: true`; false reads as "no mark".
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/cloud/account_links.h"
#include "connectors/cloud/cloud_connector.h"
#include "connectors/cloud/token_cache.h"
#include "connectors/http/client.h"

namespace idb::connectors::huawei {

class HuaweiConnector : public cloud::CloudConnector {
 public:
  // Throws std::invalid_argument for a bad base URL. `status_mapped`: the
  // mapping sets `disabled` itself, so false is reported as it is. `links`:
  // where account links are kept (none: every lookup lists).
  HuaweiConnector(std::string name, config::HuaweiTarget settings, bool status_mapped = false,
                  state::Store* links = nullptr);

  Result<std::optional<Observed>> read(const std::string& key, const std::vector<std::string>& attributes) override;
  Status apply(const reconcile::Operation& op) override;
  bool can_find_by(const std::string& attribute) const override;
  Result<std::vector<Observed>> find_by(const std::string& attribute, const std::string& value,
                                        const std::vector<std::string>& attributes) override;

 private:
  Result<nlohmann::json> call(const std::string& method, const std::string& path, signing::Params query,
                              const nlohmann::json& body, bool idempotent = true);
  // Every listed user whose `field` is exactly `value`, listed with that filter (whose match is undocumented).
  Result<std::vector<nlohmann::json>> list(const std::string& field, const std::string& value);
  // The id of the user named `key`, by listing, or nothing.
  Result<std::optional<std::string>> search(const std::string& key);
  // The user `id` in full (user_detail).
  Result<nlohmann::json> get_user(const std::string& id);
  // `by_id`'s answer for the user named `key` (found by its link or by listing), nothing when none is.
  Result<std::optional<nlohmann::json>> at(const std::string& key, const cloud::AccountLinks::ById& by_id);
  std::string user_path(const std::string& id) const;
  Status create(const reconcile::Operation& op);
  Status modify(const reconcile::Operation& op);
  std::string users() const;  // /v2/{project_id}/users
  void sign(http::Request& request) const;
  Result<cloud::Token> fetch_token();

  config::HuaweiTarget settings_;
  std::unique_ptr<http::Client> iam_;  // token mode only
  cloud::AccountLinks links_;
  cloud::TokenCache tokens_;
};

}  // namespace idb::connectors::huawei
