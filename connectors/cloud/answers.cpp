#include "connectors/cloud/answers.h"

#include "connectors/http/retry.h"

namespace idb::connectors::cloud {

bool not_found(std::string_view api, const Failure& failure) {
  return failure.code.starts_with(std::string(api) + ":HTTP 404");
}

Failure whole_api_denied(Failure failure, std::string_view message) {
  failure.kind = FailureKind::stop_target;
  failure.message = "access denied to the whole API (" + failure.code + (message.empty() ? "" : ": ") +
                    std::string(message) +
                    "): the credentials lack the permission to manage users, so every user would be refused alike; "
                    "grant it and restart idbridge";
  return failure;
}

Result<nlohmann::json> json_answer(std::string_view api, const Result<http::Response>& response,
                                   const std::function<ErrorBody(const nlohmann::json&)>& error_of, Forbidden forbidden) {
  if (!response) return response.failure();
  const auto& r = response.value();
  auto json = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status >= 200 && r.status < 300) return json.is_discarded() ? nlohmann::json::object() : json;
  const ErrorBody error = error_of(json);
  Failure failure = http::failure_for_status(r.status, error.code, error.message);
  failure.code = std::string(api) + ":" + failure.code;
  if (error.kind) {
    failure.kind = *error.kind;
  } else if (r.status == 403 && forbidden == Forbidden::whole_api) {
    failure = whole_api_denied(std::move(failure), error.message);
  }
  return failure;
}

Result<std::optional<nlohmann::json>> found(std::string_view api, const Result<nlohmann::json>& answer) {
  if (!answer) {
    if (not_found(api, answer.failure())) return std::optional<nlohmann::json>{};
    return answer.failure();
  }
  return std::optional<nlohmann::json>(answer.value());
}

std::string version_in(const nlohmann::json& user, std::string_view field) {
  if (field.empty() || !user.is_object()) return {};
  const auto it = user.find(field);
  if (it == user.end()) return {};
  if (it->is_string()) return it->get<std::string>();
  if (it->is_number_integer()) return it->dump();
  return {};
}

Observed observe_user(const nlohmann::json& user, const std::string& key, const std::vector<std::string>& attributes,
                      const UserField& get, const StatusField& status, std::string_view version_field) {
  Observed account = observe(key, attributes, [&](const std::string& attribute) { return get(user, attribute); }, status);
  account.version = version_in(user, version_field);
  return account;
}

Result<std::optional<Observed>> observed(const Result<std::optional<nlohmann::json>>& user, const std::string& key,
                                         const std::vector<std::string>& attributes, const UserField& get,
                                         const StatusField& status, std::string_view version_field) {
  if (!user) return user.failure();
  if (!user.value()) return std::optional<Observed>{};
  return std::optional<Observed>(observe_user(*user.value(), key, attributes, get, status, version_field));
}

Result<nlohmann::json> still_there(std::string_view api, const std::string& key,
                                   const Result<std::optional<nlohmann::json>>& user) {
  if (!user) return user.failure();
  if (!user.value()) {
    return Failure{FailureKind::retry, std::string(api) + ":HTTP 404", "user '" + key + "' vanished before its update"};
  }
  return *user.value();
}

Status updated(std::string_view api, const Result<nlohmann::json>& answer, std::string_view version_field) {
  if (!answer) {
    Failure failure = answer.failure();
    if (not_found(api, failure)) failure.kind = FailureKind::retry;
    return failure;
  }
  return Done{version_in(answer.value(), version_field)};
}

Status dispatch(std::string_view api, const reconcile::Operation& op, const Handlers& handlers) {
  switch (op.kind) {
    case reconcile::Operation::Kind::create: return handlers.create();
    case reconcile::Operation::Kind::modify: return handlers.modify();
    case reconcile::Operation::Kind::rename: return handlers.rename();
    case reconcile::Operation::Kind::remove:
      if (handlers.remove) return handlers.remove();
      return Failure{FailureKind::permanent, std::string(api) + ":unsupported",
                     "this target cannot delete accounts ('" + op.key + "'): set its delete policy to never"};
  }
  return Failure{FailureKind::permanent, std::string(api) + ":operation", "unknown operation"};
}

Failure key_is_fixed(std::string_view api, const reconcile::Operation& op, std::string_view what) {
  return invalid(api, op.key, std::string(what) + " cannot change (the key would become '" + op.new_key + "')");
}

}  // namespace idb::connectors::cloud
