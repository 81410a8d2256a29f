#include "connectors/eiam/eiam_connector.h"

#include <map>

#include "connectors/cloud/answers.h"
#include "connectors/cloud/fields.h"
#include "connectors/eiam/eiam_fields.h"
#include "connectors/http/retry.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/eiam.h"

namespace idb::connectors::eiam {

namespace {

constexpr const char* kApi = "eiam";
constexpr const char* kEnabled = "enabled";
// GetUser's User carries UpdateTime (epoch ms), set by each write: the account's
// version as read. No write answers with it (CreateUser gives {RequestId, UserId},
// the others {RequestId}), so a write's version stays unknown rather than costing
// a GetUser after every write: that call counts against the API's unpublished
// QPS limits, and what it finds may already include someone else's later edit,
// which the baseline would then record as ours (a false "unchanged").
constexpr const char* kVersionField = "UpdateTime";

bool not_found(const Failure& f) {
  return f.code.starts_with("eiam:HTTP 404") || f.code.find("EntityNotExists") != std::string::npos;
}

// POP codes that mean our credentials or clock are wrong, whatever HTTP status carries them.
bool authentication_code(const std::string& code) {
  return code == "SignatureDoesNotMatch" || code == "IncompleteSignature" || code == "SignatureNonceUsed" ||
         code.starts_with("InvalidAccessKeyId") || code.starts_with("InvalidTimeStamp");
}

}  // namespace

EiamConnector::EiamConnector(std::string name, config::EiamTarget settings, bool status_mapped, state::Store* links)
    : CloudConnector(std::move(name), settings.http, status_mapped), settings_(std::move(settings)), links_(links, name_) {}

Result<nlohmann::json> EiamConnector::call(const std::string& action, signing::Params params, bool idempotent) {
  params.insert(params.begin(), {"InstanceId", settings_.instance_id});
  const http::Sign sign = [this](http::Request& r) {
    const std::string payload_hash = signing::hex(signing::sha256(r.body));
    r.headers.emplace_back("x-acs-date", signing::iso8601(signing::Clock::now()));
    r.headers.emplace_back("x-acs-signature-nonce", signing::random_hex(16));
    r.headers.emplace_back("x-acs-content-sha256", payload_hash);
    // host and every x-acs-* header are signed, as the official SDKs do.
    signing::Headers signed_headers{{"host", client_.host()}};
    for (const auto& [name, value] : r.headers) {
      if (signing::lower(name).starts_with("x-acs-")) signed_headers.emplace_back(name, value);
    }
    const auto canonical = signing::eiam::canonical_request(r.method, r.path, r.query, signed_headers, payload_hash);
    r.headers.emplace_back("host", client_.host());
    r.headers.emplace_back(
        "authorization",
        signing::eiam::authorization(settings_.access_key_id, canonical.signed_headers,
                                     signing::eiam::signature(settings_.access_key_secret.value,
                                                              signing::eiam::string_to_sign(canonical.request))));
  };
  const http::Request request{"POST",
                              "/",
                              std::move(params),
                              {{"accept", "application/json"}, {"x-acs-action", action}, {"x-acs-version", "2021-12-01"}},
                              "",
                              idempotent};
  auto response = client_.send(request, sign);
  if (!response) return response.failure();
  const auto& r = response.value();
  auto json = nlohmann::json::parse(r.body, nullptr, false);
  if (r.status >= 200 && r.status < 300 && json.is_object()) return json;
  const std::string code = cloud::string_member(json, {"Code", "code"});
  const std::string message = cloud::string_member(json, {"Message", "message"});
  Failure failure = http::failure_for_status(authentication_code(code) ? 401 : r.status, code, message);
  if (code.starts_with("ResourceDuplicated")) failure.kind = FailureKind::conflict;
  if (code.starts_with("Throttling")) failure.kind = FailureKind::retry;
  failure.code = "eiam:HTTP " + std::to_string(r.status) + (code.empty() ? "" : " " + code);
  // EIAM's 403 is overloaded: a duplicate (one user, above) or throttling, but
  // Forbidden.RAM / NoPermission mean the RAM policy does not allow the action at all.
  if (code.starts_with("Forbidden") || code.starts_with("NoPermission")) return cloud::whole_api_denied(failure, message);
  return failure;
}

Result<std::vector<nlohmann::json>> EiamConnector::list(const std::string& filter, const std::string& field,
                                                        const std::string& value) {
  std::vector<nlohmann::json> out;
  std::size_t seen = 0;
  // Pages of 100 (the API's maximum) until TotalCount users were seen or a page
  // comes back empty; bounded, as a count that never ends would be a fault.
  for (int page = 1; page <= 1000; ++page) {
    auto listed = call("ListUsers", {{filter, value}, {"PageNumber", std::to_string(page)}, {"PageSize", "100"}});
    if (!listed) return listed.failure();
    const auto& body = listed.value();
    const auto& users = body.contains("Users") && body["Users"].is_array() ? body["Users"] : nlohmann::json::array();
    for (const auto& user : users) {
      // The filters' matching rules are not documented (and *StartsWith is a prefix): only an exact match counts.
      if (user.is_object() && get(user, field) == value) out.push_back(user);
    }
    seen += users.size();
    const auto total = body.contains("TotalCount") && body["TotalCount"].is_number_unsigned()
                           ? body["TotalCount"].get<std::size_t>()
                           : seen;
    if (users.empty() || seen >= total) break;
  }
  return out;
}

Result<std::optional<std::string>> EiamConnector::search(const std::string& key) {
  auto users = list("UserExternalId", "UserExternalId", key);
  if (!users) return users.failure();
  if (users.value().empty()) return std::optional<std::string>{};
  if (users.value().size() > 1) {
    return Failure{FailureKind::conflict, "eiam:ambiguous",
                   "user '" + key + "': " + std::to_string(users.value().size()) + " EIAM users have this UserExternalId"};
  }
  return std::optional<std::string>(users.value().front().value("UserId", ""));
}

Result<nlohmann::json> EiamConnector::get_user(const std::string& id) {
  auto got = call("GetUser", {{"UserId", id}});
  if (!got) return got;
  if (!got.value().contains("User") || !got.value()["User"].is_object()) {
    return Failure{FailureKind::retry, "eiam:response", "GetUser answered without a User"};
  }
  return got.value()["User"];
}

Result<std::optional<nlohmann::json>> EiamConnector::find(const std::string& key) {
  return links_.call(kApi, key, [&] { return search(key); }, [&](const std::string& id) { return get_user(id); }, not_found);
}

namespace {

// The ListUsers filter that searches by a correlation attribute, or "".
std::string filter_for(const std::string& attribute) {
  if (attribute == "Username") return "UsernameStartsWith";
  if (attribute == "DisplayName") return "DisplayNameStartsWith";
  if (attribute == "Email") return "Email";
  return "";
}

}  // namespace

bool EiamConnector::can_find_by(const std::string& attribute) const { return !filter_for(attribute).empty(); }

Result<std::vector<Observed>> EiamConnector::find_by(const std::string& attribute, const std::string& value,
                                                     const std::vector<std::string>& attributes) {
  if (!can_find_by(attribute)) return Connector::find_by(attribute, value, attributes);
  auto users = list(filter_for(attribute), attribute, value);
  if (!users) return users.failure();
  std::vector<cloud::AccountLinks::Listed> listed;
  for (const auto& brief : users.value()) listed.push_back({brief.value("UserExternalId", ""), brief.value("UserId", "")});
  // ListUsers leaves out custom fields: GetUser gives the account as read() sees it.
  return links_.read_listed(
      kApi, listed, [&](const std::string& id) { return get_user(id); },
      [&](const std::string& key, const nlohmann::json& user) {
        return cloud::observe_user(user, key, attributes, get, {"Status", kEnabled, status_mapped_}, kVersionField);
      },
      not_found);
}

Result<std::optional<Observed>> EiamConnector::read(const std::string& key, const std::vector<std::string>& attributes) {
  return cloud::observed(find(key), key, attributes, get, {"Status", kEnabled, status_mapped_}, kVersionField);
}

Status EiamConnector::apply(const reconcile::Operation& op) {
  return cloud::dispatch(kApi, op,
                         {[&] { return create(op); }, [&] { return modify(op); },
                          [&]() -> Status {
                            // UserExternalId cannot change: our new key is linked to the account instead.
                            return links_.relink(
                                kApi, op.key, op.new_key, [&] { return search(op.key); },
                                [&](const std::string& id) { return get_user(id); },
                                [&]() -> Result<std::optional<std::string>> {
                                  auto there = find(op.new_key);
                                  if (!there) return there.failure();
                                  if (!there.value()) return std::optional<std::string>{};
                                  return std::optional<std::string>(there.value()->value("UserId", ""));
                                },
                                kVersionField, not_found);
                          },
                          [&]() -> Status {
                            return links_.remove(
                                kApi, op.key, [&] { return search(op.key); },
                                [&](const std::string& id) { return call("DeleteUser", {{"UserId", id}}); }, not_found);
                          }});
}

namespace {

// Field name -> final value (nullopt = cleared), for the rules that tie fields together.
using Final = std::map<std::string, std::optional<std::string>>;

std::optional<std::string> pick(const Final& changed, const std::string& name, const nlohmann::json* current) {
  if (auto it = changed.find(name); it != changed.end()) return it->second;
  if (current) return get(*current, name);
  return std::nullopt;
}

// Business parameters for CreateUser/UpdateUser, with the pairings EIAM demands:
// an Email travels with EmailVerified, a PhoneNumber with PhoneRegion and PhoneNumberVerified.
Result<signing::Params> profile_params(const std::string& key, const Final& changed, const nlohmann::json* current) {
  signing::Params params;
  int custom = 0;
  for (const auto& [name, value] : changed) {
    if (name == "UserExternalId" || name == "Status" || name == "Description" || name == "EmailVerified" ||
        name == "PhoneRegion" || name == "PhoneNumberVerified") {
      continue;
    }
    if (is_custom(name)) {
      const std::string prefix = "CustomFields." + std::to_string(++custom) + ".";
      params.emplace_back(prefix + "FieldName", custom_name(name));
      if (value) params.emplace_back(prefix + "FieldValue", *value);
      params.emplace_back(prefix + "Operation", value ? "replace" : "remove");
    } else if (name != "Email" && name != "PhoneNumber") {
      params.emplace_back(name, value.value_or(""));  // how EIAM clears a field is undocumented: "" (INFERRED)
    }
  }
  if (changed.count("Email") || changed.count("EmailVerified")) {
    params.emplace_back("Email", pick(changed, "Email", current).value_or(""));
    params.emplace_back("EmailVerified", pick(changed, "EmailVerified", nullptr).value_or("true"));
  }
  if (changed.count("PhoneNumber") || changed.count("PhoneRegion") || changed.count("PhoneNumberVerified")) {
    const auto number = pick(changed, "PhoneNumber", current);
    const auto region = pick(changed, "PhoneRegion", current);
    if (number && !region) {
      return cloud::invalid(kApi, key, "'PhoneNumber' needs 'PhoneRegion' (the country code) as well");
    }
    params.emplace_back("PhoneRegion", region.value_or(""));
    params.emplace_back("PhoneNumber", number.value_or(""));
    params.emplace_back("PhoneNumberVerified", pick(changed, "PhoneNumberVerified", nullptr).value_or("true"));
  }
  return params;
}

Result<Final> finals(const std::string& key, const std::vector<cloud::FieldValue>& values) {
  Final out;
  for (const auto& v : values) {
    if (v.field.name == "UserExternalId" && v.value != key) {
      return cloud::invalid(kApi, key, "the mapping sets 'UserExternalId' to something other than the key");
    }
    out[v.field.name] = v.value;
  }
  return out;
}

}  // namespace

Status EiamConnector::create(const reconcile::Operation& op) {
  auto values = cloud::created_fields(kApi, field, op);
  if (!values) return values.failure();
  auto changed = finals(op.key, values.value());
  if (!changed) return changed.failure();
  if (!changed.value().count("Username")) return cloud::invalid(kApi, op.key, "EIAM needs a 'Username' to create a user");
  auto profile = profile_params(op.key, changed.value(), nullptr);
  if (!profile) return profile.failure();
  signing::Params params{{"UserExternalId", op.key},
                         {"PrimaryOrganizationalUnitId", settings_.organizational_unit_id},
                         // Derived from the key: a create sent again after a lost answer is recognised, not repeated.
                         {"ClientToken", signing::hex(signing::sha256(settings_.instance_id + "\n" + op.key)).substr(0, 32)},
                         {"PasswordInitializationConfig.PasswordInitializationPolicyPriority", "global"},
                         {"PasswordInitializationConfig.PasswordInitializationType", "random"}};
  params.insert(params.end(), profile.value().begin(), profile.value().end());
  if (auto d = changed.value().find("Description"); d != changed.value().end() && d->second) {
    params.emplace_back("Description", *d->second);
  }
  auto created = call("CreateUser", std::move(params));
  if (!created) return created.failure();
  if (auto id = cloud::json_text(created.value().contains("UserId") ? &created.value()["UserId"] : nullptr)) {
    links_.link(op.key, *id);
  }
  if (auto s = changed.value().find("Status"); s != changed.value().end() && s->second == "disabled") {
    auto disabled = call("DisableUser", {{"UserId", created.value().value("UserId", "")}});
    if (!disabled) return disabled.failure();
  }
  return ok();
}

Status EiamConnector::modify(const reconcile::Operation& op) {
  auto values = cloud::changed_fields(kApi, field, op);
  if (!values) return values.failure();
  auto changed = finals(op.key, values.value());
  if (!changed) return changed.failure();
  if (changed.value().count("UserExternalId")) {
    // Only an account linked by correlation can hold another one than the key.
    return cloud::invalid(kApi, op.key, "an EIAM UserExternalId cannot change (map it authoritative: create_only)");
  }
  auto user = cloud::still_there(kApi, op.key, find(op.key));
  if (!user) return user.failure();
  const std::string user_id = user.value().value("UserId", "");

  auto profile = profile_params(op.key, changed.value(), &user.value());
  if (!profile) return profile.failure();
  if (!profile.value().empty()) {
    signing::Params params{{"UserId", user_id}};
    params.insert(params.end(), profile.value().begin(), profile.value().end());
    if (auto updated = call("UpdateUser", std::move(params)); !updated) return updated.failure();
  }
  if (auto d = changed.value().find("Description"); d != changed.value().end()) {
    auto updated = call("UpdateUserDescription", {{"UserId", user_id}, {"Description", d->second.value_or("")}});
    if (!updated) return updated.failure();
  }
  if (auto s = changed.value().find("Status"); s != changed.value().end()) {
    auto switched = call(s->second == "disabled" ? "DisableUser" : "EnableUser", {{"UserId", user_id}});
    if (!switched) return switched.failure();
  }
  return ok();
}

}  // namespace idb::connectors::eiam
