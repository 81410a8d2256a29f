#pragma once
// Alibaba Cloud PDS 2022-03-01 users (specs/002-aliyun-pds.md), signed with the
// ROA "acs" HMAC-SHA1 scheme or sent with a bearer token from the JWT-bearer grant. The caller chooses a PDS user_id at creation, so
// the mapping's key *is* the user_id (at most 64 characters, no '#'). A
// disabled user gets `status: disabled`; `enabled` reads as "no mark".
// Correlation searches (/v2/user/search) by user_name, nick_name, email or
// phone; an account found there keeps its own user_id, which cannot change,
// so the rename that makes it ours links our key to it in state
// (cloud/account_links.h relink) and later calls address that user_id.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "connectors/cloud/account_links.h"
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
  // `links`: where links of our keys to accounts found by correlation are
  // kept (none: such an account cannot be taken over).
  PdsConnector(std::string name, config::PdsTarget settings, bool status_mapped = false,
               state::Store* links = nullptr);

  Result<std::optional<Observed>> read(const std::string& key, const std::vector<std::string>& attributes) override;
  Status apply(const reconcile::Operation& op) override;
  bool can_find_by(const std::string& attribute) const override;
  Result<std::vector<Observed>> find_by(const std::string& attribute, const std::string& value,
                                        const std::vector<std::string>& attributes) override;

 private:
  // The answer's JSON body, or the classified failure. `action` is the x-acs-action.
  Result<nlohmann::json> call(const std::string& action, const std::string& path, const nlohmann::json& body,
                              bool idempotent = true);
  static cloud::ErrorBody error_of(const nlohmann::json& json);
  void sign(http::Request& request) const;
  Result<cloud::Token> fetch_token();
  Result<std::optional<nlohmann::json>> get_user(const std::string& user_id);
  // The user_id our `key` addresses: the account it is linked to, else the key itself.
  std::string user_id_of(const std::string& key) const;
  // The user at our `key` (by its link, or the key as user_id), or nothing.
  Result<std::optional<nlohmann::json>> find(const std::string& key);
  Status create(const reconcile::Operation& op);
  Status modify(const reconcile::Operation& op);

  config::PdsTarget settings_;
  cloud::TokenCache tokens_;  // token mode only
  cloud::AccountLinks links_;
};

}  // namespace idb::connectors::pds
