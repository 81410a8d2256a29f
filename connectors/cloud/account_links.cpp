#include "connectors/cloud/account_links.h"

#include "connectors/cloud/answers.h"
#include "state/store.h"

namespace idb::connectors::cloud {

std::optional<std::string> AccountLinks::id_of(const std::string& key) const {
  if (!store_) return std::nullopt;
  return store_->account_id(target_, key);
}

void AccountLinks::link(const std::string& key, const std::string& id) {
  if (store_) store_->link_account(target_, key, id);
}

void AccountLinks::unlink(const std::string& key) {
  if (store_) store_->unlink_account(target_, key);
}

Result<std::optional<nlohmann::json>> AccountLinks::call(std::string_view api, const std::string& key,
                                                         const Search& search, const ById& by_id) {
  if (auto id = id_of(key)) {
    auto answer = by_id(*id);
    if (answer || !not_found(api, answer.failure())) return found(api, answer);
    unlink(key);  // the account went, or was never this one: search again
  }
  auto searched = search();
  if (!searched) return searched.failure();
  if (!searched.value()) return std::optional<nlohmann::json>{};
  link(key, *searched.value());
  return found(api, by_id(*searched.value()));
}

}  // namespace idb::connectors::cloud
