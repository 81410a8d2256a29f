#include "connectors/huawei/huawei_connector.h"

#include "connectors/cloud/fields.h"
#include "connectors/cloud/http_options.h"
#include "connectors/http/retry.h"
#include "connectors/huawei/huawei_fields.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/huawei.h"

namespace idb::connectors::huawei {

namespace {

constexpr const char* kApi = "huawei";

bool not_found(const Failure& f) { return f.code.starts_with("huawei:HTTP 404"); }

}  // namespace

HuaweiConnector::HuaweiConnector(std::string name, config::HuaweiTarget settings, bool status_mapped)
    : name_(std::move(name)),
      settings_(std::move(settings)),
      client_(name_, cloud::http_options(settings_.http)),
      status_mapped_(status_mapped) {}

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
  auto response = client_.send(request, sign);
  if (!response) return response.failure();
  const auto& r = response.value();
  auto json = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status >= 200 && r.status < 300) return json.is_discarded() ? nlohmann::json::object() : json;
  Failure failure = http::failure_for_status(r.status, cloud::string_member(json, {"error_code"}),
                                             cloud::string_member(json, {"error_msg"}));
  failure.code = "huawei:" + failure.code;
  return failure;
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
  auto detail = call("GET", users() + "/" + signing::uri_encode(id), {}, nullptr);
  if (!detail) {
    if (not_found(detail.failure())) return std::optional<nlohmann::json>{};
    return detail.failure();
  }
  if (!detail.value().contains("user_detail") || !detail.value()["user_detail"].is_object()) {
    return Failure{FailureKind::retry, "huawei:response", "the user answer has no user_detail"};
  }
  return std::optional<nlohmann::json>(detail.value()["user_detail"]);
}

Result<std::optional<Observed>> HuaweiConnector::read(const std::string& key, const std::vector<std::string>& attributes) {
  if (auto problem = check_user_name(key)) return cloud::invalid(kApi, key, *problem);
  auto user = find(key);
  if (!user) return user.failure();
  if (!user.value()) return std::optional<Observed>{};
  const auto& user_json = *user.value();
  return std::optional<Observed>(cloud::observe(
      key, attributes, [&](const std::string& attribute) { return get(user_json, attribute); }, {"disabled", "false", status_mapped_}));
}

Status HuaweiConnector::apply(const reconcile::Operation& op) {
  if (auto problem = check_user_name(op.key)) return cloud::invalid(kApi, op.key, *problem);
  switch (op.kind) {
    case reconcile::Operation::Kind::create: return create(op);
    case reconcile::Operation::Kind::modify: return modify(op);
    case reconcile::Operation::Kind::rename:
      return cloud::invalid(kApi, op.key, "a Workspace user_name cannot change (the key would become '" + op.new_key + "')");
  }
  return Failure{FailureKind::permanent, "huawei:operation", "unknown operation"};
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
  auto user = find(op.key);
  if (!user) return user.failure();
  if (!user.value()) return Failure{FailureKind::retry, "huawei:HTTP 404", "user '" + op.key + "' vanished before its update"};
  auto updated = call("PUT", users() + "/" + signing::uri_encode(user.value()->value("id", "")), {}, body);
  if (!updated) {
    Failure failure = updated.failure();
    if (not_found(failure)) failure.kind = FailureKind::retry;
    return failure;
  }
  return ok();
}

}  // namespace idb::connectors::huawei
