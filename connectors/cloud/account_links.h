#pragma once
// For an API that assigns its own account ids and has no external-id field
// (Huawei Workspace, SenseCore), or whose key cannot change (relink below),
// which id our account key last led to, kept
// in state so an update goes straight to the account instead of listing by
// the key first, and a key that changes by a rename keeps its account. A link
// only caches what a search by the key finds: a missing or stale one (the
// API answers 404) falls back to the search, which links again.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/connector.h"

namespace idb::state {
class Store;
}

namespace idb::connectors::cloud {

class AccountLinks {
 public:
  // Without a store (tests, benchmarks) nothing is kept and every lookup searches.
  AccountLinks(state::Store* store, std::string target) : store_(store), target_(std::move(target)) {}

  std::optional<std::string> id_of(const std::string& key) const;
  // The key the account `id` is known by here: the key linked to it (after a
  // relink, ours rather than its own), else `own_key`.
  std::string key_of(const std::string& id, const std::string& own_key) const;
  void link(const std::string& key, const std::string& id);
  void unlink(const std::string& key);

  // The id of the account at `key`, or nothing when there is none.
  using Search = std::function<Result<std::optional<std::string>>()>;
  // A call on the account with that id.
  using ById = std::function<Result<nlohmann::json>(const std::string& id)>;
  // Whether a failure of `by_id` means the account is gone (default: the API's HTTP 404).
  using Gone = std::function<bool(const Failure&)>;

  // `by_id`'s answer for the account at `key`: on the linked id, or, without a
  // link or when the linked account is gone, on the id `search` finds (then
  // linked). Nothing when no account is at `key`, or when the one found there
  // is linked from another key (relinked to another user).
  Result<std::optional<nlohmann::json>> call(std::string_view api, const std::string& key, const Search& search,
                                             const ById& by_id, const Gone& gone = nullptr);

  // Deletes the account at `key` with `delete_by_id`, and its link; no
  // account there means it is gone already (a repeat after a crash), which is success.
  Status remove(std::string_view api, const std::string& key, const Search& search, const ById& delete_by_id,
                const Gone& gone = nullptr);

  // Correlation's answer from accounts a search listed ({their own key, id}):
  // each read in full with `by_id` (one gone since it was listed is left
  // out), linked to its key, and made an Observed by `observe` under the key
  // it is known by (key_of: an account relinked to a user is that user's,
  // which the planner then leaves to that user).
  struct Listed {
    std::string key, id;
  };
  using Observe = std::function<Observed(const std::string& key, const nlohmann::json& account)>;
  Result<std::vector<Observed>> read_listed(std::string_view api, const std::vector<Listed>& listed, const ById& by_id,
                                            const Observe& observe, const Gone& gone = nullptr);

  // A rename where the API cannot change the account's own key (PDS
  // user_id, EIAM UserExternalId): the account at `key` (found as call()
  // finds it, `by_id` reading it) is linked to `new_key` instead, keeping its
  // own key, and the link to `key` goes. This is how an account found by
  // correlation under its own key becomes ours; losing such a link loses the
  // baseline with it (one state), and correlation finds the account again.
  // `taken` searches `new_key`: an account there already is a conflict, as
  // is an account linked from another key (another user's) already.
  // Done carries the account's version as `by_id` read it (`version_field`):
  // no write happened. Without a store there is nowhere to keep the link,
  // so it is a permanent failure.
  Status relink(std::string_view api, const std::string& key, const std::string& new_key, const Search& search,
                const ById& by_id, const Search& taken, std::string_view version_field, const Gone& gone = nullptr);

 private:
  state::Store* store_;
  std::string target_;
};

}  // namespace idb::connectors::cloud
