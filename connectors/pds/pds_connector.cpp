#include "connectors/pds/pds_connector.h"

#include "connectors/cloud/answers.h"
#include "connectors/cloud/fields.h"
#include "connectors/pds/pds_fields.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/jwt.h"
#include "connectors/signing/pds.h"

namespace idb::connectors::pds {

namespace {

constexpr const char* kApi = "pds";
constexpr const char* kEnabled = "enabled";
// The User every call returns carries updated_at (epoch ms), set by each write: the account's version.
constexpr const char* kVersionField = "updated_at";

}  // namespace

PdsConnector::PdsConnector(std::string name, config::PdsTarget settings, bool status_mapped, state::Store* links)
    : CloudConnector(std::move(name), settings.http, status_mapped),
      settings_(std::move(settings)),
      tokens_([this] { return fetch_token(); }),
      links_(links, name_) {}

cloud::ErrorBody PdsConnector::error_of(const nlohmann::json& json) {
  // The gateway reads Code/code and Message/message.
  cloud::ErrorBody error{cloud::string_member(json, {"code", "Code"}), cloud::string_member(json, {"message", "Message"})};
  if (error.code.starts_with("AlreadyExist")) error.kind = FailureKind::conflict;
  return error;
}

void PdsConnector::sign(http::Request& r) const {
  r.headers.emplace_back("date", signing::http_date(signing::Clock::now()));
  r.headers.emplace_back("x-acs-signature-nonce", signing::random_hex(16));
  r.headers.emplace_back("x-acs-signature-method", "HMAC-SHA1");
  r.headers.emplace_back("x-acs-signature-version", "1.0");
  const std::string sts = signing::pds::string_to_sign(r.method, r.headers, r.path, r.query);
  r.headers.emplace_back("authorization",
                         signing::pds::authorization(settings_.access_key_id,
                                                     signing::pds::signature(settings_.access_key_secret.value, sts)));
}

Result<cloud::Token> PdsConnector::fetch_token() {
  // The JWT-bearer grant (specs/002-aliyun-pds.md §2c): the app asserts itself
  // for the whole domain. sub/sub_type/aud semantics are partly unconfirmed
  // there (INFERRED: sub = aud = domain_id, sub_type = service).
  const int64_t now = std::chrono::duration_cast<std::chrono::seconds>(signing::Clock::now().time_since_epoch()).count();
  const nlohmann::json claims{{"iss", settings_.client_id}, {"sub", settings_.domain_id}, {"sub_type", "service"},
                              {"aud", settings_.domain_id}, {"jti", signing::random_hex(16)}, {"iat", now},
                              {"nbf", now},                 {"exp", now + 300}};
  const auto assertion = signing::jwt::sign_rs256(claims, settings_.private_key.value);
  if (!assertion) {
    return Failure{FailureKind::stop_target, "pds:token",
                   "private_key is not a usable RSA private key (PEM); check the target's credentials"};
  }
  const std::string form = "grant_type=" + signing::uri_encode("urn:ietf:params:oauth:grant-type:jwt-bearer") +
                           "&client_id=" + signing::uri_encode(settings_.client_id) +
                           "&assertion=" + signing::uri_encode(*assertion);
  auto answer = cloud::json_answer(
      kApi,
      client_.send({"POST", "/v2/oauth/token", {}, {{"content-type", "application/x-www-form-urlencoded"}}, form, true}),
      error_of);
  if (!answer) return answer.failure();
  const auto& token = answer.value();
  if (!token.contains("access_token") || !token["access_token"].is_string() || !token.contains("expires_in") ||
      !token["expires_in"].is_number_integer()) {
    return Failure{FailureKind::retry, "pds:token", "the token answer lacks access_token/expires_in"};
  }
  return cloud::Token{token["access_token"], std::chrono::seconds(token["expires_in"].get<int64_t>()), ""};
}

Result<nlohmann::json> PdsConnector::call(const std::string& action, const std::string& path,
                                          const nlohmann::json& body, bool idempotent) {
  const http::Request request{"POST",
                              path,
                              {},
                              {{"accept", "application/json"},
                               {"content-type", "application/json; charset=utf-8"},
                               {"x-acs-version", "2022-03-01"},
                               {"x-acs-action", action}},
                              body.dump(),
                              idempotent};
  if (settings_.auth != "token") {
    return cloud::json_answer(kApi, client_.send(request, [this](http::Request& r) { sign(r); }), error_of);
  }
  auto response = cloud::send_with_token(client_, tokens_, request, [](http::Request& r, const cloud::Token& token) {
    r.headers.emplace_back("authorization", "Bearer " + token.value);
    r.headers.emplace_back("x-acs-bearer-token", token.value);
  });
  return cloud::json_answer(kApi, response, error_of);
}

Result<std::optional<nlohmann::json>> PdsConnector::get_user(const std::string& user_id) {
  return cloud::found(kApi, call("GetUser", "/v2/user/get", {{"user_id", user_id}}));
}

std::string PdsConnector::user_id_of(const std::string& key) const { return links_.id_of(key).value_or(key); }

Result<std::optional<nlohmann::json>> PdsConnector::find(const std::string& key) {
  if (auto id = links_.id_of(key)) {
    auto user = get_user(*id);
    if (!user || user.value()) return user;
    links_.unlink(key);  // the linked account went: the key is a user_id again
  }
  auto user = get_user(key);
  // An account whose user_id is our key but which is linked to another key is that user's.
  if (user && user.value() && links_.key_of(key, key) != key) return std::optional<nlohmann::json>{};
  return user;
}

Result<std::optional<Observed>> PdsConnector::read(const std::string& key, const std::vector<std::string>& attributes) {
  if (auto problem = check_user_id(key)) return cloud::invalid(kApi, key, *problem);
  return cloud::observed(find(key), key, attributes, get, {"status", kEnabled, status_mapped_}, kVersionField);
}

bool PdsConnector::can_find_by(const std::string& attribute) const {
  // The search call's exact-match filters that name a person (role and status do not).
  return attribute == "user_name" || attribute == "nick_name" || attribute == "email" || attribute == "phone";
}

Result<std::vector<Observed>> PdsConnector::find_by(const std::string& attribute, const std::string& value,
                                                    const std::vector<std::string>& attributes) {
  if (!can_find_by(attribute)) return Connector::find_by(attribute, value, attributes);
  std::vector<Observed> out;
  std::string marker;
  // Pages of at most 100 (the API's limit) until next_marker is empty; bounded, as a marker that never ends would be a fault.
  for (int page = 0; page < 1000; ++page) {
    nlohmann::json body{{attribute, value}, {"limit", 100}};
    if (!marker.empty()) body["marker"] = marker;
    auto found = call("SearchUser", "/v2/user/search", body);
    if (!found) return found.failure();
    const auto& items = found.value().contains("items") ? found.value()["items"] : nlohmann::json();
    for (const auto& user : items.is_array() ? items : nlohmann::json::array()) {
      // Only an exact match counts (the search's matching rule is not documented).
      if (!user.is_object() || get(user, attribute) != value) continue;
      const auto user_id = get(user, "user_id");
      if (!user_id) continue;
      // Relinked to one of our keys, the account is that user's (key_of).
      out.push_back(cloud::observe_user(user, links_.key_of(*user_id, *user_id), attributes, get,
                                        {"status", kEnabled, status_mapped_}, kVersionField));
    }
    const std::string next = found.value().value("next_marker", "");
    if (next.empty() || next == marker) break;
    marker = next;
  }
  return out;
}

Status PdsConnector::apply(const reconcile::Operation& op) {
  if (auto problem = check_user_id(op.key)) return cloud::invalid(kApi, op.key, *problem);
  return cloud::dispatch(kApi, op,
                         {[&] { return create(op); }, [&] { return modify(op); },
                          [&]() -> Status {
                            // user_id cannot change: our new key is linked to the account instead.
                            if (auto problem = check_user_id(op.new_key)) return cloud::invalid(kApi, op.new_key, *problem);
                            const auto exists = [&](const std::string& id) -> Result<std::optional<std::string>> {
                              auto user = get_user(id);
                              if (!user) return user.failure();
                              return user.value() ? std::optional<std::string>(id) : std::nullopt;
                            };
                            return links_.relink(
                                kApi, op.key, op.new_key, [&] { return exists(op.key); },
                                [&](const std::string& id) -> Result<nlohmann::json> {
                                  return call("GetUser", "/v2/user/get", {{"user_id", id}});
                                },
                                [&]() -> Result<std::optional<std::string>> {
                                  auto there = find(op.new_key);  // by a link of the new key, or as a user_id
                                  if (!there) return there.failure();
                                  return there.value() ? std::optional<std::string>(op.new_key) : std::nullopt;
                                },
                                kVersionField);
                          },
                          [&]() -> Status {
                            // A 404 means it is gone already (a repeat after a crash): done.
                            auto deleted =
                                cloud::found(kApi, call("DeleteUser", "/v2/user/delete", {{"user_id", user_id_of(op.key)}}));
                            if (!deleted) return deleted.failure();
                            links_.unlink(op.key);
                            return ok();
                          }});
}

Status PdsConnector::create(const reconcile::Operation& op) {
  auto values = cloud::created_fields(kApi, field, op);
  if (!values) return values.failure();
  nlohmann::json body{{"user_id", op.key}};
  for (const auto& v : values.value()) {
    if (v.field.name == "user_id") {
      if (v.value != op.key) return cloud::invalid(kApi, op.key, "the mapping sets 'user_id' to something other than the key");
    } else if (is_user_data(v.field.name)) {
      body["user_data"][user_data_key(v.field.name)] = *v.value;
    } else {
      body[v.field.name] = *v.value;
    }
  }
  if (body.contains("user_data")) {
    if (auto problem = check_user_data(body["user_data"])) return cloud::invalid(kApi, op.key, *problem);
  }
  // user_id is unique, so a create whose answer was lost fails as a conflict
  // instead of making a second user; the next read finds the first.
  auto created = call("CreateUser", "/v2/user/create", body, /*idempotent=*/false);
  if (!created) return created.failure();
  return Done{cloud::version_in(created.value(), kVersionField)};
}

Status PdsConnector::modify(const reconcile::Operation& op) {
  auto values = cloud::changed_fields(kApi, field, op);
  if (!values) return values.failure();
  nlohmann::json body{{"user_id", user_id_of(op.key)}};
  bool touches_user_data = false;
  for (const auto& v : values.value()) {
    if (v.field.name == "user_name") {
      return cloud::invalid(kApi, op.key, "'user_name' cannot be changed by UpdateUser; map it for creation only");
    }
    if (v.field.name == "user_id") {
      // Only an account linked by correlation can hold another one than the key.
      return cloud::invalid(kApi, op.key, "a PDS user_id cannot change (map it authoritative: create_only)");
    } else if (is_user_data(v.field.name)) {
      touches_user_data = true;
    } else if (v.field.name == "status") {
      body["status"] = v.value.value_or(kEnabled);
    } else {
      body[v.field.name] = v.value.value_or("");  // how PDS clears a field is undocumented: "" (INFERRED)
    }
  }
  if (touches_user_data) {
    // user_data is replaced as a whole, so keys the mapping does not manage are carried over.
    auto current = get_user(user_id_of(op.key));
    if (!current) return current.failure();
    if (!current.value()) return Failure{FailureKind::retry, "pds:HTTP 404", "user vanished before its update"};
    nlohmann::json data = current.value()->value("user_data", nlohmann::json::object());
    if (!data.is_object()) data = nlohmann::json::object();
    for (const auto& v : values.value()) {
      if (!is_user_data(v.field.name)) continue;
      if (v.value) {
        data[user_data_key(v.field.name)] = *v.value;
      } else {
        data.erase(user_data_key(v.field.name));
      }
    }
    if (auto problem = check_user_data(data)) return cloud::invalid(kApi, op.key, *problem);
    body["user_data"] = std::move(data);
  }
  return cloud::updated(kApi, call("UpdateUser", "/v2/user/update", body), kVersionField);
}

}  // namespace idb::connectors::pds
