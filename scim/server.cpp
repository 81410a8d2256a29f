#include "scim/server.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "scim/ascii.h"
#include "scim/filter.h"
#include "scim/user_resource.h"

namespace idb::scim {
namespace {

constexpr const char* kContentType = "application/scim+json";

std::string sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

std::string new_id() {
  unsigned char b[16];
  if (RAND_bytes(b, sizeof b) != 1) throw std::runtime_error("RAND_bytes failed: no entropy for a SCIM id");
  b[6] = (b[6] & 0x0f) | 0x40;  // RFC 9562 version 4
  b[8] = (b[8] & 0x3f) | 0x80;  // variant
  char out[37];
  std::snprintf(out, sizeof out, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]);
  return out;
}

std::string rfc3339(std::chrono::system_clock::time_point t) {
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  const std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char out[64];
  std::snprintf(out, sizeof out, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms % 1000));
  return out;
}

int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void send(httplib::Response& res, int status, const nlohmann::json& body) {
  res.status = status;
  res.set_content(body.dump(), kContentType);
}

void send_error(httplib::Response& res, const Error& err) { send(res, err.status, err.to_json()); }

void send_user(httplib::Response& res, int status, const state::User& user) {
  res.set_header("ETag", etag(user.version));
  send(res, status, user.resource);
}

// Where clients will find a resource: the URL they used to reach us.
std::string users_url(const httplib::Request& req) {
  const std::string host = req.get_header_value("Host");
  return (host.empty() ? std::string() : "http://" + host) + kBasePath + "/Users";
}

std::optional<nlohmann::json> parse_body(const httplib::Request& req, httplib::Response& res) {
  auto body = nlohmann::json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    send_error(res, {400, "invalidSyntax", "the request body is not valid JSON"});
    return std::nullopt;
  }
  return body;
}

Error write_conflict(state::WriteStatus status) {
  switch (status) {
    case state::WriteStatus::user_name_taken: return {409, "uniqueness", "userName is already in use"};
    case state::WriteStatus::external_id_taken: return {409, "uniqueness", "externalId is already in use"};
    case state::WriteStatus::not_found: return {404, "", "resource not found"};
    case state::WriteStatus::ok: break;
  }
  return {500, "", "unexpected write status"};
}

std::optional<std::string> string_member(const nlohmann::json& user, const char* name) {
  const auto it = user.find(name);
  if (it == user.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// startIndex/count per RFC 7644 §3.4.2.4: 1-based, out-of-range values clamp.
std::pair<size_t, size_t> page(const httplib::Request& req, size_t total) {
  auto number = [&](const char* key, long fallback) {
    if (!req.has_param(key)) return fallback;
    try {
      return std::stol(req.get_param_value(key));
    } catch (const std::exception&) {
      return fallback;
    }
  };
  const long start = std::max(1L, number("startIndex", 1));
  const long count = std::max(0L, number("count", static_cast<long>(total)));
  return {static_cast<size_t>(start), static_cast<size_t>(count)};
}

}  // namespace

Service::Service(state::Store& store, ServiceSettings settings, OnChange on_change, Clock clock)
    : store_(store), settings_(std::move(settings)), on_change_(std::move(on_change)), clock_(std::move(clock)) {
  for (const auto& token : settings_.tokens) token_digests_.push_back(sha256(token));
}

bool Service::authorized(const httplib::Request& req) const {
  const std::string header = req.get_header_value("Authorization");
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size() || !iequals(std::string_view(header).substr(0, kScheme.size()), kScheme)) {
    return false;
  }
  // Comparing digests keeps the time independent of where the strings differ
  // and of the token's length; every token is compared so none is singled out.
  const std::string presented = sha256(std::string_view(header).substr(kScheme.size()));
  bool ok = false;
  for (const auto& digest : token_digests_) {
    ok |= CRYPTO_memcmp(presented.data(), digest.data(), digest.size()) == 0;
  }
  return ok;
}

void Service::mount(httplib::Server& server) {
  server.set_payload_max_length(static_cast<size_t>(settings_.max_body_bytes));
  // httplib answers some errors itself (413, 400 on a broken request line);
  // give those a SCIM body too, leaving bodies our handlers wrote untouched.
  server.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    const std::string detail = res.status == 413 ? "the request body is larger than the configured limit"
                                                 : "the request could not be processed";
    send_error(res, {res.status, "", detail});
    return httplib::Server::HandlerResponse::Handled;
  }));

  auto guarded = [this](void (Service::*handler)(const httplib::Request&, httplib::Response&)) {
    return [this, handler](const httplib::Request& req, httplib::Response& res) {
      if (!authorized(req)) {
        res.set_header("WWW-Authenticate", "Bearer realm=\"idbridge\"");
        send_error(res, {401, "", "a valid bearer token is required"});
        return;
      }
      try {
        (this->*handler)(req, res);
      } catch (const state::StoreError& e) {
        spdlog::error("scim: {} {}: state store failed: {}", req.method, req.path, e.what());
        send_error(res, {500, "", "the state store failed; the change was not accepted"});
      }
    };
  };
  const std::string users = std::string(kBasePath) + "/Users";
  const std::string one_user = users + R"(/([^/]+))";
  server.Post(users, guarded(&Service::create_user));
  server.Get(users, guarded(&Service::list_users));
  server.Get(one_user, guarded(&Service::get_user));
  server.Put(one_user, guarded(&Service::replace_user));
  server.Delete(one_user, guarded(&Service::delete_user));
}

void Service::create_user(const httplib::Request& req, httplib::Response& res) {
  const auto body = parse_body(req, res);
  if (!body) return;
  auto normalized = normalize_user(*body);
  if (auto* err = std::get_if<Error>(&normalized)) return send_error(res, *err);

  const auto now = clock_();
  state::User user;
  user.id = new_id();
  user.version = 1;
  user.resource = with_server_fields(std::get<nlohmann::json>(std::move(normalized)),
                                     {user.id, user.version, rfc3339(now), rfc3339(now), users_url(req) + "/" + user.id});
  user.user_name = user.resource["userName"].get<std::string>();
  user.external_id = string_member(user.resource, "externalId");

  state::WriteStatus status;
  {
    std::lock_guard lock(write_mu_);
    status = store_.insert_user(user, settings_.targets, epoch_ms(now));
  }
  if (status != state::WriteStatus::ok) return send_error(res, write_conflict(status));
  spdlog::info("scim: created user {} ({})", user.id, user.user_name);
  on_change_();
  res.set_header("Location", user.resource["meta"]["location"].get<std::string>());
  send_user(res, 201, user);
}

void Service::get_user(const httplib::Request& req, httplib::Response& res) {
  const auto user = store_.get_user(req.matches[1]);
  if (!user) return send_error(res, write_conflict(state::WriteStatus::not_found));
  send_user(res, 200, *user);
}

void Service::replace_user(const httplib::Request& req, httplib::Response& res) {
  const auto body = parse_body(req, res);
  if (!body) return;
  auto normalized = normalize_user(*body);
  if (auto* err = std::get_if<Error>(&normalized)) return send_error(res, *err);

  std::lock_guard lock(write_mu_);
  auto existing = store_.get_user(req.matches[1]);
  if (!existing) return send_error(res, write_conflict(state::WriteStatus::not_found));
  if (req.has_header("If-Match") && req.get_header_value("If-Match") != "*" &&
      req.get_header_value("If-Match") != etag(existing->version)) {
    return send_error(res, {412, "", "the resource changed since the version given in If-Match"});
  }
  const auto now = clock_();
  state::User user;
  user.id = existing->id;
  user.version = existing->version + 1;
  const auto& meta = existing->resource["meta"];
  user.resource = with_server_fields(std::get<nlohmann::json>(std::move(normalized)),
                                     {user.id, user.version, meta.value("created", rfc3339(now)), rfc3339(now),
                                      meta.value("location", users_url(req) + "/" + user.id)});
  user.user_name = user.resource["userName"].get<std::string>();
  user.external_id = string_member(user.resource, "externalId");
  if (const auto status = store_.replace_user(user, settings_.targets, epoch_ms(now));
      status != state::WriteStatus::ok) {
    return send_error(res, write_conflict(status));
  }
  spdlog::info("scim: replaced user {} ({})", user.id, user.user_name);
  on_change_();
  send_user(res, 200, user);
}

void Service::delete_user(const httplib::Request& req, httplib::Response& res) {
  state::WriteStatus status;
  {
    std::lock_guard lock(write_mu_);
    status = store_.delete_user(req.matches[1], settings_.targets, epoch_ms(clock_()));
  }
  if (status != state::WriteStatus::ok) return send_error(res, write_conflict(status));
  spdlog::info("scim: deleted user {}", std::string(req.matches[1]));
  on_change_();
  res.status = 204;
}

void Service::list_users(const httplib::Request& req, httplib::Response& res) {
  std::vector<state::User> candidates;
  if (req.has_param("filter")) {
    auto parsed = parse_filter(req.get_param_value("filter"));
    if (auto* err = std::get_if<ParseError>(&parsed)) {
      return send_error(res, {400, "invalidFilter", err->message + " at offset " + std::to_string(err->offset)});
    }
    const auto& filter = std::get<Filter>(parsed);
    const auto& cmp = filter.comparison;
    // The lookup every IdP makes before a create: answer it from the index.
    const bool by_user_name = filter.kind == Filter::Kind::compare && cmp.op == CompareOp::eq && cmp.path.schema.empty() && cmp.value.is_string() &&
                              cmp.path.names.size() == 1 && !cmp.path.value_filter &&
                              iequals(cmp.path.names[0], "userName");
    if (by_user_name) {
      if (auto user = store_.find_by_user_name(cmp.value.get<std::string>())) candidates.push_back(std::move(*user));
    } else {
      for (auto& user : store_.list_users()) {
        if (matches(filter, user.resource)) candidates.push_back(std::move(user));
      }
    }
  } else {
    candidates = store_.list_users();
  }

  const auto [start, count] = page(req, candidates.size());
  nlohmann::json resources = nlohmann::json::array();
  for (size_t i = start - 1; i < candidates.size() && resources.size() < count; ++i) {
    resources.push_back(std::move(candidates[i].resource));
  }
  send(res, 200,
       {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:ListResponse"}},
        {"totalResults", candidates.size()},
        {"startIndex", start},
        {"itemsPerPage", resources.size()},
        {"Resources", std::move(resources)}});
}

}  // namespace idb::scim
