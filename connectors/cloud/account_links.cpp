#include "connectors/cloud/account_links.h"

#include "connectors/cloud/answers.h"
#include "state/store.h"

namespace idb::connectors::cloud {

std::optional<std::string> AccountLinks::id_of(const std::string& key) const {
  if (!store_) return std::nullopt;
  return store_->account_id(target_, key);
}

std::string AccountLinks::key_of(const std::string& id, const std::string& own_key) const {
  if (!store_) return own_key;
  const auto keys = store_->account_keys(target_, id);
  return keys.empty() ? own_key : keys.front();
}

void AccountLinks::link(const std::string& key, const std::string& id) {
  if (store_) store_->link_account(target_, key, id);
}

void AccountLinks::unlink(const std::string& key) {
  if (store_) store_->unlink_account(target_, key);
}

Result<std::optional<nlohmann::json>> AccountLinks::call(std::string_view api, const std::string& key,
                                                         const Search& search, const ById& by_id, const Gone& gone) {
  // A refused target is never "gone": its failure goes back as it is, the link kept.
  const auto is_gone = [&](const Failure& f) {
    return f.kind != FailureKind::stop_target && (gone ? gone(f) : not_found(api, f));
  };
  const auto answer_of = [&](const std::string& id) -> Result<std::optional<nlohmann::json>> {
    auto answer = by_id(id);
    if (answer) return std::optional<nlohmann::json>(std::move(answer.value()));
    if (is_gone(answer.failure())) return std::optional<nlohmann::json>{};
    return answer.failure();
  };
  if (auto id = id_of(key)) {
    auto answer = answer_of(*id);
    if (!answer || answer.value()) return answer;
    unlink(key);  // the account went, or was never this one: search again
  }
  auto searched = search();
  if (!searched) return searched.failure();
  if (!searched.value()) return std::optional<nlohmann::json>{};
  // Found under its own key, but relinked to another key: another user's account, not at `key` for us.
  if (key_of(*searched.value(), key) != key) return std::optional<nlohmann::json>{};
  link(key, *searched.value());
  return answer_of(*searched.value());
}

Status AccountLinks::remove(std::string_view api, const std::string& key, const Search& search,
                            const ById& delete_by_id, const Gone& gone) {
  auto deleted = call(api, key, search, delete_by_id, gone);
  if (!deleted) return deleted.failure();
  unlink(key);
  return ok();
}

Result<std::vector<Observed>> AccountLinks::read_listed(std::string_view api, const std::vector<Listed>& listed,
                                                        const ById& by_id, const Observe& observe, const Gone& gone) {
  std::vector<Observed> out;
  for (const auto& [key, id] : listed) {
    if (key.empty() || id.empty()) continue;
    auto account = by_id(id);
    if (!account) {
      if (gone ? gone(account.failure()) : not_found(api, account.failure())) continue;  // deleted since it was listed
      return account.failure();
    }
    const std::string known_as = key_of(id, key);
    if (known_as == key) link(key, id);
    out.push_back(observe(known_as, account.value()));
  }
  return out;
}

Status AccountLinks::relink(std::string_view api, const std::string& key, const std::string& new_key,
                            const Search& search, const ById& by_id, const Search& taken, std::string_view version_field,
                            const Gone& gone) {
  const std::string code = std::string(api) + ":rename";
  if (!store_) {
    return Failure{FailureKind::permanent, code,
                   "account '" + key + "' cannot take the key '" + new_key +
                       "': the API cannot change it, and without state no link can stand for it"};
  }
  auto there = taken();
  if (!there) return there.failure();
  if (there.value()) {
    return Failure{FailureKind::conflict, code, "an account is at '" + new_key + "' already"};
  }
  std::string id;
  auto account = call(api, key, search, [&](const std::string& found) {
    id = found;
    return by_id(found);
  }, gone);
  if (!account) return account.failure();
  if (!account.value()) {
    // Gone since it was read: the next round reads again and decides anew.
    return Failure{FailureKind::retry, code, "account '" + key + "' went since it was read"};
  }
  if (const auto holder = key_of(id, key); holder != key) {
    return Failure{FailureKind::conflict, code, "the account at '" + key + "' is linked to '" + holder + "' already"};
  }
  link(new_key, id);
  unlink(key);
  return Done{version_in(*account.value(), version_field)};
}

}  // namespace idb::connectors::cloud
