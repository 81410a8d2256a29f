#include "tests/cloud/servers/pds_server.h"

#include "connectors/signing/crypto.h"
#include "connectors/signing/jwt.h"
#include "connectors/signing/pds.h"

namespace idb::test::cloud {

namespace {

namespace signing = connectors::signing;
using Json = nlohmann::json;

std::size_t code_points(const std::string& text) {
  std::size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

void error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  res.status = status;
  res.set_header("x-ca-request-id", signing::random_hex(8));
  res.set_content(Json{{"code", code}, {"message", message}}.dump(), "application/json");
}

std::string error_body(int status) {
  return Json{{"code", status == 429 ? "TooManyRequests" : "InternalError"}, {"message", "injected"}}.dump();
}

const std::set<std::string> kWritable{"user_id", "user_name", "nick_name", "status", "role", "avatar",
                                      "description", "phone", "email", "user_data", "group_info_list"};

}  // namespace

PdsServer::PdsServer(PdsServerOptions options) : options_(std::move(options)), http_(error_body, options_.tls) {
  route("/v2/user/get", &PdsServer::get);
  route("/v2/user/list", &PdsServer::list);
  route("/v2/user/search", &PdsServer::search);
  route("/v2/user/create", &PdsServer::create);
  route("/v2/user/update", &PdsServer::update);
  route("/v2/user/delete", &PdsServer::remove);
  http_.route("POST", "/v2/oauth/token", [this](const httplib::Request& req, httplib::Response& res) { token(req, res); });
}

void PdsServer::route(const std::string& path, void (PdsServer::*handler)(const Json&, httplib::Response&)) {
  http_.route("POST", path, [this, handler](const httplib::Request& req, httplib::Response& res) {
    if (auto refusal = authenticate(req)) return error(res, 401, refusal->code, refusal->message);
    const Json body = Json::parse(req.body, nullptr, false);
    if (!body.is_object()) return error(res, 400, "InvalidParameter", "the body must be a JSON object");
    std::lock_guard lock(mutex_);
    (this->*handler)(body, res);
  });
}

std::optional<PdsServer::Refusal> PdsServer::authenticate(const httplib::Request& req) {
  const std::string authorization = req.get_header_value("Authorization");
  if (authorization.starts_with("Bearer ")) {
    switch (tokens_.check(authorization.substr(7), signing::Clock::now() + options_.clock_offset)) {
      case IssuedTokens::Check::unknown: return Refusal{"AccessTokenInvalid", "the access token is invalid"};
      case IssuedTokens::Check::expired: return Refusal{"AccessTokenExpired", "the access token has expired"};
      case IssuedTokens::Check::valid: return std::nullopt;
    }
  }
  if (auto why = check_signature(req)) return Refusal{"InvalidSignature", *why};
  return std::nullopt;
}

void PdsServer::token(const httplib::Request& req, httplib::Response& res) {
  std::map<std::string, std::string> form;
  for (std::size_t start = 0; start < req.body.size();) {
    std::size_t amp = req.body.find('&', start);
    const std::string pair = req.body.substr(start, amp == std::string::npos ? std::string::npos : amp - start);
    const auto eq = pair.find('=');
    form[signing::uri_decode(pair.substr(0, eq))] = eq == std::string::npos ? "" : signing::uri_decode(pair.substr(eq + 1));
    if (amp == std::string::npos) break;
    start = amp + 1;
  }
  if (form["grant_type"] != "urn:ietf:params:oauth:grant-type:jwt-bearer") {
    return error(res, 400, "InvalidParameter.GrantType", "this server grants only urn:ietf:params:oauth:grant-type:jwt-bearer");
  }
  if (options_.app_public_key.empty() || form["client_id"] != options_.client_id) {
    return error(res, 401, "InvalidClient", "the client_id is not an app of this domain");
  }
  const auto claims = signing::jwt::verify_rs256(form["assertion"], options_.app_public_key);
  if (!claims) return error(res, 401, "InvalidJWT.Signature", "the assertion is malformed or its signature does not verify");
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       (signing::Clock::now() + options_.clock_offset).time_since_epoch()).count();
  auto number = [&](const char* name) -> std::optional<int64_t> {
    if (!claims->contains(name) || !(*claims)[name].is_number_integer()) return std::nullopt;
    return (*claims)[name].get<int64_t>();
  };
  const auto iat = number("iat"), exp = number("exp");
  const auto nbf = number("nbf").value_or(iat.value_or(0));
  if (claims->value("iss", "") != options_.client_id) return error(res, 401, "InvalidJWT.Issuer", "iss must be the client_id");
  if (claims->value("aud", "") != options_.domain_id) return error(res, 401, "InvalidJWT.Audience", "aud must be the domain_id");
  const std::string sub_type = claims->value("sub_type", "");
  if (claims->value("sub", "").empty() || (sub_type != "user" && sub_type != "service")) {
    return error(res, 401, "InvalidJWT.Subject", "sub is required and sub_type must be user or service");
  }
  const auto skew = options_.max_skew.count();
  if (!iat || !exp || *exp <= now || *iat > now + skew || nbf > now + skew || *exp - *iat > 3600) {
    return error(res, 401, "InvalidJWT.Expired", "iat/nbf/exp do not hold now (or exp is more than an hour after iat)");
  }
  {
    std::lock_guard lock(mutex_);
    if (!assertion_ids_.insert(claims->value("jti", "")).second || claims->value("jti", "").empty()) {
      return error(res, 401, "InvalidJWT.Replay", "the jti is missing or was used before");
    }
  }
  const std::string access = tokens_.issue(signing::Clock::now() + options_.clock_offset, options_.token_lifetime);
  res.set_content(Json{{"access_token", access},
                       {"refresh_token", ""},
                       {"expires_in", options_.token_lifetime.count()},
                       {"token_type", "Bearer"},
                       {"domain_id", options_.domain_id},
                       {"role", "superadmin"}}
                      .dump(),
                  "application/json");
}

std::optional<std::string> PdsServer::check_signature(const httplib::Request& req) {
  const std::string authorization = req.get_header_value("Authorization");
  if (!authorization.starts_with("acs ")) return "missing or unknown Authorization scheme";
  const std::string credential = authorization.substr(4);
  const auto colon = credential.find(':');
  if (colon == std::string::npos || credential.substr(0, colon) != options_.access_key_id) {
    return "the AccessKeyId is not found";
  }
  signing::Clock::time_point date;
  if (!signing::parse_http_date(req.get_header_value("date"), date)) return "missing or malformed date header";
  const auto now = signing::Clock::now() + options_.clock_offset;
  if (date < now - options_.max_skew || date > now + options_.max_skew) return "the request date is too far from server time";
  signing::Headers headers;
  for (const auto& [name, value] : req.headers) headers.emplace_back(name, value);
  signing::Params query;
  for (const auto& [name, value] : req.params) query.emplace_back(name, value);
  const std::string expected = signing::pds::signature(
      options_.access_key_secret, signing::pds::string_to_sign(req.method, headers, req.path, query));
  if (!signing::constant_time_equal(credential.substr(colon + 1), expected)) return "the signature does not match";
  std::lock_guard lock(mutex_);
  const std::string nonce = req.get_header_value("x-acs-signature-nonce");
  if (nonce.empty() || !nonces_.insert(nonce).second) return "the signature nonce is missing or was used before";
  return std::nullopt;
}

std::optional<std::string> PdsServer::validate(const Json& body) {
  for (const auto& [key, value] : body.items()) {
    if (!kWritable.count(key)) return "InvalidParameter.Unknown: unknown field " + key;
  }
  auto string_at_most = [&](const char* key, std::size_t max) -> std::optional<std::string> {
    if (!body.contains(key)) return std::nullopt;
    if (!body[key].is_string()) return std::string("InvalidParameter.") + key + ": must be a string";
    if (code_points(body[key]) > max) return std::string("InvalidParameter.") + key + ": too long";
    return std::nullopt;
  };
  for (auto [key, max] : {std::pair{"user_id", 64}, {"user_name", 128}, {"nick_name", 128}, {"description", 1024},
                          {"phone", 64}, {"email", 256}, {"avatar", 300 * 1024}}) {
    if (auto why = string_at_most(key, static_cast<std::size_t>(max))) return why;
  }
  if (body.contains("user_id") && body["user_id"].get<std::string>().find('#') != std::string::npos) {
    return "InvalidParameter.UserId: must not contain #";
  }
  if (body.contains("status") && body["status"] != "enabled" && body["status"] != "disabled") {
    return "InvalidParameter.Status: must be enabled or disabled";
  }
  if (body.contains("role")) {
    static const std::set<std::string> roles{"superadmin", "admin", "user", "subdomain_super_admin", "subdomain_admin"};
    if (!body["role"].is_string() || !roles.count(body["role"])) return "InvalidParameter.Role: unknown role";
  }
  if (body.contains("avatar")) {
    const std::string a = body["avatar"];
    const bool url = a.starts_with("http://") || a.starts_with("https://");
    if (!a.empty() && !(url && a.size() <= 4096) && !a.starts_with("data://")) return "InvalidParameter.Avatar: bad URL";
  }
  if (body.contains("user_data")) {
    if (!body["user_data"].is_object()) return "InvalidParameter.UserData: must be a map";
    std::size_t total = 0;
    for (const auto& [k, v] : body["user_data"].items()) {
      if (!v.is_string()) return "InvalidParameter.UserData: values must be strings";
      total += code_points(k) + code_points(v);
    }
    if (total > 1024) return "InvalidParameter.UserData: more than 1024 characters";
  }
  return std::nullopt;
}

void PdsServer::get(const Json& body, httplib::Response& res) {
  auto it = users_.find(body.value("user_id", ""));
  if (it == users_.end()) return error(res, 404, "NotFound.User", "the user does not exist");
  res.set_content(it->second.dump(), "application/json");
}

void PdsServer::page(const std::vector<const Json*>& matches, const Json& body, httplib::Response& res) {
  const int limit = body.value("limit", 100);
  if (limit < 1 || limit > 100) return error(res, 400, "InvalidParameter.Limit", "limit must be 1..100");
  const std::string marker = body.value("marker", "");
  Json items = Json::array();
  std::string next;
  for (const Json* user : matches) {
    if (!marker.empty() && (*user)["user_id"].get<std::string>() < marker) continue;
    if (static_cast<int>(items.size()) == limit) {
      next = (*user)["user_id"];
      break;
    }
    items.push_back(*user);
  }
  res.set_content(Json{{"items", items}, {"next_marker", next}}.dump(), "application/json");
}

void PdsServer::list(const Json& body, httplib::Response& res) {
  std::vector<const Json*> all;
  for (const auto& [id, user] : users_) all.push_back(&user);
  page(all, body, res);
}

void PdsServer::search(const Json& body, httplib::Response& res) {
  std::vector<const Json*> matches;
  for (const auto& [id, user] : users_) {
    bool match = true;
    for (const char* key : {"user_name", "nick_name", "email", "phone", "role", "status"}) {
      if (body.contains(key) && user.value(key, "") != body[key]) match = false;
    }
    if (body.contains("nick_name_for_fuzzy") &&
        user.value("nick_name", "").find(body["nick_name_for_fuzzy"].get<std::string>()) == std::string::npos) {
      match = false;
    }
    if (match) matches.push_back(&user);
  }
  page(matches, body, res);
}

void PdsServer::create(const Json& body, httplib::Response& res) {
  if (!body.contains("user_id")) return error(res, 400, "InvalidParameter.UserId", "user_id is required");
  if (auto why = validate(body)) return error(res, 400, why->substr(0, why->find(':')), *why);
  const std::string id = body["user_id"];
  if (users_.count(id)) return error(res, 409, "AlreadyExist.User", "the user already exists");
  Json user{{"domain_id", options_.domain_id}, {"user_id", id}, {"role", "user"}, {"status", "enabled"},
            {"user_data", Json::object()}};
  for (const auto& [key, value] : body.items()) user[key] = value;
  user["created_at"] = user["updated_at"] = clock_.next_ms();
  users_[id] = user;
  res.status = 201;
  res.set_content(user.dump(), "application/json");
}

void PdsServer::update(const Json& body, httplib::Response& res) {
  if (!body.contains("user_id")) return error(res, 400, "InvalidParameter.UserId", "user_id is required");
  if (body.contains("user_name")) return error(res, 400, "InvalidParameter.Unknown", "user_name cannot be updated");
  if (auto why = validate(body)) return error(res, 400, why->substr(0, why->find(':')), *why);
  auto it = users_.find(body["user_id"]);
  if (it == users_.end()) return error(res, 404, "NotFound.User", "the user does not exist");
  for (const auto& [key, value] : body.items()) it->second[key] = value;  // user_data replaced as a whole
  it->second["updated_at"] = clock_.next_ms();
  res.set_content(it->second.dump(), "application/json");
}

void PdsServer::remove(const Json& body, httplib::Response& res) {
  if (users_.erase(body.value("user_id", "")) == 0) return error(res, 404, "NotFound.User", "the user does not exist");
  res.status = 204;
}

std::optional<nlohmann::json> PdsServer::user(const std::string& user_id) const {
  std::lock_guard lock(mutex_);
  auto it = users_.find(user_id);
  if (it == users_.end()) return std::nullopt;
  return it->second;
}

std::size_t PdsServer::user_count() const {
  std::lock_guard lock(mutex_);
  return users_.size();
}

void PdsServer::seed(nlohmann::json user) {
  std::lock_guard lock(mutex_);
  if (!user.contains("updated_at")) user["created_at"] = user["updated_at"] = clock_.next_ms();
  users_[user["user_id"]] = user;
}

}  // namespace idb::test::cloud
