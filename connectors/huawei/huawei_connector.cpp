#include "connectors/huawei/huawei_connector.h"

#include "connectors/cloud/answers.h"
#include "connectors/cloud/fields.h"
#include "connectors/huawei/huawei_fields.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/huawei.h"

namespace idb::connectors::huawei {

namespace {

constexpr const char* kApi = "huawei";

}  // namespace

HuaweiConnector::HuaweiConnector(std::string name, config::HuaweiTarget settings, bool status_mapped)
    : CloudConnector(std::move(name), settings.http, status_mapped), settings_(std::move(settings)) {}

std::string HuaweiConnector::users() const { return "/v2/" + settings_.project_id + "/users"; }

Result<nlohmann::json> HuaweiConnector::call(const std::string& method, const std::string& path, signing::Params query,
                                             const nlohmann::json& body, bool idempotent) {
  const http::Sign sign = [this](http::Request& r) {
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
  };
  const http::Request request{method,
                              path,
                              std::move(query),
                              {{"content-type", "application/json"}, {"x-project-id", settings_.project_id}},
                              body.is_null() ? "" : body.dump(),
                              idempotent};
  return cloud::json_answer(kApi, client_.send(request, sign), [](const nlohmann::json& json) {
    return cloud::ErrorBody{cloud::string_member(json, {"error_code"}), cloud::string_member(json, {"error_msg"})};
  });
}

Result<std::optional<nlohmann::json>> HuaweiConnector::find(const std::string& key) {
  // Whether user_name filters exactly is not documented: every match is checked here.
  auto listed = call("GET", users(), {{"user_name", key}}, nullptr);
  if (!listed) return listed.failure();
  std::string id;
  if (listed.value().contains("users") && listed.value()["users"].is_array()) {
    for (const auto& user : listed.value()["users"]) {
      if (user.is_object() && user.value("user_name", "") == key) id = user.value("id", "");
    }
  }
  if (id.empty()) return std::optional<nlohmann::json>{};
  auto detail = cloud::found(kApi, call("GET", users() + "/" + signing::uri_encode(id), {}, nullptr));
  if (!detail || !detail.value()) return detail;
  const nlohmann::json& answer = *detail.value();
  if (!answer.contains("user_detail") || !answer["user_detail"].is_object()) {
    return Failure{FailureKind::retry, "huawei:response", "the user answer has no user_detail"};
  }
  return std::optional<nlohmann::json>(answer["user_detail"]);
}

Result<std::optional<Observed>> HuaweiConnector::read(const std::string& key, const std::vector<std::string>& attributes) {
  if (auto problem = check_user_name(key)) return cloud::invalid(kApi, key, *problem);
  return cloud::observed(find(key), key, attributes, get, {"disabled", "false", status_mapped_});
}

Status HuaweiConnector::apply(const reconcile::Operation& op) {
  if (auto problem = check_user_name(op.key)) return cloud::invalid(kApi, op.key, *problem);
  return cloud::dispatch(kApi, op,
                         {[&] { return create(op); }, [&] { return modify(op); },
                          [&]() -> Status { return cloud::key_is_fixed(kApi, op, "a Workspace user_name"); }});
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
  if (disabled) {
    auto id = created.value().value("id", "");
    auto updated = call("PUT", users() + "/" + signing::uri_encode(id), {}, {{"disabled", true}});
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
      if (v.value != op.key) return cloud::invalid(kApi, op.key, "a Workspace user_name cannot change");
    } else {
      put(body, v);  // a cleared `disabled` becomes false: enabled again
    }
  }
  if (body.empty()) return ok();
  auto user = cloud::still_there(kApi, op.key, find(op.key));
  if (!user) return user.failure();
  return cloud::updated(kApi, call("PUT", users() + "/" + signing::uri_encode(user.value().value("id", "")), {}, body));
}

}  // namespace idb::connectors::huawei
