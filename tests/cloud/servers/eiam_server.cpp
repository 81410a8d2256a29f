#include "tests/cloud/servers/eiam_server.h"

#include <algorithm>
#include <cctype>

#include "connectors/signing/crypto.h"
#include "connectors/signing/eiam.h"

namespace idb::test::cloud {

namespace {

namespace signing = connectors::signing;
using Json = nlohmann::json;
using Error = std::tuple<int, std::string, std::string>;

std::string envelope(const std::string& code, const std::string& message) {
  return Json{{"RequestId", signing::random_hex(8)},
              {"HostId", "eiam.cn-hangzhou.aliyuncs.com"},
              {"Code", code},
              {"Message", message},
              {"Recommend", "https://api.aliyun.com/troubleshoot?q=" + code}}
      .dump();
}

std::string error_body(int status) {
  return envelope(status == 429 ? "Throttling.User" : status == 503 ? "ServiceUnavailable" : "InternalError", "injected");
}

void fail(httplib::Response& res, const Error& e) {
  res.status = std::get<0>(e);
  res.set_content(envelope(std::get<1>(e), std::get<2>(e)), "application/json");
}

bool digits(const std::string& v) {
  return !v.empty() && std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); });
}

}  // namespace

EiamServer::EiamServer(EiamServerOptions options) : options_(std::move(options)), http_(error_body) {
  http_.route("POST", "/", [this](const httplib::Request& req, httplib::Response& res) { handle(req, res); });
}

std::optional<Error> EiamServer::authenticate(const httplib::Request& req) {
  const std::string authorization = req.get_header_value("Authorization");
  const std::string scheme = "ACS3-HMAC-SHA256 ";
  if (!authorization.starts_with(scheme)) return Error{400, "IncompleteSignature", "missing ACS3-HMAC-SHA256 Authorization"};
  std::map<std::string, std::string> parts;
  std::string rest = authorization.substr(scheme.size());
  for (std::size_t start = 0; start < rest.size();) {
    std::size_t comma = rest.find(',', start);
    const std::string part = signing::trim(rest.substr(start, comma == std::string::npos ? std::string::npos : comma - start));
    if (auto eq = part.find('='); eq != std::string::npos) parts[part.substr(0, eq)] = part.substr(eq + 1);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (parts["Credential"] != options_.access_key_id) {
    return Error{404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."};
  }
  std::vector<std::string> names;
  for (std::size_t start = 0; start <= parts["SignedHeaders"].size();) {
    std::size_t semi = parts["SignedHeaders"].find(';', start);
    names.push_back(parts["SignedHeaders"].substr(start, semi == std::string::npos ? std::string::npos : semi - start));
    if (semi == std::string::npos) break;
    start = semi + 1;
  }
  signing::Headers signed_headers;
  for (const auto& name : names) {
    for (auto [it, end] = req.headers.equal_range(name); it != end; ++it) signed_headers.emplace_back(name, it->second);
  }
  for (const auto& [name, value] : req.headers) {
    const std::string lower = signing::lower(name);
    if ((lower == "host" || lower.starts_with("x-acs-")) && std::find(names.begin(), names.end(), lower) == names.end()) {
      return Error{400, "IncompleteSignature", "header " + lower + " must be signed"};
    }
  }
  const std::string body_hash = signing::hex(signing::sha256(req.body));
  if (req.get_header_value("x-acs-content-sha256") != body_hash) {
    return Error{400, "SignatureDoesNotMatch", "x-acs-content-sha256 does not match the body"};
  }
  signing::Params query;
  for (const auto& [name, value] : req.params) query.emplace_back(name, value);
  const auto canonical = signing::eiam::canonical_request(req.method, req.path, query, signed_headers, body_hash);
  const std::string expected =
      signing::eiam::signature(options_.access_key_secret, signing::eiam::string_to_sign(canonical.request));
  if (!signing::constant_time_equal(parts["Signature"], expected)) {
    return Error{400, "SignatureDoesNotMatch", "The request signature does not conform to Aliyun standards."};
  }
  // Checked after the signature, so a forged request cannot burn a nonce.
  std::string date = req.get_header_value("x-acs-date");
  std::tm tm{};
  if (date.size() != 20 || !strptime(date.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm)) {
    return Error{400, "InvalidTimeStamp.Format", "x-acs-date must be yyyy-MM-ddTHH:mm:ssZ"};
  }
  const auto at = signing::Clock::from_time_t(timegm(&tm));
  const auto now = signing::Clock::now() + options_.clock_offset;
  if (at < now - options_.max_skew || at > now + options_.max_skew) {
    return Error{400, "InvalidTimeStamp.Expired", "Specified time stamp or date value is expired."};
  }
  std::lock_guard lock(mutex_);
  const std::string nonce = req.get_header_value("x-acs-signature-nonce");
  if (nonce.empty() || !nonces_.insert(nonce).second) {
    return Error{400, "SignatureNonceUsed", "Specified signature nonce was used already."};
  }
  return std::nullopt;
}

EiamServer::Json* EiamServer::user(const std::string& user_id) {
  for (auto& u : users_) {
    if (u["UserId"] == user_id) return &u;
  }
  return nullptr;
}

std::optional<Error> EiamServer::check_profile(const Params& p, const Json* self) const {
  auto has = [&](const char* k) { return p.count(k) > 0; };
  if (has("Username")) {
    const std::string& u = p.at("Username");
    const bool chars = std::all_of(u.begin(), u.end(), [](unsigned char c) {
      return std::isalnum(c) || c == '_' || c == '.' || c == '@' || c == '-';
    });
    if (u.empty() || u.size() > 256 || !chars) return Error{400, "InvalidParameter.Username", "invalid Username"};
    for (const auto& other : users_) {
      if (&other != self && other.value("Username", "") == u) {
        return Error{403, "ResourceDuplicated.Username", "The specified resource: Username already exist."};
      }
    }
  }
  if (has("DisplayName") && p.at("DisplayName").size() > 128 * 4) return Error{400, "InvalidParameter.DisplayName", "too long"};
  if (has("Email") && !p.at("Email").empty()) {
    if (!has("EmailVerified")) return Error{400, "MissingParameter.EmailVerified", "EmailVerified is required with Email"};
    if (p.at("Email").find('@') == std::string::npos) return Error{400, "InvalidParameter.Email", "invalid Email"};
  }
  if (has("PhoneNumber") && !p.at("PhoneNumber").empty()) {
    const std::string& n = p.at("PhoneNumber");
    if (!has("PhoneRegion") || !digits(p.at("PhoneRegion"))) {
      return Error{400, "MissingParameter.PhoneRegion", "PhoneRegion is required with PhoneNumber"};
    }
    if (!has("PhoneNumberVerified")) {
      return Error{400, "MissingParameter.PhoneNumberVerified", "PhoneNumberVerified is required with PhoneNumber"};
    }
    if (!digits(n) || n.size() < 6 || n.size() > 15) return Error{400, "InvalidParameter.PhoneNumber", "6-15 digits"};
  }
  for (const char* flag : {"EmailVerified", "PhoneNumberVerified"}) {
    if (has(flag) && p.at(flag) != "true" && p.at(flag) != "false") {
      return Error{400, std::string("InvalidParameter.") + flag, "must be true or false"};
    }
  }
  for (int i = 1; has(("CustomFields." + std::to_string(i) + ".FieldName").c_str()); ++i) {
    const std::string prefix = "CustomFields." + std::to_string(i) + ".";
    const std::string& name = p.at(prefix + "FieldName");
    if (std::find(options_.custom_fields.begin(), options_.custom_fields.end(), name) == options_.custom_fields.end()) {
      return Error{404, "EntityNotExists.CustomField", "custom field " + name + " does not exist"};
    }
    const std::string op = has((prefix + "Operation").c_str()) ? p.at(prefix + "Operation") : "replace";
    if (op != "add" && op != "replace" && op != "remove") return Error{400, "InvalidParameter.Operation", op};
  }
  return std::nullopt;
}

void EiamServer::apply_profile(const Params& p, Json& u) const {
  for (const char* key : {"Username", "DisplayName", "Email", "PhoneRegion", "PhoneNumber", "Description"}) {
    if (p.count(key)) u[key] = p.at(key);
  }
  for (const char* flag : {"EmailVerified", "PhoneNumberVerified"}) {
    if (p.count(flag)) u[flag] = p.at(flag) == "true";
  }
  for (int i = 1; p.count("CustomFields." + std::to_string(i) + ".FieldName"); ++i) {
    const std::string prefix = "CustomFields." + std::to_string(i) + ".";
    const std::string name = p.at(prefix + "FieldName");
    const std::string op = p.count(prefix + "Operation") ? p.at(prefix + "Operation") : "replace";
    Json kept = Json::array();
    for (const auto& f : u["CustomFields"]) {
      if (f["FieldName"] != name) kept.push_back(f);
    }
    if (op != "remove") kept.push_back({{"FieldName", name}, {"FieldValue", p.count(prefix + "FieldValue") ? p.at(prefix + "FieldValue") : ""}});
    u["CustomFields"] = kept;
  }
}

void EiamServer::handle(const httplib::Request& req, httplib::Response& res) {
  if (auto e = authenticate(req)) return fail(res, *e);
  if (!options_.permitted) {
    return fail(res, {403, "NoPermission", "You are not authorized to do this action. You should be authorized by RAM."});
  }
  if (req.get_header_value("x-acs-version") != "2021-12-01") {
    return fail(res, {400, "InvalidVersion", "Specified parameter Version is not valid."});
  }
  const std::string action = req.get_header_value("x-acs-action");
  Params p;
  for (const auto& [name, value] : req.params) p[name] = value;
  if (p["InstanceId"] != options_.instance_id) {
    return fail(res, {404, "EntityNotExists.Instance", "The specified instance does not exist."});
  }
  auto reply = [&](Json body) {
    body["RequestId"] = signing::random_hex(8);
    res.set_content(body.dump(), "application/json");
  };
  std::lock_guard lock(mutex_);
  ++calls_[action];
  if (action == "ListUsers") {
    const int page = p.count("PageNumber") ? std::atoi(p["PageNumber"].c_str()) : 1;
    const int size = p.count("PageSize") ? std::atoi(p["PageSize"].c_str()) : 20;
    if (page < 1 || size < 1 || size > 100) return fail(res, {400, "InvalidParameter.PageSize", "PageSize must be 1..100"});
    std::vector<const Json*> matches;
    for (const auto& u : users_) {
      if (p.count("UserExternalId") && u.value("UserExternalId", "") != p["UserExternalId"]) continue;
      if (p.count("UsernameStartsWith") && !u.value("Username", "").starts_with(p["UsernameStartsWith"])) continue;
      if (p.count("DisplayNameStartsWith") && !u.value("DisplayName", "").starts_with(p["DisplayNameStartsWith"])) continue;
      if (p.count("Email") && u.value("Email", "") != p["Email"]) continue;
      if (p.count("Status") && u.value("Status", "") != p["Status"]) continue;
      matches.push_back(&u);
    }
    Json list = Json::array();
    for (std::size_t i = static_cast<std::size_t>((page - 1) * size); i < matches.size() && list.size() < static_cast<std::size_t>(size); ++i) {
      Json brief = *matches[i];
      brief.erase("CustomFields");
      list.push_back(brief);
    }
    return reply({{"TotalCount", matches.size()}, {"Users", list}});
  }
  if (action == "CreateUser") {
    if (!p.count("Username")) return fail(res, {400, "MissingParameter.Username", "Username is mandatory."});
    if (!p.count("PrimaryOrganizationalUnitId")) {
      return fail(res, {400, "MissingParameter.PrimaryOrganizationalUnitId", "PrimaryOrganizationalUnitId is mandatory."});
    }
    if (p.count("ClientToken")) {
      if (auto seen = client_tokens_.find(p["ClientToken"]); seen != client_tokens_.end()) {
        return reply({{"UserId", seen->second}});
      }
    }
    if (auto e = check_profile(p, nullptr)) return fail(res, *e);
    const std::string external = p.count("UserExternalId") ? p["UserExternalId"] : "";
    if (external.size() > 128) return fail(res, {400, "InvalidParameter.UserExternalId", "at most 128 characters"});
    for (const auto& u : users_) {
      if (!external.empty() && u.value("UserExternalId", "") == external) {
        return fail(res, {403, "ResourceDuplicated.UserExternalId", "The specified resource: UserExternalId already exist."});
      }
    }
    const std::string id = "user_" + signing::random_hex(12);
    Json u{{"UserId", id}, {"InstanceId", options_.instance_id}, {"UserExternalId", external.empty() ? id : external},
           {"UserSourceType", "build_in"}, {"Status", "enabled"}, {"CustomFields", Json::array()},
           {"PrimaryOrganizationalUnitId", p["PrimaryOrganizationalUnitId"]}};
    apply_profile(p, u);
    u["CreateTime"] = u["UpdateTime"] = clock_.next_ms();
    users_.push_back(u);
    if (p.count("ClientToken")) client_tokens_[p["ClientToken"]] = id;
    return reply({{"UserId", id}});
  }
  Json* u = user(p["UserId"]);
  if (!u) return fail(res, {404, "EntityNotExists.User", "The specified user does not exist."});
  if (action == "GetUser") return reply({{"User", *u}});
  if (action == "UpdateUser") {
    if (auto e = check_profile(p, u)) return fail(res, *e);
    apply_profile(p, *u);
    (*u)["UpdateTime"] = clock_.next_ms();
    return reply(Json::object());
  }
  if (action == "UpdateUserDescription") {
    (*u)["Description"] = p["Description"];
    (*u)["UpdateTime"] = clock_.next_ms();
    return reply(Json::object());
  }
  if (action == "EnableUser" || action == "DisableUser") {
    (*u)["Status"] = action == "EnableUser" ? "enabled" : "disabled";
    (*u)["UpdateTime"] = clock_.next_ms();
    return reply(Json::object());
  }
  if (action == "DeleteUser") {
    users_.erase(users_.begin() + (u - users_.data()));
    return reply(Json::object());
  }
  fail(res, {400, "InvalidAction.NotFound", "Specified api is not found, please check your url and method."});
}

std::optional<nlohmann::json> EiamServer::by_external_id(const std::string& external_id) const {
  return find_by("UserExternalId", external_id);
}

int EiamServer::calls(const std::string& action) const {
  std::lock_guard lock(mutex_);
  auto it = calls_.find(action);
  return it == calls_.end() ? 0 : it->second;
}

void EiamServer::seed(nlohmann::json u) {
  if (!u.contains("UserId")) u["UserId"] = "user_" + signing::random_hex(12);
  if (!u.contains("Status")) u["Status"] = "enabled";
  if (!u.contains("CustomFields")) u["CustomFields"] = Json::array();
  {
    std::lock_guard lock(mutex_);
    if (!u.contains("UpdateTime")) u["CreateTime"] = u["UpdateTime"] = clock_.next_ms();
  }
  add(std::move(u));
}

}  // namespace idb::test::cloud
