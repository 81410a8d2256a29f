#pragma once
// What every cloud connector makes of an API's answers: a JSON body or a
// classified Failure, a lookup's user or its absence, and the 404 that means a
// user went between its read and its update. Only the API's name, its error
// body's shape and its field reader differ, so those are the parameters.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "connectors/cloud/fields.h"
#include "connectors/connector.h"
#include "connectors/http/client.h"
#include "reconcile/operation.h"

namespace idb::connectors::cloud {

// Whether `failure` is the API's HTTP 404 (its code reads "<api>:HTTP 404...").
bool not_found(std::string_view api, const Failure& failure);

// An error body as the API spells it; `kind`, when set, overrides what the HTTP status means.
struct ErrorBody {
  std::string code;
  std::string message;
  std::optional<FailureKind> kind{};
};

// What an API's HTTP 403 means: this one user is off limits to us (a
// permanent failure for that user), or the credentials may not call the API
// at all, so every user would fail alike (the target stops).
enum class Forbidden { per_user, whole_api };

// `failure` (a 403, `message` the API's own text) as the credentials lacking
// permission for the whole API: stop_target, saying what to fix.
Failure whole_api_denied(Failure failure, std::string_view message);

// A 2xx answer's JSON body ({} when empty or not JSON), or the Failure its
// status and error body mean, its code prefixed "<api>:".
Result<nlohmann::json> json_answer(std::string_view api, const Result<http::Response>& response,
                                   const std::function<ErrorBody(const nlohmann::json&)>& error_of,
                                   Forbidden forbidden = Forbidden::per_user);

// A lookup's user, nothing when the API answered 404, or the failure.
Result<std::optional<nlohmann::json>> found(std::string_view api, const Result<nlohmann::json>& answer);

// The account's version in a user the API returned (see connectors::Done):
// the value of `field`, an update time the API sets on every write, as text;
// empty (unknown) without a field or a value.
std::string version_in(const nlohmann::json& user, std::string_view field);

// How a connector reads a mapping attribute from a user the API returned.
using UserField = std::function<std::optional<std::string>(const nlohmann::json&, const std::string&)>;

// The account `key` as `get` reads it from `user`, a user the API returned
// (a lookup's, or one a search listed); its version from `version_field`
// (empty: the API has none).
Observed observe_user(const nlohmann::json& user, const std::string& key, const std::vector<std::string>& attributes,
                      const UserField& get, const StatusField& status, std::string_view version_field = {});

// The account `key` as observe_user makes it of a lookup's user, nothing when there is none.
Result<std::optional<Observed>> observed(const Result<std::optional<nlohmann::json>>& user, const std::string& key,
                                         const std::vector<std::string>& attributes, const UserField& get,
                                         const StatusField& status, std::string_view version_field = {});

// The user an update is for, or a retry when it vanished since it was read.
Result<nlohmann::json> still_there(std::string_view api, const std::string& key,
                                   const Result<std::optional<nlohmann::json>>& user);

// An update's outcome: a 404 means the user went since it was read, which the
// next round (re-reading, then creating) resolves, so it is a retry. Done
// carries the version in the answer's `version_field` (the updated user).
Status updated(std::string_view api, const Result<nlohmann::json>& answer, std::string_view version_field = {});

// The create/modify/rename handler for `op`; an unknown kind is a permanent "<api>:operation" failure.
struct Handlers {
  std::function<Status()> create;
  std::function<Status()> modify;
  std::function<Status()> rename;
  std::function<Status()> remove{};  // empty: the API has no delete call
};
Status dispatch(std::string_view api, const reconcile::Operation& op, const Handlers& handlers);

// A rename of a key the API cannot change: `what` names it ("a PDS user_id").
Failure key_is_fixed(std::string_view api, const reconcile::Operation& op, std::string_view what);

}  // namespace idb::connectors::cloud
