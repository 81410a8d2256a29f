#include "tests/cloud/servers/sensecore_server.h"

#include <algorithm>
#include <map>
#include <set>

#include "connectors/signing/crypto.h"
#include "connectors/signing/sensecore.h"

namespace idb::test::cloud {

namespace {

namespace signing = connectors::signing;
using Json = nlohmann::json;

// google.rpc.Code for an HTTP status, per the gRPC-gateway mapping.
int rpc_code(int status) {
  switch (status) {
    case 400: return 3;
    case 401: return 16;
    case 403: return 7;
    case 404: return 5;
    case 409: return 6;
    case 429: return 8;
    case 503: return 14;
    default: return 13;
  }
}

std::string status_body(int status, const std::string& message, const std::string& reason) {
  return Json{{"code", rpc_code(status)},
              {"message", message},
              {"details", Json::array({{{"@type", "type.googleapis.com/google.rpc.ErrorInfo"},
                                        {"reason", reason},
                                        {"domain", "iam"},
                                        {"metadata", Json::object()}}})}}
      .dump();
}

void error(httplib::Response& res, int status, const std::string& message, const std::string& reason) {
  res.status = status;
  res.set_content(status_body(status, message, reason), "application/json");
}

std::string error_body(int status) { return status_body(status, "injected", "injected"); }

const std::set<std::string> kWritable{"name", "username", "phone", "email", "region_code", "remark", "password",
                                      "confirm_password", "console_state", "open_api_state", "mfa_state",
                                      "set_password_first_login", "set_password_next_login", "set_password_at_login"};

std::optional<std::string> check(const Json& user) {
  for (const char* key : {"name", "username"}) {
    if (user.contains(key) && (!user[key].is_string() || user[key].get<std::string>().empty() ||
                               user[key].get<std::string>().size() > 64 * 4)) {
      return std::string(key) + " must be 1 to 64 characters";
    }
  }
  if (user.contains("password")) {
    const std::string p = user["password"];
    if (p.size() < 8 || p.size() > 32) return "password must be 8 to 32 characters";
  }
  return std::nullopt;
}

Json visible(Json user) {
  user.erase("password");
  return user;
}

}  // namespace

SenseCoreServer::SenseCoreServer(SenseCoreServerOptions options) : options_(std::move(options)), http_(error_body) {
  auto collection = [this](const httplib::Request& q, httplib::Response& s) { this->collection(q, s); };
  auto item = [this](const httplib::Request& q, httplib::Response& s) { this->item(q, s); };
  http_.route("GET", "/iam/idp/v1/users", collection);
  http_.route("POST", "/iam/idp/v1/users", collection);
  for (const char* method : {"GET", "PATCH", "PUT", "DELETE"}) http_.route(method, "/iam/idp/v1/users/([^/]+)", item);
}

std::optional<std::string> SenseCoreServer::authenticate(const httplib::Request& req) {
  const std::string authorization = req.get_header_value("Authorization");
  if (!authorization.starts_with("hmac ")) return "missing hmac Authorization";
  std::map<std::string, std::string> parts;
  const std::string rest = authorization.substr(5);
  for (std::size_t start = 0; start < rest.size();) {
    const auto eq = rest.find("=\"", start);
    if (eq == std::string::npos) break;
    const auto close = rest.find('"', eq + 2);
    if (close == std::string::npos) break;
    parts[signing::trim(rest.substr(start, eq - start))] = rest.substr(eq + 2, close - eq - 2);
    start = rest.find(',', close);
    if (start == std::string::npos) break;
    ++start;
  }
  if (parts["accesskey"] != options_.access_key_id) return "unknown access key";
  if (parts["algorithm"] != "hmac-sha256") return "unsupported algorithm";
  signing::Headers signed_headers;
  bool dated = false;
  const std::string names = parts["headers"];
  for (std::size_t start = 0; start <= names.size();) {
    std::size_t space = names.find(' ', start);
    const std::string name = names.substr(start, space == std::string::npos ? std::string::npos : space - start);
    if (name == "@request-target") {
      std::string target = signing::lower(req.method) + " " + req.target;
      signed_headers.emplace_back(name, target);
    } else {
      if (!req.has_header(name)) return "signed header " + name + " is missing";
      if (name == "x-date" || name == "date") {
        signing::Clock::time_point at;
        if (!signing::parse_http_date(req.get_header_value(name), at)) return "malformed " + name;
        const auto now = signing::Clock::now() + options_.clock_offset;
        if (at < now - options_.max_skew || at > now + options_.max_skew) return name + " is too far from server time";
        dated = true;
      }
      signed_headers.emplace_back(name, req.get_header_value(name));
    }
    if (space == std::string::npos) break;
    start = space + 1;
  }
  if (!dated) return "a date header must be signed";
  const std::string expected =
      signing::sensecore::signature(options_.access_key_secret, signing::sensecore::string_to_sign(signed_headers));
  if (!signing::constant_time_equal(parts["signature"], expected)) return "signature does not match";
  return std::nullopt;
}

void SenseCoreServer::collection(const httplib::Request& req, httplib::Response& res) {
  if (auto why = authenticate(req)) return error(res, 401, "Unauthenticated: " + *why, "invalidAuthenticationType");
  if (!options_.permitted) return error(res, 403, "PermissionDenied: the access key may not manage users", "permissionDenied");
  std::lock_guard lock(mutex_);
  if (req.method == "GET") {
    // filter: field="value" (AIP-160 subset), exact.
    std::string field, value;
    const std::string filter = req.get_param_value("filter");
    if (auto eq = filter.find('='); eq != std::string::npos) {
      field = filter.substr(0, eq);
      auto parsed = Json::parse(filter.substr(eq + 1), nullptr, false);
      if (!parsed.is_string()) return error(res, 400, "filter value must be a quoted string", "invalidFilter");
      value = parsed;
    }
    const int size = req.has_param("page_size") ? std::atoi(req.get_param_value("page_size").c_str()) : 20;
    const int page = req.has_param("page_token") ? std::atoi(req.get_param_value("page_token").c_str()) : 1;
    if (size < 1 || size > 1000 || page < 1) return error(res, 400, "bad page_size or page_token", "invalidArgument");
    std::vector<Json> matches;
    for (const auto& u : users_) {
      if (field.empty() || u.value(field, "") == value) matches.push_back(visible(u));
    }
    Json list = Json::array();
    for (std::size_t i = static_cast<std::size_t>((page - 1) * size); i < matches.size() && list.size() < static_cast<std::size_t>(size); ++i) {
      list.push_back(matches[i]);
    }
    const bool more = static_cast<std::size_t>(page * size) < matches.size();
    res.set_content(Json{{"users", list}, {"next_page_token", more ? std::to_string(page + 1) : ""}, {"total_size", matches.size()}}.dump(),
                    "application/json");
    return;
  }
  Json body = Json::parse(req.body, nullptr, false);
  if (!body.is_object()) return error(res, 400, "body must be a User", "invalidArgument");
  for (const auto& [key, v] : body.items()) {
    if (!kWritable.count(key)) return error(res, 400, "unknown or output-only field " + key, "invalidArgument");
  }
  for (const char* required : {"name", "username", "password", "console_state", "open_api_state", "mfa_state",
                               "set_password_first_login"}) {
    if (!body.contains(required)) return error(res, 400, std::string(required) + " is required", "invalidArgument");
  }
  if (auto why = check(body)) return error(res, 400, *why, "invalidArgument");
  for (const auto& u : users_) {
    if (u["username"] == body["username"]) return error(res, 409, "user already exists", "userAlreadyExists");
  }
  body["id"] = signing::random_hex(12);
  body["status"] = "valid";
  body["create_time"] = body["update_time"] = clock_.next_rfc3339();
  users_.push_back(body);
  res.set_content(visible(body).dump(), "application/json");
}

void SenseCoreServer::item(const httplib::Request& req, httplib::Response& res) {
  if (auto why = authenticate(req)) return error(res, 401, "Unauthenticated: " + *why, "invalidAuthenticationType");
  if (!options_.permitted) return error(res, 403, "PermissionDenied: the access key may not manage users", "permissionDenied");
  std::lock_guard lock(mutex_);
  const std::string id = req.matches[1];
  auto user = std::find_if(users_.begin(), users_.end(), [&](const Json& u) { return u["id"] == id; });
  if (user == users_.end()) return error(res, 404, "user not found", "userNotFound");
  if (req.method == "GET") return res.set_content(visible(*user).dump(), "application/json");
  if (req.method == "DELETE") {
    users_.erase(user);
    return res.set_content("{}", "application/json");  // google.protobuf.Empty
  }
  const Json body = Json::parse(req.body, nullptr, false);
  if (!body.is_object()) return error(res, 400, "body must be a User", "invalidArgument");
  const std::string mask = req.get_param_value("update_mask");
  if (mask.empty()) return error(res, 400, "update_mask is required", "invalidArgument");
  Json next = *user;
  for (std::size_t start = 0; start <= mask.size();) {
    std::size_t comma = mask.find(',', start);
    const std::string path = mask.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!kWritable.count(path)) return error(res, 400, "update_mask path " + path + " is not updatable", "invalidArgument");
    next[path] = body.contains(path) ? body[path] : Json("");
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  if (auto why = check(next)) return error(res, 400, *why, "invalidArgument");
  for (const auto& u : users_) {
    if (&u != &*user && u["username"] == next["username"]) return error(res, 409, "user already exists", "userAlreadyExists");
  }
  next["update_time"] = clock_.next_rfc3339();
  *user = next;
  res.set_content(visible(*user).dump(), "application/json");
}

std::optional<nlohmann::json> SenseCoreServer::by_username(const std::string& username) const {
  return find_by("username", username);
}

void SenseCoreServer::seed(nlohmann::json user) {
  if (!user.contains("id")) user["id"] = signing::random_hex(12);
  {
    std::lock_guard lock(mutex_);
    if (!user.contains("update_time")) user["create_time"] = user["update_time"] = clock_.next_rfc3339();
  }
  add(std::move(user));
}

}  // namespace idb::test::cloud
