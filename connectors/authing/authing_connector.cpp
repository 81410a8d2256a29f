#include "connectors/authing/authing_connector.h"

#include <algorithm>

#include "connectors/authing/authing_fields.h"
#include "connectors/cloud/answers.h"
#include "connectors/cloud/fields.h"
#include "connectors/http/retry.h"
#include "connectors/signing/authing.h"
#include "connectors/signing/crypto.h"

namespace idb::connectors::authing {

namespace {

constexpr const char* kApi = "authing";
constexpr const char* kActive = "Activated";
// The UserDto every user call answers with carries updatedAt (ISO 8601), set by each write: the account's version.
constexpr const char* kVersionField = "updatedAt";
// The key of an account found by correlation that has no value in our key
// field (one made in the console has no externalId): Authing's own userId
// behind this prefix, so reading, renaming (which sets our key field) and
// deleting it address it by userIdType user_id.
constexpr std::string_view kOwnIdPrefix = "user_id:";

http::Request json_post(std::string path, const nlohmann::ordered_json& body, bool idempotent = true) {
  return {"POST", std::move(path), {}, {{"content-type", "application/json"}}, body.dump(), idempotent};
}

// The JWT's `scoped_userpool_id` claim, which token-authenticated calls must repeat in a header.
std::string user_pool_of(const std::string& jwt) {
  const auto first = jwt.find('.');
  const auto second = jwt.find('.', first + 1);
  if (first == std::string::npos || second == std::string::npos) return "";
  auto payload = signing::base64_decode(jwt.substr(first + 1, second - first - 1));
  if (!payload) return "";
  auto claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!claims.is_object() || !claims.contains("scoped_userpool_id") || !claims["scoped_userpool_id"].is_string()) {
    return "";
  }
  return claims["scoped_userpool_id"];
}

}  // namespace

std::string key_field(const std::string& key_type) {
  if (key_type == "external_id") return "externalId";
  return key_type;  // username, email and phone are their own field names
}

AuthingConnector::AuthingConnector(std::string name, config::AuthingTarget settings, bool status_mapped)
    : CloudConnector(std::move(name), settings.http, status_mapped),
      settings_(std::move(settings)),
      tokens_([this] { return fetch_token(); }) {}

http::Sign AuthingConnector::signer() {
  return [this](http::Request& r) {
    r.headers.emplace_back("accept", "application/json");
    r.headers.emplace_back("x-authing-signature-nonce", signing::random_hex(16));
    r.headers.emplace_back("x-authing-signature-method", "HMAC-SHA1");
    r.headers.emplace_back("x-authing-signature-version", "1.0");
    r.headers.emplace_back("x-authing-lang", "en-US");
    r.headers.emplace_back("date", signing::http_date(signing::Clock::now()));
    signing::Params params = r.query;
    if (r.method != "GET") params = signing::authing::body_params(nlohmann::ordered_json::parse(r.body, nullptr, false));
    const std::string sts = signing::authing::string_to_sign(r.method, r.headers, r.path, std::move(params));
    r.headers.emplace_back("authorization",
                           signing::authing::authorization(settings_.access_key_id,
                                                           signing::authing::signature(settings_.access_key_secret.value, sts)));
  };
}

Result<cloud::Token> AuthingConnector::fetch_token() {
  nlohmann::ordered_json body{{"accessKeyId", settings_.access_key_id},
                              {"accessKeySecret", settings_.access_key_secret.value}};
  auto response = client_.send(json_post("/api/v3/get-management-token", body));
  if (!response) return response.failure();
  auto data = parse(response.value());
  if (!data) return data.failure();
  const auto& d = data.value();
  if (!d.contains("access_token") || !d["access_token"].is_string() || !d.contains("expires_in") ||
      !d["expires_in"].is_number_integer()) {
    return Failure{FailureKind::retry, "authing:token", "the management token answer lacks access_token/expires_in"};
  }
  std::string token = d["access_token"];
  std::string pool = user_pool_of(token);
  if (pool.empty()) {
    return Failure{FailureKind::permanent, "authing:token", "the management token has no scoped_userpool_id claim"};
  }
  return cloud::Token{std::move(token), std::chrono::seconds(d["expires_in"].get<int64_t>()), std::move(pool)};
}

Result<nlohmann::json> AuthingConnector::parse(const http::Response& response) {
  auto body = nlohmann::json::parse(response.body, nullptr, false);
  // The body's statusCode is authoritative (the SDKs read it whatever the HTTP status).
  const bool enveloped = body.is_object() && body.contains("statusCode") && body["statusCode"].is_number_integer();
  const int status = enveloped ? body["statusCode"].get<int>() : response.status;
  if (status == 200 && enveloped) return body.contains("data") ? body["data"] : nlohmann::json::object();
  if (status == 200) {
    return Failure{FailureKind::retry, "authing:response", "HTTP 200 without an Authing statusCode envelope"};
  }
  const std::string message = cloud::string_member(body, {"message"});
  int api_code = 0;
  if (enveloped && body.contains("apiCode") && body["apiCode"].is_number_integer()) api_code = body["apiCode"];
  const std::string code = api_code ? std::to_string(api_code) : "";
  const auto& conflicts = settings_.conflict_api_codes;
  if (api_code && std::find(conflicts.begin(), conflicts.end(), api_code) != conflicts.end()) {
    return Failure{FailureKind::conflict, "authing:" + code, message};
  }
  Failure failure = http::failure_for_status(status, code, message);
  failure.code = "authing:" + failure.code;
  return failure;
}

Result<nlohmann::json> AuthingConnector::call(http::Request request) {
  if (settings_.auth != "token") {
    auto response = client_.send(request, signer());
    if (!response) return response.failure();
    return parse(response.value());
  }
  auto response = cloud::send_with_token(client_, tokens_, request, [](http::Request& r, const cloud::Token& token) {
    r.headers.emplace_back("authorization", "Bearer " + token.value);
    r.headers.emplace_back("x-authing-userpool-id", token.scope);
    r.headers.emplace_back("x-authing-lang", "en-US");
  });
  if (!response) return response.failure();
  return parse(response.value());
}

std::pair<std::string, std::string> AuthingConnector::address_of(const std::string& key) const {
  if (key.starts_with(kOwnIdPrefix)) return {key.substr(kOwnIdPrefix.size()), "user_id"};
  return {key, settings_.key_type};
}

nlohmann::ordered_json AuthingConnector::addressed(const std::string& key) const {
  const auto [id, type] = address_of(key);
  return {{"userId", id}, {"options", {{"userIdType", type}}}};
}

Result<std::optional<nlohmann::json>> AuthingConnector::get_user(const std::string& id, const std::string& type) {
  return cloud::found(kApi, call({"GET",
                                  "/api/v3/get-user",
                                  {{"userId", id}, {"userIdType", type}, {"withCustomData", "true"}},
                                  {},
                                  "",
                                  true}));
}

Result<std::optional<Observed>> AuthingConnector::read(const std::string& key, const std::vector<std::string>& attributes) {
  const auto [id, type] = address_of(key);
  return cloud::observed(get_user(id, type), key, attributes, get, {"status", kActive, status_mapped_}, kVersionField);
}

namespace {

// The userIdType that addresses accounts by a mapping attribute, or "".
std::string id_type_of(const std::string& attribute) {
  if (attribute == "externalId") return "external_id";
  if (attribute == "username" || attribute == "email" || attribute == "phone") return attribute;
  return "";
}

}  // namespace

bool AuthingConnector::can_find_by(const std::string& attribute) const { return !id_type_of(attribute).empty(); }

Result<std::vector<Observed>> AuthingConnector::find_by(const std::string& attribute, const std::string& value,
                                                        const std::vector<std::string>& attributes) {
  if (!can_find_by(attribute)) return Connector::find_by(attribute, value, attributes);
  // Each of these fields is unique in a user pool, so get-user addresses at most one account.
  auto user = get_user(value, id_type_of(attribute));
  if (!user) return user.failure();
  std::vector<Observed> out;
  if (!user.value()) return out;
  const nlohmann::json& found = *user.value();
  // An account without our key field (made in the console) is offered under
  // its own userId; linking it renames it, which gives it our key.
  auto key = get(found, key_field(settings_.key_type));
  if (!key) {
    const auto own_id = get(found, "userId");
    if (!own_id) return out;
    key = std::string(kOwnIdPrefix) + *own_id;
  }
  out.push_back(cloud::observe_user(found, *key, attributes, get, {"status", kActive, status_mapped_}, kVersionField));
  return out;
}

Status AuthingConnector::apply(const reconcile::Operation& op) {
  // Such a key would be read as an account's own userId (see kOwnIdPrefix).
  const std::string& written_key = op.kind == reconcile::Operation::Kind::rename ? op.new_key : op.key;
  if (op.kind != reconcile::Operation::Kind::modify && op.kind != reconcile::Operation::Kind::remove &&
      written_key.starts_with(kOwnIdPrefix)) {
    return cloud::invalid(kApi, written_key, "a key may not start with '" + std::string(kOwnIdPrefix) + "'");
  }
  return cloud::dispatch(kApi, op,
                         {[&] { return create(op); }, [&] { return modify(op); }, [&] { return rename(op); }, [&]() -> Status {
                            // delete-users-batch passes over ids it does not find, so a repeat after a crash succeeds.
                            const auto [id, type] = address_of(op.key);
                            nlohmann::ordered_json body{{"userIds", {id}}, {"options", {{"userIdType", type}}}};
                            auto data = call(json_post("/api/v3/delete-users-batch", body));
                            if (!data) return data.failure();
                            return ok();
                          }});
}

Status AuthingConnector::create(const reconcile::Operation& op) {
  auto values = cloud::created_fields(kApi, field, op);
  if (!values) return values.failure();
  nlohmann::ordered_json body = nlohmann::ordered_json::object();
  for (const auto& value : values.value()) put(body, value);
  const std::string keyed = key_field(settings_.key_type);
  if (body.contains(keyed) && body[keyed] != op.key) {
    return cloud::invalid(kApi, op.key, "the mapping sets '" + keyed + "' to something other than the key");
  }
  body[keyed] = op.key;
  // Unique fields make a second create fail as a conflict, so a lost answer never duplicates a user.
  auto data = call(json_post("/api/v3/create-user", body, /*idempotent=*/false));
  if (!data) return data.failure();
  return Done{cloud::version_in(data.value(), kVersionField)};
}

Status AuthingConnector::modify(const reconcile::Operation& op) {
  auto values = cloud::changed_fields(kApi, field, op);
  if (!values) return values.failure();
  nlohmann::ordered_json body = addressed(op.key);
  for (auto& value : values.value()) {
    if (value.field.name == "status" && !value.value) value.value = kActive;
    put(body, value);
  }
  return cloud::updated(kApi, call(json_post("/api/v3/update-user", body)), kVersionField);
}

Status AuthingConnector::rename(const reconcile::Operation& op) {
  const std::string keyed = key_field(settings_.key_type);
  nlohmann::ordered_json body = addressed(op.key);
  body[keyed] = op.new_key;
  auto data = call(json_post("/api/v3/update-user", body));
  if (!data) return data.failure();
  return Done{cloud::version_in(data.value(), kVersionField)};
}

}  // namespace idb::connectors::authing
