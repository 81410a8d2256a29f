#include "connectors/sensecore/sensecore_connector.h"

#include "connectors/cloud/answers.h"
#include "connectors/cloud/fields.h"
#include "connectors/sensecore/sensecore_fields.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/sensecore.h"

namespace idb::connectors::sensecore {

namespace {

constexpr const char* kApi = "sensecore";
constexpr const char* kUsers = "/iam/idp/v1/users";
// The User every call answers with (get, list, create, update) carries update_time
// (RFC 3339), set by each write: the account's version.
constexpr const char* kVersionField = "update_time";

// 24 characters drawn from every class a password policy may ask for.
std::string random_password() {
  static constexpr char kClasses[][27] = {"ABCDEFGHJKLMNPQRSTUVWXYZ", "abcdefghijkmnopqrstuvwxyz", "23456789", "!@#%^*-_=+"};
  const std::string bytes = signing::random_hex(24);
  std::string out;
  for (std::size_t i = 0; i < 24; ++i) {
    const std::string_view set = kClasses[i % 4];
    out += set[std::stoul(bytes.substr(2 * i, 2), nullptr, 16) % set.size()];
  }
  return out;
}

}  // namespace

SenseCoreConnector::SenseCoreConnector(std::string name, config::SenseCoreTarget settings, bool status_mapped,
                                       state::Store* links)
    : CloudConnector(std::move(name), settings.http, status_mapped),
      settings_(std::move(settings)),
      links_(links, name_) {}

cloud::StatusField SenseCoreConnector::status_field() const {
  return {settings_.disabled_field, settings_.enabled_value, status_mapped_};
}

bool SenseCoreConnector::can_find_by(const std::string& attribute) const {
  return attribute == "username" || attribute == "email";
}

Result<std::vector<Observed>> SenseCoreConnector::find_by(const std::string& attribute, const std::string& value,
                                                          const std::vector<std::string>& attributes) {
  if (!can_find_by(attribute)) return Connector::find_by(attribute, value, attributes);
  auto users = list(attribute, value);
  if (!users) return users.failure();
  std::vector<Observed> out;
  for (const auto& user : users.value()) {
    const std::string username = user.value("username", "");
    if (username.empty()) continue;
    if (auto id = cloud::json_text(user.contains("id") ? &user["id"] : nullptr)) links_.link(username, *id);
    out.push_back(cloud::observe_user(user, username, attributes, get, status_field(), kVersionField));
  }
  return out;
}

Result<nlohmann::json> SenseCoreConnector::call(const std::string& method, const std::string& path,
                                                signing::Params query, const nlohmann::json& body, bool idempotent) {
  const http::Sign sign = [this](http::Request& r) {
    const signing::Headers signed_headers{{"x-date", signing::http_date(signing::Clock::now())}};
    r.headers.insert(r.headers.end(), signed_headers.begin(), signed_headers.end());
    r.headers.emplace_back(
        "authorization",
        signing::sensecore::authorization(settings_.access_key_id, signed_headers,
                                          signing::sensecore::signature(settings_.access_key_secret.value,
                                                                        signing::sensecore::string_to_sign(signed_headers))));
  };
  const http::Request request{method,
                              path,
                              std::move(query),
                              {{"content-type", "application/json"}, {"accept", "application/json"}},
                              body.is_null() ? "" : body.dump(),
                              idempotent};
  return cloud::json_answer(kApi, client_.send(request, sign), [](const nlohmann::json& json) {
    // A google.rpc.Status: {code, message, details: [{"@type": ...ErrorInfo, reason}]}.
    std::string reason;
    if (json.is_object() && json.contains("details") && json["details"].is_array()) {
      for (const auto& d : json["details"]) {
        if (d.is_object() && d.contains("reason") && d["reason"].is_string()) reason = d["reason"];
      }
    }
    return cloud::ErrorBody{reason, cloud::string_member(json, {"message"})};
  },
  // PERMISSION_DENIED: IAM grants user management to an access key for the
  // whole tenant; nothing in the spec scopes it to single users.
  cloud::Forbidden::whole_api);
}

Result<std::vector<nlohmann::json>> SenseCoreConnector::list(const std::string& field, const std::string& value) {
  std::vector<nlohmann::json> out;
  std::string token = "1";  // clients start at page "1" and follow next_page_token
  for (int page = 0; page < 1000; ++page) {
    auto listed = call("GET", kUsers, {{"filter", field + "=" + nlohmann::json(value).dump()}, {"page_size", "100"}, {"page_token", token}},
                       nullptr);
    if (!listed) return listed.failure();
    const auto& body = listed.value();
    if (body.contains("users") && body["users"].is_array()) {
      for (const auto& user : body["users"]) {
        // The filter's matching rule is INFERRED: only an exact match counts.
        if (user.is_object() && user.contains(field) && user[field] == value) out.push_back(user);
      }
    }
    const std::string next = body.value("next_page_token", "");
    if (next.empty() || next == token) break;
    token = next;
  }
  return out;
}

Result<std::optional<std::string>> SenseCoreConnector::search(const std::string& key) {
  auto users = list("username", key);
  if (!users) return users.failure();
  if (users.value().empty()) return std::optional<std::string>{};
  return std::optional<std::string>(users.value().front().value("id", ""));
}

Result<std::optional<nlohmann::json>> SenseCoreConnector::at(const std::string& key, const cloud::AccountLinks::ById& by_id) {
  return links_.call(kApi, key, [&] { return search(key); }, by_id);
}

std::string SenseCoreConnector::user_path(const std::string& id) { return std::string(kUsers) + "/" + signing::uri_encode(id); }

Result<std::optional<Observed>> SenseCoreConnector::read(const std::string& key, const std::vector<std::string>& attributes) {
  if (auto problem = check_username(key)) return cloud::invalid(kApi, key, *problem);
  auto user = at(key, [&](const std::string& id) { return call("GET", user_path(id), {}, nullptr); });
  return cloud::observed(user, key, attributes, get, status_field(), kVersionField);
}

Status SenseCoreConnector::apply(const reconcile::Operation& op) {
  if (auto problem = check_username(op.key)) return cloud::invalid(kApi, op.key, *problem);
  return cloud::dispatch(kApi, op, {[&] { return create(op); }, [&] { return modify(op); }, [&]() -> Status {
                           if (auto problem = check_username(op.new_key)) return cloud::invalid(kApi, op.new_key, *problem);
                           return update(op.key, {{"username", op.new_key}}, op.new_key);
                         },
                         [&] { return remove(op.key); }});
}

Status SenseCoreConnector::create(const reconcile::Operation& op) {
  auto values = cloud::created_fields(kApi, field, op);
  if (!values) return values.failure();
  nlohmann::json body{{"username", op.key}};
  for (const auto& v : values.value()) {
    if (v.field.name == "username" && v.value != op.key) {
      return cloud::invalid(kApi, op.key, "the mapping sets 'username' to something other than the key");
    }
    body[v.field.name] = *v.value;
  }
  // Only active users are created; the lifecycle's field starts at its enabled value.
  if (!body.contains(settings_.disabled_field)) body[settings_.disabled_field] = settings_.enabled_value;
  for (const char* required : {"name", "console_state", "open_api_state", "mfa_state", "set_password_first_login"}) {
    if (!body.contains(required)) {
      return cloud::invalid(kApi, op.key, std::string("SenseCore needs '") + required +
                                              "' to create a user; map it (a constant will do)");
    }
  }
  body["password"] = random_password();
  // username is unique, so a create whose answer was lost fails as a conflict
  // instead of making a second user; the next read finds the first.
  auto created = call("POST", kUsers, {}, body, /*idempotent=*/false);
  if (!created) return created.failure();
  if (auto id = cloud::json_text(created.value().contains("id") ? &created.value()["id"] : nullptr)) links_.link(op.key, *id);
  return Done{cloud::version_in(created.value(), kVersionField)};
}

Status SenseCoreConnector::update(const std::string& key, const nlohmann::json& fields, const std::string& new_key) {
  std::string mask;
  for (const auto& [name, value] : fields.items()) mask += (mask.empty() ? "" : ",") + name;
  std::string updated_id;
  auto user = cloud::still_there(kApi, key, at(key, [&](const std::string& id) {
                                   updated_id = id;
                                   return call(settings_.update_method, user_path(id), {{"update_mask", mask}}, fields);
                                 }));
  if (!user) return user.failure();
  // The link follows a renamed account: the id, not the old name, finds it now.
  if (new_key != key) {
    links_.unlink(key);
    links_.link(new_key, updated_id);
  }
  return Done{cloud::version_in(user.value(), kVersionField)};
}

Status SenseCoreConnector::remove(const std::string& key) {
  // DELETE /users/{id} is INFERRED (AIP-135); the spec documents no delete call.
  return links_.remove(kApi, key, [&] { return search(key); },
                       [&](const std::string& id) { return call("DELETE", user_path(id), {}, nullptr); });
}

Status SenseCoreConnector::modify(const reconcile::Operation& op) {
  auto values = cloud::changed_fields(kApi, field, op);
  if (!values) return values.failure();
  nlohmann::json fields = nlohmann::json::object();
  for (const auto& v : values.value()) {
    if (v.field.name == "username" && v.value != op.key) {
      return cloud::invalid(kApi, op.key, "'username' is the key; it changes by a rename");
    }
    if (v.field.name == settings_.disabled_field && !v.value) {
      fields[v.field.name] = settings_.enabled_value;
    } else {
      fields[v.field.name] = v.value.value_or("");  // in the mask with "": cleared (AIP-134, INFERRED)
    }
  }
  if (fields.empty()) return ok();
  return update(op.key, fields, op.key);
}

}  // namespace idb::connectors::sensecore
