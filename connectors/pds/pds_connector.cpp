#include "connectors/pds/pds_connector.h"

#include "connectors/cloud/fields.h"
#include "connectors/cloud/http_options.h"
#include "connectors/http/retry.h"
#include "connectors/pds/pds_fields.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/pds.h"

namespace idb::connectors::pds {

namespace {

constexpr const char* kApi = "pds";
constexpr const char* kEnabled = "enabled";

bool not_found(const Failure& f) { return f.code.starts_with("pds:HTTP 404"); }

}  // namespace

PdsConnector::PdsConnector(std::string name, config::PdsTarget settings, bool status_mapped)
    : name_(std::move(name)),
      settings_(std::move(settings)),
      client_(name_, cloud::http_options(settings_.http)),
      status_mapped_(status_mapped) {}

Result<nlohmann::json> PdsConnector::call(const std::string& action, const std::string& path,
                                          const nlohmann::json& body, bool idempotent) {
  const http::Sign sign = [&](http::Request& r) {
    r.headers.emplace_back("date", signing::http_date(signing::Clock::now()));
    r.headers.emplace_back("x-acs-signature-nonce", signing::random_hex(16));
    r.headers.emplace_back("x-acs-signature-method", "HMAC-SHA1");
    r.headers.emplace_back("x-acs-signature-version", "1.0");
    const std::string sts = signing::pds::string_to_sign(r.method, r.headers, r.path, r.query);
    r.headers.emplace_back("authorization",
                           signing::pds::authorization(settings_.access_key_id,
                                                       signing::pds::signature(settings_.access_key_secret.value, sts)));
  };
  const http::Request request{"POST",
                              path,
                              {},
                              {{"accept", "application/json"},
                               {"content-type", "application/json; charset=utf-8"},
                               {"x-acs-version", "2022-03-01"},
                               {"x-acs-action", action}},
                              body.dump(),
                              idempotent};
  auto response = client_.send(request, sign);
  if (!response) return response.failure();
  const auto& r = response.value();
  auto json = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status >= 200 && r.status < 300) return json.is_discarded() ? nlohmann::json::object() : json;
  // The gateway reads Code/code and Message/message.
  const std::string code = cloud::string_member(json, {"code", "Code"});
  Failure failure = http::failure_for_status(r.status, code, cloud::string_member(json, {"message", "Message"}));
  if (code.starts_with("AlreadyExist")) failure.kind = FailureKind::conflict;
  failure.code = "pds:" + failure.code;
  return failure;
}

Result<std::optional<nlohmann::json>> PdsConnector::get_user(const std::string& user_id) {
  auto user = call("GetUser", "/v2/user/get", {{"user_id", user_id}});
  if (!user) {
    if (not_found(user.failure())) return std::optional<nlohmann::json>{};
    return user.failure();
  }
  return std::optional<nlohmann::json>(std::move(user.value()));
}

Result<std::optional<Observed>> PdsConnector::read(const std::string& key, const std::vector<std::string>& attributes) {
  if (auto problem = check_user_id(key)) return cloud::invalid(kApi, key, *problem);
  auto user = get_user(key);
  if (!user) return user.failure();
  if (!user.value()) return std::optional<Observed>{};
  const auto& user_json = *user.value();
  return std::optional<Observed>(cloud::observe(
      key, attributes, [&](const std::string& attribute) { return get(user_json, attribute); }, {"status", kEnabled, status_mapped_}));
}

Status PdsConnector::apply(const reconcile::Operation& op) {
  if (auto problem = check_user_id(op.key)) return cloud::invalid(kApi, op.key, *problem);
  switch (op.kind) {
    case reconcile::Operation::Kind::create: return create(op);
    case reconcile::Operation::Kind::modify: return modify(op);
    case reconcile::Operation::Kind::rename:
      return cloud::invalid(kApi, op.key, "a PDS user_id cannot change (the key would become '" + op.new_key + "')");
  }
  return Failure{FailureKind::permanent, "pds:operation", "unknown operation"};
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
  return ok();
}

Status PdsConnector::modify(const reconcile::Operation& op) {
  auto values = cloud::changed_fields(kApi, field, op);
  if (!values) return values.failure();
  nlohmann::json body{{"user_id", op.key}};
  bool touches_user_data = false;
  for (const auto& v : values.value()) {
    if (v.field.name == "user_name") {
      return cloud::invalid(kApi, op.key, "'user_name' cannot be changed by UpdateUser; map it for creation only");
    }
    if (v.field.name == "user_id") {
      if (v.value != op.key) return cloud::invalid(kApi, op.key, "a PDS user_id cannot change");
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
    auto current = get_user(op.key);
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
  auto updated = call("UpdateUser", "/v2/user/update", body);
  if (!updated) {
    Failure failure = updated.failure();
    if (not_found(failure)) failure.kind = FailureKind::retry;  // gone since read: the next round creates it
    return failure;
  }
  return ok();
}

}  // namespace idb::connectors::pds
