#include "tests/cloud/servers/huawei_server.h"

#include <algorithm>
#include <cctype>
#include <map>

#include "connectors/signing/crypto.h"
#include "connectors/signing/huawei.h"

namespace idb::test::cloud {

namespace {

namespace signing = connectors::signing;
using Json = nlohmann::json;

void error(httplib::Response& res, int status, const std::string& code, const std::string& message) {
  res.status = status;
  res.set_content(Json{{"error_code", code}, {"error_msg", message}}.dump(), "application/json");
}

std::string error_body(int status) {
  return Json{{"error_code", status == 429 ? "APIG.0308" : "WKS.0500"}, {"error_msg", "injected"}}.dump();
}

std::optional<std::string> check(const Json& body, bool creating) {
  static const std::map<std::string, std::string> kTypes{
      {"user_name", "s"}, {"description", "s"}, {"user_email", "s"}, {"user_phone", "s"}, {"alias_name", "s"},
      {"active_type", "s"}, {"account_expires", "s"}, {"enable_change_password", "b"},
      {"next_login_change_password", "b"}, {"password_never_expired", "b"}, {"disabled", "b"}, {"group_ids", "a"}};
  for (const auto& [key, value] : body.items()) {
    auto type = kTypes.find(key);
    if (type == kTypes.end()) return "unknown field " + key;
    if (key == "user_name" && !creating) return "user_name cannot be modified";
    if (key == "disabled" && creating) return "disabled is not a create field";
    if ((type->second == "s" && !value.is_string()) || (type->second == "b" && !value.is_boolean()) ||
        (type->second == "a" && !value.is_array())) {
      return "wrong type for " + key;
    }
  }
  if (body.contains("user_name")) {
    const std::string n = body["user_name"];
    const bool chars = std::all_of(n.begin(), n.end(), [](unsigned char c) { return std::isalnum(c) || c == '_' || c == '-'; });
    if (n.empty() || n.size() > 20 || !chars || std::isdigit(static_cast<unsigned char>(n[0]))) return "invalid user_name";
  }
  if (body.contains("description") && body["description"].get<std::string>().size() > 255 * 4) return "description too long";
  if (body.contains("active_type") && body["active_type"] != "USER_ACTIVATE" && body["active_type"] != "ADMIN_ACTIVATE") {
    return "invalid active_type";
  }
  return std::nullopt;
}

}  // namespace

HuaweiServer::HuaweiServer(HuaweiServerOptions options) : options_(std::move(options)), http_(error_body) {
  const std::string users = "/v2/" + options_.project_id + "/users";
  auto collection = [this](const httplib::Request& q, httplib::Response& s) { this->collection(q, s); };
  auto item = [this](const httplib::Request& q, httplib::Response& s) { this->item(q, s); };
  http_.route("GET", users, collection);
  http_.route("POST", users, collection);
  for (const char* method : {"GET", "PUT", "DELETE"}) http_.route(method, users + "/([^/]+)", item);
  http_.route("POST", "/v3/auth/tokens", [this](const httplib::Request& q, httplib::Response& s) { issue_token(q, s); });
}

namespace {

std::string iso8601_micro(signing::Clock::time_point t) {
  return signing::iso8601(t).insert(19, ".000000");  // 2026-11-23T17:16:31.000000Z, as IAM writes it
}

void iam_error(httplib::Response& res, int status, const std::string& title, const std::string& message) {
  res.status = status;
  res.set_content(Json{{"error", {{"code", status}, {"title", title}, {"message", message}}}}.dump(), "application/json");
}

}  // namespace

void HuaweiServer::issue_token(const httplib::Request& req, httplib::Response& res) {
  const Json body = Json::parse(req.body, nullptr, false);
  const Json* identity = nullptr;
  const Json* scope = nullptr;
  if (body.is_object() && body.contains("auth") && body["auth"].is_object()) {
    const Json& auth = body["auth"];
    if (auth.contains("identity") && auth["identity"].is_object()) identity = &auth["identity"];
    if (auth.contains("scope") && auth["scope"].is_object()) scope = &auth["scope"];
  }
  if (!identity || identity->value("methods", Json::array()) != Json::array({"password"}) ||
      !identity->contains("password") || !(*identity)["password"].is_object() ||
      !(*identity)["password"].contains("user") || !(*identity)["password"]["user"].is_object()) {
    return iam_error(res, 400, "Bad Request", "the request body must be auth.identity with the password method");
  }
  const Json& user = (*identity)["password"]["user"];
  const Json domain = user.value("domain", Json::object());
  if (user.value("name", "") != options_.iam_user || !domain.is_object() ||
      domain.value("name", "") != options_.iam_domain ||
      !signing::constant_time_equal(user.value("password", ""), options_.iam_password)) {
    return iam_error(res, 401, "Unauthorized", "The username or password is wrong.");
  }
  const Json project = scope ? scope->value("project", Json::object()) : Json::object();
  if (!project.is_object() ||
      (project.value("id", "") != options_.project_id && project.value("name", "") != options_.region)) {
    return iam_error(res, 400, "Bad Request", "scope.project must name the project of " + options_.region);
  }
  const auto now = signing::Clock::now() + options_.clock_offset;
  res.status = 201;
  res.set_header("X-Subject-Token", tokens_.issue(now, options_.token_lifetime));
  Json token{{"expires_at", iso8601_micro(now + options_.token_lifetime)},
             {"issued_at", iso8601_micro(now)},
             {"methods", {"password"}},
             {"project", {{"id", options_.project_id}, {"name", options_.region}}},
             {"user", {{"name", options_.iam_user}, {"domain", {{"name", options_.iam_domain}}}}}};
  if (req.get_param_value("nocatalog") != "true") token["catalog"] = Json::array();
  res.set_content(Json{{"token", token}}.dump(), "application/json");
}

std::optional<std::pair<std::string, std::string>> HuaweiServer::authenticate(const httplib::Request& req) {
  if (req.has_header("X-Auth-Token")) {
    switch (tokens_.check(req.get_header_value("X-Auth-Token"), signing::Clock::now() + options_.clock_offset)) {
      case IssuedTokens::Check::unknown: return std::pair{"APIG.0307", "The token must be updated."};
      case IssuedTokens::Check::expired: return std::pair{"APIG.0307", "The token has expired and must be updated."};
      case IssuedTokens::Check::valid: return std::nullopt;
    }
  }
  if (auto why = check_signature(req)) return std::pair{"APIG.0301", *why};
  return std::nullopt;
}

std::optional<std::string> HuaweiServer::check_signature(const httplib::Request& req) {
  const std::string authorization = req.get_header_value("Authorization");
  const std::string scheme = "SDK-HMAC-SHA256 ";
  if (!authorization.starts_with(scheme)) return "missing SDK-HMAC-SHA256 Authorization";
  std::map<std::string, std::string> parts;
  const std::string rest = authorization.substr(scheme.size());
  for (std::size_t start = 0; start < rest.size();) {
    std::size_t comma = rest.find(", ", start);
    const std::string part = rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (auto eq = part.find('='); eq != std::string::npos) parts[part.substr(0, eq)] = part.substr(eq + 1);
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  if (parts["Access"] != options_.access_key_id) return "unknown access key";
  signing::Headers signed_headers;
  bool has_host = false, has_date = false;
  const std::string names = parts["SignedHeaders"];
  for (std::size_t start = 0; start <= names.size();) {
    std::size_t semi = names.find(';', start);
    const std::string name = names.substr(start, semi == std::string::npos ? std::string::npos : semi - start);
    has_host |= name == "host";
    has_date |= name == "x-sdk-date";
    signed_headers.emplace_back(name, req.get_header_value(name));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  if (!has_host || !has_date) return "host and x-sdk-date must be signed";
  const std::string date = req.get_header_value("x-sdk-date");
  std::tm tm{};
  if (date.size() != 16 || !strptime(date.c_str(), "%Y%m%dT%H%M%SZ", &tm)) return "malformed X-Sdk-Date";
  const auto at = signing::Clock::from_time_t(timegm(&tm));
  const auto now = signing::Clock::now() + options_.clock_offset;
  if (at < now - options_.max_skew || at > now + options_.max_skew) return "X-Sdk-Date is too far from server time";
  signing::Params query;
  for (const auto& [name, value] : req.params) query.emplace_back(name, value);
  const auto canonical = signing::huawei::canonical_request(req.method, req.path, query, signed_headers,
                                                            signing::hex(signing::sha256(req.body)));
  const std::string expected = signing::huawei::signature(options_.access_key_secret,
                                                          signing::huawei::string_to_sign(date, canonical.request));
  if (!signing::constant_time_equal(parts["Signature"], expected)) return "signature does not match";
  return std::nullopt;
}

void HuaweiServer::collection(const httplib::Request& req, httplib::Response& res) {
  if (auto refusal = authenticate(req)) return error(res, 401, refusal->first, refusal->second);
  if (!options_.permitted) return error(res, 403, "APIG.0302", "The IAM user is not authorized to access the API.");
  std::lock_guard lock(mutex_);
  if (req.method == "GET") {
    std::vector<Json> matches;
    for (const auto& u : users_) {
      // Fuzzy on purpose (the spec leaves it open): clients must not rely on the filters being exact.
      bool match = true;
      for (const char* filter : {"user_name", "description"}) {
        const std::string wanted = req.get_param_value(filter);
        if (!wanted.empty() && u.value(filter, "").find(wanted) == std::string::npos) match = false;
      }
      if (match) matches.push_back(u);
    }
    std::size_t offset = req.has_param("offset") ? std::stoul(req.get_param_value("offset")) : 0;
    std::size_t limit = req.has_param("limit") ? std::stoul(req.get_param_value("limit")) : matches.size();
    Json list = Json::array();
    for (std::size_t i = offset; i < matches.size() && list.size() < limit; ++i) list.push_back(matches[i]);
    res.set_content(Json{{"total_count", matches.size()}, {"users", list}}.dump(), "application/json");
    return;
  }
  const Json body = Json::parse(req.body, nullptr, false);
  if (!body.is_object()) return error(res, 400, "WKS.0001", "request message is empty or not JSON");
  if (!body.contains("user_name")) return error(res, 400, "WKS.0002", "user_name is required");
  if (auto why = check(body, true)) return error(res, 400, "WKS.0003", *why);
  for (const auto& u : users_) {
    if (u["user_name"] == body["user_name"]) return error(res, 409, "WKS.0409", "the user already exists");
  }
  Json user{{"id", signing::random_hex(16)}, {"disabled", false}, {"locked", false}, {"total_desktops", 0}};
  for (const auto& [key, value] : body.items()) user[key] = value;
  users_.push_back(user);
  res.set_content(Json{{"id", user["id"]}}.dump(), "application/json");
}

void HuaweiServer::item(const httplib::Request& req, httplib::Response& res) {
  if (auto refusal = authenticate(req)) return error(res, 401, refusal->first, refusal->second);
  if (!options_.permitted) return error(res, 403, "APIG.0302", "The IAM user is not authorized to access the API.");
  std::lock_guard lock(mutex_);
  const std::string id = req.matches[1];
  auto user = std::find_if(users_.begin(), users_.end(), [&](const Json& u) { return u["id"] == id; });
  if (user == users_.end()) return error(res, 404, "WKS.0404", "the user does not exist");
  if (req.method == "GET") {
    res.set_content(Json{{"user_detail", *user}}.dump(), "application/json");
  } else if (req.method == "DELETE") {
    users_.erase(user);
  } else {
    const Json body = Json::parse(req.body, nullptr, false);
    if (!body.is_object()) return error(res, 400, "WKS.0001", "request message is empty or not JSON");
    if (auto why = check(body, false)) return error(res, 400, "WKS.0003", *why);
    for (const auto& [key, value] : body.items()) (*user)[key] = value;
    res.set_content(Json{{"id", id}}.dump(), "application/json");
  }
}

std::optional<nlohmann::json> HuaweiServer::by_name(const std::string& user_name) const {
  return find_by("user_name", user_name);
}

void HuaweiServer::seed(nlohmann::json user) {
  if (!user.contains("id")) user["id"] = signing::random_hex(16);
  if (!user.contains("disabled")) user["disabled"] = false;
  add(std::move(user));
}

}  // namespace idb::test::cloud
