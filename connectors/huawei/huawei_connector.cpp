#include "connectors/huawei/huawei_connector.h"

#include <ctime>

#include "connectors/cloud/answers.h"
#include "connectors/cloud/fields.h"
#include "connectors/cloud/http_options.h"
#include "connectors/huawei/huawei_fields.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/huawei.h"

namespace idb::connectors::huawei {

namespace {

constexpr const char* kApi = "huawei";
// IAM policies grant Workspace actions per project (the API has no per-user
// permissions), and APIG refuses a caller without them: a 403 refuses every user.
constexpr auto kForbidden = cloud::Forbidden::whole_api;

cloud::ErrorBody error_of(const nlohmann::json& json) {
  return cloud::ErrorBody{cloud::string_member(json, {"error_code"}), cloud::string_member(json, {"error_msg"})};
}

// 2026-11-23T17:16:31.123000Z (fraction optional), or nothing.
std::optional<signing::Clock::time_point> iam_time(const nlohmann::json& token, const char* name) {
  if (!token.contains(name) || !token[name].is_string()) return std::nullopt;
  const std::string text = token[name];
  std::tm tm{};
  const char* end = strptime(text.c_str(), "%Y-%m-%dT%H:%M:%S", &tm);
  if (!end) return std::nullopt;
  return signing::Clock::from_time_t(timegm(&tm));
}

}  // namespace

HuaweiConnector::HuaweiConnector(std::string name, config::HuaweiTarget settings, bool status_mapped,
                                 state::Store* links)
    : CloudConnector(std::move(name), settings.http, status_mapped),
      settings_(std::move(settings)),
      links_(links, name_),
      tokens_([this] { return fetch_token(); }) {
  if (settings_.auth == "token") {
    config::HttpSettings iam = settings_.http;
    iam.base_url = settings_.iam_url;
    iam_ = std::make_unique<http::Client>(name_ + " IAM", cloud::http_options(iam));
  }
}

std::string HuaweiConnector::users() const { return "/v2/" + settings_.project_id + "/users"; }

void HuaweiConnector::sign(http::Request& r) const {
  const std::string date = signing::iso8601_basic(signing::Clock::now());
  r.headers.emplace_back("host", client_.host());
  r.headers.emplace_back("x-sdk-date", date);
  // Signed: exactly the headers present now, as the Node SDK does.
  const auto canonical =
      signing::huawei::canonical_request(r.method, r.path, r.query, r.headers, signing::hex(signing::sha256(r.body)));
  r.headers.emplace_back(
      "authorization",
      signing::huawei::authorization(settings_.access_key_id, canonical.signed_headers,
                                     signing::huawei::signature(settings_.access_key_secret.value,
                                                                signing::huawei::string_to_sign(date, canonical.request))));
}

Result<cloud::Token> HuaweiConnector::fetch_token() {
  // Scoped to the Workspace project by id, so the token is good for exactly the calls this target makes.
  const nlohmann::json body{
      {"auth",
       {{"identity",
         {{"methods", {"password"}},
          {"password",
           {{"user",
             {{"name", settings_.iam_user},
              {"password", settings_.iam_password.value},
              {"domain", {{"name", settings_.iam_domain}}}}}}}}},
        {"scope", {{"project", {{"id", settings_.project_id}}}}}}}};
  auto response = iam_->send({"POST", "/v3/auth/tokens", {{"nocatalog", "true"}},
                              {{"content-type", "application/json;charset=utf8"}}, body.dump(), true});
  const std::string token = response ? response.value().header("x-subject-token") : "";
  auto answer = cloud::json_answer("huawei:iam", response, [](const nlohmann::json& json) {
    // IAM answers Keystone-style {"error":{"code","title","message"}}; APIG in front of it error_code/error_msg.
    if (json.contains("error") && json["error"].is_object()) {
      return cloud::ErrorBody{cloud::string_member(json["error"], {"title"}), cloud::string_member(json["error"], {"message"})};
    }
    return error_of(json);
  });
  if (!answer) return answer.failure();
  const nlohmann::json details = answer.value().value("token", nlohmann::json::object());
  const auto issued = iam_time(details, "issued_at");
  const auto expires = iam_time(details, "expires_at");
  if (token.empty() || !issued || !expires || *expires <= *issued) {
    return Failure{FailureKind::retry, "huawei:iam:token", "the IAM answer lacks X-Subject-Token or issued_at/expires_at"};
  }
  // The lifetime by IAM's own clock, so a skewed local clock cannot make the token look fresher than it is.
  return cloud::Token{token, std::chrono::duration_cast<std::chrono::seconds>(*expires - *issued), ""};
}

Result<nlohmann::json> HuaweiConnector::call(const std::string& method, const std::string& path, signing::Params query,
                                             const nlohmann::json& body, bool idempotent) {
  const http::Request request{method,
                              path,
                              std::move(query),
                              {{"content-type", "application/json"}, {"x-project-id", settings_.project_id}},
                              body.is_null() ? "" : body.dump(),
                              idempotent};
  if (settings_.auth != "token") {
    return cloud::json_answer(kApi, client_.send(request, [this](http::Request& r) { sign(r); }), error_of, kForbidden);
  }
  return cloud::json_answer(kApi,
                            cloud::send_with_token(client_, tokens_, request,
                                                   [](http::Request& r, const cloud::Token& token) {
                                                     r.headers.emplace_back("x-auth-token", token.value);
                                                   }),
                            error_of, kForbidden);
}

Result<std::vector<nlohmann::json>> HuaweiConnector::list(const std::string& field, const std::string& value) {
  // Without `limit` the API returns every match at once. Whether its filters
  // match exactly is not documented: every match is checked here.
  auto listed = call("GET", users(), {{field, value}}, nullptr);
  if (!listed) return listed.failure();
  std::vector<nlohmann::json> out;
  if (listed.value().contains("users") && listed.value()["users"].is_array()) {
    for (const auto& user : listed.value()["users"]) {
      if (user.is_object() && user.contains(field) && user[field] == value) out.push_back(user);
    }
  }
  return out;
}

Result<std::optional<std::string>> HuaweiConnector::search(const std::string& key) {
  auto users = list("user_name", key);
  if (!users) return users.failure();
  if (users.value().empty()) return std::optional<std::string>{};
  return std::optional<std::string>(users.value().front().value("id", ""));
}

Result<nlohmann::json> HuaweiConnector::get_user(const std::string& id) {
  auto answer = call("GET", user_path(id), {}, nullptr);
  if (!answer) return answer;
  if (!answer.value().contains("user_detail") || !answer.value()["user_detail"].is_object()) {
    return Failure{FailureKind::retry, "huawei:response", "the user answer has no user_detail"};
  }
  return answer.value()["user_detail"];
}

bool HuaweiConnector::can_find_by(const std::string& attribute) const { return attribute == "description"; }

Result<std::vector<Observed>> HuaweiConnector::find_by(const std::string& attribute, const std::string& value,
                                                       const std::vector<std::string>& attributes) {
  if (!can_find_by(attribute)) return Connector::find_by(attribute, value, attributes);
  auto users = list(attribute, value);
  if (!users) return users.failure();
  std::vector<cloud::AccountLinks::Listed> listed;
  for (const auto& user : users.value()) listed.push_back({user.value("user_name", ""), user.value("id", "")});
  // The list's User and get's user_detail differ in fields: the account is read as read() reads it.
  return links_.read_listed(kApi, listed, [&](const std::string& id) { return get_user(id); },
                            [&](const std::string& key, const nlohmann::json& user) {
                              return cloud::observe_user(user, key, attributes, get, {"disabled", "false", status_mapped_});
                            });
}

Result<std::optional<nlohmann::json>> HuaweiConnector::at(const std::string& key, const cloud::AccountLinks::ById& by_id) {
  return links_.call(kApi, key, [&] { return search(key); }, by_id);
}

std::string HuaweiConnector::user_path(const std::string& id) const { return users() + "/" + signing::uri_encode(id); }

Result<std::optional<Observed>> HuaweiConnector::read(const std::string& key, const std::vector<std::string>& attributes) {
  if (auto problem = check_user_name(key)) return cloud::invalid(kApi, key, *problem);
  auto user = at(key, [&](const std::string& id) { return get_user(id); });
  return cloud::observed(user, key, attributes, get, {"disabled", "false", status_mapped_});
}

Status HuaweiConnector::apply(const reconcile::Operation& op) {
  if (auto problem = check_user_name(op.key)) return cloud::invalid(kApi, op.key, *problem);
  return cloud::dispatch(kApi, op,
                         {[&] { return create(op); }, [&] { return modify(op); },
                          [&]() -> Status {
                            // user_name cannot change: our new key is linked to the account instead.
                            if (auto problem = check_user_name(op.new_key)) return cloud::invalid(kApi, op.new_key, *problem);
                            return links_.relink(
                                kApi, op.key, op.new_key, [&] { return search(op.key); },
                                [&](const std::string& id) { return get_user(id); },
                                [&]() -> Result<std::optional<std::string>> {
                                  auto there = at(op.new_key, [&](const std::string& id) { return get_user(id); });
                                  if (!there) return there.failure();
                                  if (!there.value()) return std::optional<std::string>{};
                                  return std::optional<std::string>(there.value()->value("id", ""));
                                },
                                "");
                          },
                          [&]() -> Status {
                            return links_.remove(kApi, op.key, [&] { return search(op.key); }, [&](const std::string& id) {
                              return call("DELETE", user_path(id), {}, nullptr);
                            });
                          }});
}

Status HuaweiConnector::create(const reconcile::Operation& op) {
  auto values = cloud::created_fields(kApi, field, op);
  if (!values) return values.failure();
  nlohmann::json body{{"user_name", op.key}};
  bool disabled = false;
  for (const auto& v : values.value()) {
    if (v.field.name == "user_name") {
      if (v.value != op.key) return cloud::invalid(kApi, op.key, "the mapping sets 'user_name' to something other than the key");
    } else if (v.field.name == "disabled") {
      disabled = v.value == "true";  // not a create field: applied by an update after
    } else {
      put(body, v);
    }
  }
  // user_name is unique, so a create whose answer was lost fails as a conflict
  // instead of making a second user; the next read finds the first.
  auto created = call("POST", users(), {}, body, /*idempotent=*/false);
  if (!created) return created.failure();
  const auto id = cloud::json_text(created.value().contains("id") ? &created.value()["id"] : nullptr);
  if (id) links_.link(op.key, *id);
  if (disabled && id) {
    auto updated = call("PUT", user_path(*id), {}, {{"disabled", true}});
    if (!updated) return updated.failure();
  }
  return ok();
}

Status HuaweiConnector::modify(const reconcile::Operation& op) {
  auto values = cloud::changed_fields(kApi, field, op);
  if (!values) return values.failure();
  nlohmann::json body = nlohmann::json::object();
  for (const auto& v : values.value()) {
    if (v.field.name == "user_name") {
      // Only an account linked by correlation can hold another one than the key.
      return cloud::invalid(kApi, op.key, "a Workspace user_name cannot change (map it authoritative: create_only)");
    } else {
      put(body, v);  // a cleared `disabled` becomes false: enabled again
    }
  }
  if (body.empty()) return ok();
  auto updated = cloud::still_there(kApi, op.key, at(op.key, [&](const std::string& id) { return call("PUT", user_path(id), {}, body); }));
  if (!updated) return updated.failure();
  return ok();
}

}  // namespace idb::connectors::huawei
