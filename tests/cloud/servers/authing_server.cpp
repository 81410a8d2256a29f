#include "tests/cloud/servers/authing_server.h"

#include <algorithm>
#include <cstdio>

#include "connectors/signing/authing.h"
#include "connectors/signing/crypto.h"

namespace idb::test::cloud {

namespace {

namespace signing = connectors::signing;
using Json = nlohmann::ordered_json;

constexpr int kNotFound = 2004, kTaken = 2026, kInvalid = 2001, kUnauthenticated = 2020;

const std::set<std::string> kStrings{
    "phoneCountryCode", "name", "nickname", "photo", "externalId", "birthdate", "country", "province", "city",
    "address", "streetAddress", "postalCode", "username", "email", "phone", "company", "browser", "device",
    "givenName", "familyName", "middleName", "profile", "preferredUsername", "website", "zoneinfo", "locale",
    "formatted", "region", "identityNumber", "password", "status", "gender"};
const std::set<std::string> kBools{"emailVerified", "phoneVerified"};
const std::set<std::string> kUnique{"username", "email", "phone", "externalId"};
const std::set<std::string> kStatuses{"Activated", "Suspended", "Deactivated", "Resigned", "Archived"};
const std::set<std::string> kGenders{"M", "F", "W", "U"};
const std::map<std::string, std::string> kIdTypes{{"user_id", "userId"},
                                                  {"external_id", "externalId"},
                                                  {"username", "username"},
                                                  {"email", "email"},
                                                  {"phone", "phone"}};

std::string error_body(int status) {
  return Json{{"statusCode", status}, {"message", status == 429 ? "Too Many Requests" : "Internal Error"}, {"apiCode", status}}
      .dump();
}

signing::Headers headers_of(const httplib::Request& req) {
  signing::Headers out;
  for (const auto& [name, value] : req.headers) out.emplace_back(name, value);
  return out;
}

}  // namespace

AuthingServer::AuthingServer(AuthingServerOptions options) : options_(std::move(options)), http_(error_body) {
  http_.route("POST", "/api/v3/get-management-token", [this](auto& q, auto& s) { get_token(q, s); });
  http_.route("GET", "/api/v3/get-user", [this](auto& q, auto& s) { get_user(q, s); });
  http_.route("GET", "/api/v3/list-users", [this](auto& q, auto& s) { list_users(q, s); });
  http_.route("POST", "/api/v3/create-user", [this](auto& q, auto& s) { create_user(q, s); });
  http_.route("POST", "/api/v3/update-user", [this](auto& q, auto& s) { update_user(q, s); });
  http_.route("POST", "/api/v3/delete-users-batch", [this](auto& q, auto& s) { delete_users(q, s); });
}

void AuthingServer::reply(httplib::Response& res, int status, const std::string& message, int api_code, Json data) {
  Json body{{"statusCode", status}, {"message", message}};
  if (api_code) body["apiCode"] = api_code;
  body["requestId"] = signing::random_hex(8);
  if (!data.is_null()) body["data"] = std::move(data);
  res.status = status;
  res.set_content(body.dump(), "application/json");
}

std::optional<std::string> AuthingServer::authenticate(const httplib::Request& req) {
  const std::string authorization = req.get_header_value("Authorization");
  const auto now = signing::Clock::now() + options_.clock_offset;
  std::lock_guard lock(mutex_);
  if (authorization.starts_with("Bearer ")) {
    switch (tokens_.check(authorization.substr(7), now)) {
      case IssuedTokens::Check::unknown: return "invalid access token";
      case IssuedTokens::Check::expired: return "access token expired";
      case IssuedTokens::Check::valid: break;
    }
    if (req.get_header_value("x-authing-userpool-id") != options_.access_key_id) return "wrong x-authing-userpool-id";
    return std::nullopt;
  }
  if (!authorization.starts_with("authing ")) return "missing or unknown Authorization scheme";
  const std::string credential = authorization.substr(8);
  const auto colon = credential.find(':');
  if (colon == std::string::npos || credential.substr(0, colon) != options_.access_key_id) return "unknown access key";
  signing::Clock::time_point date;
  if (!signing::parse_http_date(req.get_header_value("date"), date)) return "missing or malformed date header";
  if (date < now - options_.max_skew || date > now + options_.max_skew) return "request date is too far from server time";
  const std::string nonce = req.get_header_value("x-authing-signature-nonce");
  if (nonce.empty() || !nonces_.insert(nonce).second) return "signature nonce missing or already used";

  signing::Params params;
  if (req.method == "GET") {
    for (const auto& [name, value] : req.params) params.emplace_back(name, value);
  } else {
    params = signing::authing::body_params(Json::parse(req.body, nullptr, false));
  }
  const std::string expected = signing::authing::signature(
      options_.access_key_secret, signing::authing::string_to_sign(req.method, headers_of(req), req.path, params));
  if (!signing::constant_time_equal(credential.substr(colon + 1), expected)) return "signature does not match";
  return std::nullopt;
}

void AuthingServer::get_token(const httplib::Request& req, httplib::Response& res) {
  const Json body = Json::parse(req.body, nullptr, false);
  if (!body.is_object() || body.value("accessKeyId", "") != options_.access_key_id ||
      !signing::constant_time_equal(body.value("accessKeySecret", ""), options_.access_key_secret)) {
    return reply(res, 401, "invalid accessKeyId or accessKeySecret", kUnauthenticated);
  }
  // A JWT-shaped token: the client reads its scoped_userpool_id claim.
  const std::string claims = Json{{"scoped_userpool_id", options_.access_key_id}}.dump();
  const std::string token =
      tokens_.issue(signing::Clock::now() + options_.clock_offset, std::chrono::seconds(options_.token_lifetime_s),
                    signing::base64("{\"alg\":\"HS256\"}") + "." + signing::base64(claims) + ".");
  reply(res, 200, "", 0, Json{{"access_token", token}, {"expires_in", options_.token_lifetime_s}});
}

AuthingServer::Json* AuthingServer::locate(const std::string& id, const std::string& type) {
  auto field = kIdTypes.find(type);
  if (field == kIdTypes.end() || id.empty()) return nullptr;
  for (auto& user : users_) {
    if (user.value(field->second, "") == id) return &user;
  }
  return nullptr;
}

std::optional<std::string> AuthingServer::validate(const Json& body, const Json* self) {
  for (const auto& [key, value] : body.items()) {
    if (key == "userId" || key == "options") continue;
    if (kStrings.count(key)) {
      if (!value.is_string()) return "'" + key + "' must be a string";
    } else if (kBools.count(key)) {
      if (!value.is_boolean()) return "'" + key + "' must be a boolean";
    } else if (key == "customData") {
      if (!value.is_object()) return "'customData' must be an object";
      for (const auto& [name, v] : value.items()) {
        if (std::find(options_.custom_fields.begin(), options_.custom_fields.end(), name) == options_.custom_fields.end()) {
          return "custom field '" + name + "' is not defined in this user pool";
        }
      }
    } else {
      return "unknown field '" + key + "'";
    }
  }
  if (body.contains("status") && !kStatuses.count(body["status"])) return "invalid status";
  if (body.contains("gender") && !kGenders.count(body["gender"])) return "invalid gender";
  for (const auto& field : kUnique) {
    if (!body.contains(field) || body[field] == "") continue;
    for (const auto& user : users_) {
      if (&user != self && user.value(field, "") == body[field]) return "taken:" + field;
    }
  }
  return std::nullopt;
}

void AuthingServer::get_user(const httplib::Request& req, httplib::Response& res) {
  if (auto why = authenticate(req)) return reply(res, 401, *why, kUnauthenticated);
  const std::string type = req.has_param("userIdType") ? req.get_param_value("userIdType") : "user_id";
  if (!kIdTypes.count(type)) return reply(res, 400, "invalid userIdType", kInvalid);
  std::lock_guard lock(mutex_);
  const Json* user = locate(req.get_param_value("userId"), type);
  if (!user) return reply(res, 404, "user not found", kNotFound);
  Json out = *user;
  if (req.get_param_value("withCustomData") != "true") out.erase("customData");
  reply(res, 200, "", 0, out);
}

void AuthingServer::list_users(const httplib::Request& req, httplib::Response& res) {
  if (auto why = authenticate(req)) return reply(res, 401, *why, kUnauthenticated);
  int page = 1, limit = 10;
  if (req.has_param("page") && std::sscanf(req.get_param_value("page").c_str(), "%d", &page) != 1) page = 0;
  if (req.has_param("limit") && std::sscanf(req.get_param_value("limit").c_str(), "%d", &limit) != 1) limit = 0;
  if (page < 1 || limit < 1 || limit > 50) return reply(res, 400, "page must be >= 1 and limit 1..50", kInvalid);
  std::lock_guard lock(mutex_);
  Json list = Json::array();
  const std::size_t from = static_cast<std::size_t>(page - 1) * static_cast<std::size_t>(limit);
  for (std::size_t i = from; i < users_.size() && i < from + static_cast<std::size_t>(limit); ++i) list.push_back(users_[i]);
  reply(res, 200, "", 0, Json{{"totalCount", users_.size()}, {"list", list}});
}

void AuthingServer::create_user(const httplib::Request& req, httplib::Response& res) {
  if (auto why = authenticate(req)) return reply(res, 401, *why, kUnauthenticated);
  Json body = Json::parse(req.body, nullptr, false);
  if (!body.is_object()) return reply(res, 400, "body must be a JSON object", kInvalid);
  std::lock_guard lock(mutex_);
  if (auto why = validate(body, nullptr)) {
    if (why->starts_with("taken:")) return reply(res, 400, why->substr(6) + " already exists", kTaken);
    return reply(res, 400, *why, kInvalid);
  }
  body.erase("options");
  body.erase("password");
  const std::string now = clock_.next_rfc3339();
  Json user{{"userId", signing::random_hex(12)}, {"status", "Activated"}, {"createdAt", now}};
  for (auto& [key, value] : body.items()) user[key] = value;
  user["updatedAt"] = now;
  users_.push_back(user);
  reply(res, 200, "", 0, user);
}

void AuthingServer::update_user(const httplib::Request& req, httplib::Response& res) {
  if (auto why = authenticate(req)) return reply(res, 401, *why, kUnauthenticated);
  const Json body = Json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("userId") || !body["userId"].is_string()) {
    return reply(res, 400, "userId is required", kInvalid);
  }
  std::string type = "user_id";
  if (body.contains("options") && body["options"].is_object() && body["options"].contains("userIdType")) {
    type = body["options"].value("userIdType", "");
  }
  if (!kIdTypes.count(type)) return reply(res, 400, "invalid userIdType", kInvalid);
  std::lock_guard lock(mutex_);
  Json* user = locate(body["userId"], type);
  if (!user) return reply(res, 404, "user not found", kNotFound);
  if (auto why = validate(body, user)) {
    if (why->starts_with("taken:")) return reply(res, 400, why->substr(6) + " already exists", kTaken);
    return reply(res, 400, *why, kInvalid);
  }
  for (const auto& [key, value] : body.items()) {
    if (key == "userId" || key == "options" || key == "password") continue;
    if (key == "customData") {
      for (const auto& [name, v] : value.items()) (*user)["customData"][name] = v;
    } else {
      (*user)[key] = value;
    }
  }
  (*user)["updatedAt"] = clock_.next_rfc3339();
  reply(res, 200, "", 0, *user);
}

void AuthingServer::delete_users(const httplib::Request& req, httplib::Response& res) {
  if (auto why = authenticate(req)) return reply(res, 401, *why, kUnauthenticated);
  const Json body = Json::parse(req.body, nullptr, false);
  if (!body.is_object() || !body.contains("userIds") || !body["userIds"].is_array()) {
    return reply(res, 400, "userIds is required", kInvalid);
  }
  std::string type = "user_id";
  if (body.contains("options") && body["options"].is_object()) type = body["options"].value("userIdType", "user_id");
  std::lock_guard lock(mutex_);
  for (const auto& id : body["userIds"]) {
    if (!id.is_string()) continue;
    if (Json* user = locate(id, type)) users_.erase(users_.begin() + (user - users_.data()));
  }
  reply(res, 200, "", 0, Json{{"success", true}});
}

std::optional<nlohmann::ordered_json> AuthingServer::find(const std::string& field, const std::string& value) const {
  std::lock_guard lock(mutex_);
  for (const auto& user : users_) {
    if (user.contains(field) && user[field].is_string() && user[field] == value) return user;
  }
  return std::nullopt;
}

std::size_t AuthingServer::user_count() const {
  std::lock_guard lock(mutex_);
  return users_.size();
}

int AuthingServer::tokens_issued() const { return tokens_.issued(); }

void AuthingServer::revoke_tokens() { tokens_.revoke_all(); }

void AuthingServer::seed(nlohmann::ordered_json user) {
  std::lock_guard lock(mutex_);
  if (!user.contains("userId")) user["userId"] = signing::random_hex(12);
  if (!user.contains("status")) user["status"] = "Activated";
  if (!user.contains("updatedAt")) user["createdAt"] = user["updatedAt"] = clock_.next_rfc3339();
  users_.push_back(std::move(user));
}

}  // namespace idb::test::cloud
