#include "scim/server.h"

#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <map>

#include <httplib.h>
#include <spdlog/spdlog.h>

#include "scim/ascii.h"
#include "scim/bulk.h"
#include "scim/discovery.h"
#include "scim/json_body.h"
#include "scim/patch.h"
#include "scim/resource.h"

namespace idb::scim {
namespace {

using json = nlohmann::json;

constexpr const char* kContentType = "application/scim+json";

std::string sha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof digest);
}

int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

void send(httplib::Response& res, int status, const json& body) {
  res.status = status;
  // Error details may quote client text that is not valid UTF-8.
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), kContentType);
}

void send_error(httplib::Response& res, const Error& err) { send(res, err.status, err.to_json()); }

// The SCIM base URL as the client reached it, for meta.location.
std::string base_url(const httplib::Request& req) {
  const std::string host = req.get_header_value("Host");
  return (host.empty() ? std::string() : "http://" + host) + kBasePath;
}

Error write_conflict(state::WriteStatus status) {
  switch (status) {
    case state::WriteStatus::user_name_taken: return {409, "uniqueness", "userName is already in use"};
    case state::WriteStatus::not_found: return {404, "", "resource not found"};
    case state::WriteStatus::ok: break;
  }
  return {500, "", "unexpected write status"};
}

std::map<std::string, std::string> params_of(const httplib::Request& req) {
  std::map<std::string, std::string> out;
  for (const auto& [key, value] : req.params) out.emplace(key, value);  // the first of repeated keys
  return out;
}

// Whether `header` (an If-Match / If-None-Match list) names `tag`, by the
// weak comparison of RFC 9110 §8.8.3.2; "*" names any.
bool etag_listed(std::string_view header, const std::string& tag) {
  auto opaque = [](std::string_view t) {
    while (!t.empty() && (t.front() == ' ' || t.front() == '\t')) t.remove_prefix(1);
    while (!t.empty() && (t.back() == ' ' || t.back() == '\t')) t.remove_suffix(1);
    if (t.starts_with("W/")) t.remove_prefix(2);
    return t;
  };
  const std::string_view wanted = opaque(tag);
  size_t start = 0;
  while (start <= header.size()) {
    size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    const std::string_view item = opaque(header.substr(start, comma - start));
    if (item == "*" || item == wanted) return true;
    start = comma + 1;
  }
  return false;
}

std::optional<std::string> if_match_of(const httplib::Request& req) {
  if (!req.has_header("If-Match")) return std::nullopt;
  return req.get_header_value("If-Match");
}

// If-Match (or a Bulk operation's version) on a write: the client's version
// must still be current (else 412).
std::optional<Error> check_if_match(const std::optional<std::string>& if_match, int64_t version) {
  if (!if_match || etag_listed(*if_match, etag(version))) return std::nullopt;
  return Error{412, "", "the resource changed since the version given in If-Match (now " + etag(version) + ")"};
}

std::optional<std::pair<AttributeSelection, AttributeSelection>> selection_of(const httplib::Request& req,
                                                                              httplib::Response& res,
                                                                              const Catalog& catalog) {
  std::pair<AttributeSelection, AttributeSelection> out;
  for (auto [key, into] : {std::pair{"attributes", &out.first}, std::pair{"excludedAttributes", &out.second}}) {
    if (!req.has_param(key)) continue;
    auto parsed = parse_attribute_list(req.get_param_value(key), key, catalog);
    if (auto* err = std::get_if<Error>(&parsed)) {
      send_error(res, *err);
      return std::nullopt;
    }
    *into = std::get<AttributeSelection>(std::move(parsed));
  }
  return out;
}

// Answers with one resource, its ETag, and the attributes the request asks for.
void send_resource(const httplib::Request& req, httplib::Response& res, int status, const Stored& s,
                   const Catalog& catalog) {
  const auto selection = selection_of(req, res, catalog);
  if (!selection) return;
  res.set_header("ETag", etag(s.version));
  send(res, status, project(s.resource, selection->first, selection->second));
}

void answer(const httplib::Request& req, httplib::Response& res, std::variant<Written, Error> outcome,
            Collection& c, const Catalog& catalog) {
  if (auto* err = std::get_if<Error>(&outcome)) return send_error(res, *err);
  Written& w = std::get<Written>(outcome);
  // A resource just created is in no group yet: only a 200 has computed parts to add.
  if (w.status == 200) c.add_computed({&w.resource});
  if (w.status == 204) {
    res.status = 204;
    return;
  }
  if (w.status == 201) res.set_header("Location", w.resource.resource["meta"]["location"].get<std::string>());
  send_resource(req, res, w.status, w.resource, catalog);
}

// A route pattern matching `name` in any letter case: clients write
// "/users" as often as "/Users".
std::string any_case(std::string_view name) {
  std::string out;
  for (char c : name) {
    if (std::isalpha(static_cast<unsigned char>(c))) {
      out += '[';
      out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      out += ']';
    } else if (c == '.') {
      out += "\\.";
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

Service::Service(state::Store& store, ServiceSettings settings, OnChange on_change, Clock clock)
    : store_(store),
      settings_(std::move(settings)),
      on_change_(std::move(on_change)),
      clock_(std::move(clock)),
      catalog_(std::move(settings_.extensions)),
      users_(user_collection(store, catalog_.users(), settings_.targets)),
      groups_(group_collection(store, catalog_.groups(), settings_.targets)) {
  for (const auto& token : settings_.tokens) token_digests_.push_back(sha256(token));
}

Service::~Service() = default;

std::mutex& Service::lock_for(const std::string& id) { return id_locks_[std::hash<std::string>{}(id) % id_locks_.size()]; }

QueryLimits Service::query_limits() const { return {settings_.max_results, settings_.filter_limits}; }

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
  server.set_payload_max_length(static_cast<size_t>(std::max(settings_.max_body_bytes, settings_.bulk.max_payload_bytes)));
  server.set_tcp_nodelay(true);  // responses go out whole; Nagle would hold their tail for a delayed ACK
  // httplib answers some errors itself (413, 414, 400 on a broken request
  // line, 404 on an unknown path); give those a SCIM body too, leaving bodies
  // our handlers wrote untouched.
  server.set_error_handler(httplib::Server::HandlerWithResponse([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty() || res.status == 304) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 413) return send_error(res, too_large(req)), httplib::Server::HandlerResponse::Handled;
    const std::string detail = res.status == 414 ? "the request URI is too long"
                               : res.status == 414 ? "the request URI is too long"
                               : res.status == 404 ? "no such endpoint"
                                                   : "the request could not be processed";
    send_error(res, {res.status, "", detail});
    return httplib::Server::HandlerResponse::Handled;
  }));

  auto guarded = [this](std::function<void(const httplib::Request&, httplib::Response&)> handler) {
    return [this, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
      if (!authorized(req)) {
        res.set_header("WWW-Authenticate", "Bearer realm=\"idbridge\"");
        send_error(res, {401, "", "a valid bearer token is required"});
        return;
      }
      try {
        handler(req, res);
      } catch (const state::StoreError& e) {
        spdlog::error("scim: {} {}: state store failed: {}", req.method, req.path, e.what());
        send_error(res, {500, "", "the state store failed; the change was not accepted"});
      } catch (const std::exception& e) {
        spdlog::error("scim: {} {}: {}", req.method, req.path, e.what());
        send_error(res, {500, "", "internal error; the change was not accepted"});
      }
    };
  };
  auto on = [&](Collection& c, Handler h) {
    return guarded([this, &c, h](const httplib::Request& req, httplib::Response& res) { (this->*h)(c, req, res); });
  };
  const std::string base = kBasePath;
  for (Collection* c : {users_.get(), groups_.get()}) {
    const std::string all = base + any_case(c->type().endpoint);
    const std::string one = all + R"(/([^/]+))";
    server.Post(all + "/" + any_case(".search"), on(*c, &Service::search));
    server.Post(all + "/?", on(*c, &Service::create));
    server.Get(all + "/?", on(*c, &Service::list));
    server.Get(one, on(*c, &Service::get));
    server.Put(one, on(*c, &Service::replace));
    server.Patch(one, on(*c, &Service::patch));
    server.Delete(one, on(*c, &Service::remove));
  }
  server.Post(base + "/" + any_case(".search"), guarded([this](const auto& req, auto& res) { search_all(req, res); }));
  server.Post(base + any_case("/Bulk"), guarded([this](const auto& req, auto& res) { bulk(req, res); }));

  const Capabilities capabilities{settings_.max_results, settings_.bulk.max_operations, settings_.bulk.max_payload_bytes};
  server.Get(base + any_case("/ServiceProviderConfig"), guarded([capabilities](const auto& req, auto& res) {
               send(res, 200, service_provider_config(capabilities, base_url(req)));
             }));
  auto discovery = [&](const std::string& path, json (*all)(const Catalog&, const std::string&),
                       json (*one)(const Catalog&, const std::string&, const std::string&)) {
    server.Get(base + any_case(path),
               guarded([this, all](const auto& req, auto& res) { send(res, 200, all(catalog_, base_url(req))); }));
    server.Get(base + any_case(path) + R"(/([^/]+))", guarded([this, one, path](const auto& req, auto& res) {
                 json found = one(catalog_, base_url(req), req.matches[1]);
                 if (found.is_null()) return send_error(res, {404, "", path.substr(1) + " '" + std::string(req.matches[1]) + "' not found"});
                 send(res, 200, found);
               }));
  };
  discovery("/ResourceTypes", &resource_types, &resource_type);
  discovery("/Schemas", &schemas, &schema);
}

Service::Outcome Service::create_resource(Collection& c, const json& body, const std::string& base) {
  auto normalized = normalize(c.type(), body);
  if (auto* err = std::get_if<Error>(&normalized)) return *err;
  json& resource = std::get<json>(normalized);

  const auto now = clock_();
  Stored s;
  s.id = new_id();
  s.version = 1;
  if (auto err = c.check_references(resource)) return *err;
  s.resource = with_server_fields(std::move(resource),
                                  {s.id, s.version, rfc3339(now), rfc3339(now), base + c.type().endpoint + "/" + s.id},
                                  c.type());
  if (const auto status = c.insert(s, epoch_ms(now)); status != state::WriteStatus::ok) return write_conflict(status);
  spdlog::info("scim: created {} {}", c.type().name, s.id);
  if (c.reaches_targets()) on_change_();
  return Written{201, std::move(s)};
}

Service::Outcome Service::replace_resource(Collection& c, const std::string& id, const json& body,
                                           const std::optional<std::string>& if_match, const std::string& base) {
  auto normalized = normalize(c.type(), body);
  if (auto* err = std::get_if<Error>(&normalized)) return *err;

  std::lock_guard lock(lock_for(id));
  const auto existing = c.get(id);
  if (!existing) return write_conflict(state::WriteStatus::not_found);
  if (auto err = check_if_match(if_match, existing->version)) return *err;
  json& resource = std::get<json>(normalized);
  if (auto err = keep_immutable(c.type(), existing->resource, resource, Omitted::keep)) return *err;
  return write_new_version(c, *existing, std::move(resource), "replaced", base);
}

Service::Outcome Service::patch_resource(Collection& c, const std::string& id, const json& body,
                                         const std::optional<std::string>& if_match, const std::string& base) {
  std::lock_guard lock(lock_for(id));
  const auto existing = c.get(id);
  if (!existing) return write_conflict(state::WriteStatus::not_found);
  if (auto err = check_if_match(if_match, existing->version)) return *err;
  auto patched = apply_patch(c.type(), existing->resource, body);
  if (auto* err = std::get_if<Error>(&patched)) return *err;
  auto normalized = normalize(c.type(), std::get<json>(patched));
  if (auto* err = std::get_if<Error>(&normalized)) return *err;
  json& resource = std::get<json>(normalized);
  // A PATCH that changes nothing (IdPs resend what they sent) writes nothing.
  if (resource == std::get<json>(normalize(c.type(), existing->resource))) return Written{200, *existing};
  if (auto err = keep_immutable(c.type(), existing->resource, resource, Omitted::refuse)) return *err;
  return write_new_version(c, *existing, std::move(resource), "patched", base);
}

Service::Outcome Service::write_new_version(Collection& c, const Stored& existing, json resource, const char* verb,
                                            const std::string& base) {
  if (auto err = c.check_references(resource)) return *err;
  const auto now = clock_();
  Stored s;
  s.id = existing.id;
  s.version = existing.version + 1;
  const json& meta = existing.resource["meta"];
  s.resource = with_server_fields(std::move(resource),
                                  {s.id, s.version, meta.value("created", rfc3339(now)), rfc3339(now),
                                   meta.value("location", base + c.type().endpoint + "/" + s.id)},
                                  c.type());
  if (const auto status = c.replace(s, epoch_ms(now)); status != state::WriteStatus::ok) return write_conflict(status);
  spdlog::info("scim: {} {} {} (version {})", verb, c.type().name, s.id, s.version);
  if (c.reaches_targets()) on_change_();
  return Written{200, std::move(s)};
}

Service::Outcome Service::remove_resource(Collection& c, const std::string& id,
                                          const std::optional<std::string>& if_match) {
  std::lock_guard lock(lock_for(id));
  if (if_match) {
    const auto existing = c.get(id);
    if (!existing) return write_conflict(state::WriteStatus::not_found);
    if (auto err = check_if_match(if_match, existing->version)) return *err;
  }
  if (const auto status = c.remove(id, epoch_ms(clock_())); status != state::WriteStatus::ok) {
    return write_conflict(status);
  }
  spdlog::info("scim: deleted {} {}", c.type().name, id);
  if (c.reaches_targets()) on_change_();
  return Written{204, Stored{id, 0, json()}};
}

bool Service::is_bulk(const httplib::Request& req) {
  constexpr std::string_view kBulk = "/bulk";
  return req.path.size() >= kBulk.size() && iequals(std::string_view(req.path).substr(req.path.size() - kBulk.size()), kBulk);
}

Error Service::too_large(const httplib::Request& req) const {
  return is_bulk(req) ? Error{413, "", "the Bulk request is larger than maxPayloadSize (" +
                                           std::to_string(settings_.bulk.max_payload_bytes) + " bytes)"}
                      : Error{413, "", "the request body is larger than the limit of " +
                                           std::to_string(settings_.max_body_bytes) + " bytes"};
}

std::optional<json> Service::parse_body(const httplib::Request& req, httplib::Response& res) const {
  // The server admits bodies up to the larger of the two limits, as it reads
  // them before routing.
  const int64_t limit = is_bulk(req) ? settings_.bulk.max_payload_bytes : settings_.max_body_bytes;
  if (static_cast<int64_t>(req.body.size()) > limit) {
    send_error(res, too_large(req));
    return std::nullopt;
  }
  auto body = parse_json_body(req.body);
  if (auto* err = std::get_if<Error>(&body)) {
    send_error(res, *err);
    return std::nullopt;
  }
  return std::get<json>(std::move(body));
}

void Service::create(Collection& c, const httplib::Request& req, httplib::Response& res) {
  if (const auto body = parse_body(req, res)) answer(req, res, create_resource(c, *body, base_url(req)), c, catalog_);
}

void Service::replace(Collection& c, const httplib::Request& req, httplib::Response& res) {
  if (const auto body = parse_body(req, res)) {
    answer(req, res, replace_resource(c, req.matches[1], *body, if_match_of(req), base_url(req)), c, catalog_);
  }
}

void Service::patch(Collection& c, const httplib::Request& req, httplib::Response& res) {
  if (const auto body = parse_body(req, res)) {
    answer(req, res, patch_resource(c, req.matches[1], *body, if_match_of(req), base_url(req)), c, catalog_);
  }
}

void Service::remove(Collection& c, const httplib::Request& req, httplib::Response& res) {
  answer(req, res, remove_resource(c, req.matches[1], if_match_of(req)), c, catalog_);
}

void Service::get(Collection& c, const httplib::Request& req, httplib::Response& res) {
  auto s = c.get(req.matches[1]);
  if (!s) return send_error(res, write_conflict(state::WriteStatus::not_found));
  c.add_computed({&*s});
  if (req.has_header("If-None-Match") && etag_listed(req.get_header_value("If-None-Match"), etag(s->version))) {
    res.status = 304;
    res.set_header("ETag", etag(s->version));
    return;
  }
  send_resource(req, res, 200, *s, catalog_);
}

void Service::bulk(const httplib::Request& req, httplib::Response& res) {
  const auto body = parse_body(req, res);
  if (!body) return;
  auto request = parse_bulk_request(*body, settings_.bulk.max_operations);
  if (auto* err = std::get_if<Error>(&request)) return send_error(res, *err);
  const std::string base = base_url(req);
  send(res, 200, run_bulk(std::get<BulkRequest>(request), [&](const BulkOperation& op) { return execute(op, base); }));
}

BulkOutcome Service::execute(const BulkOperation& op, const std::string& base) {
  const size_t slash = op.path.find('/', 1);
  const std::string endpoint = op.path.substr(0, slash);
  const std::string id = slash == std::string::npos ? "" : op.path.substr(slash + 1);
  Collection* c = nullptr;
  for (Collection* candidate : {users_.get(), groups_.get()}) {
    if (iequals(candidate->type().endpoint, endpoint)) c = candidate;
  }
  if (!c) return BulkOutcome::failed(Error{404, "", "no resource type at '" + endpoint + "'"});
  Outcome outcome = op.method == "POST"    ? create_resource(*c, op.data, base)
                    : op.method == "PUT"   ? replace_resource(*c, id, op.data, op.version, base)
                    : op.method == "PATCH" ? patch_resource(*c, id, op.data, op.version, base)
                                           : remove_resource(*c, id, op.version);
  if (auto* err = std::get_if<Error>(&outcome)) return BulkOutcome::failed(std::move(*err));
  const Written& w = std::get<Written>(outcome);
  if (w.status == 204) return BulkOutcome{204, id, base + c->type().endpoint + "/" + id, "", std::nullopt};
  return BulkOutcome{w.status, w.resource.id, w.resource.resource["meta"]["location"].get<std::string>(),
                     etag(w.resource.version), std::nullopt};
}

void Service::list(Collection& c, const httplib::Request& req, httplib::Response& res) {
  auto query = parse_query(params_of(req), query_limits(), catalog_);
  if (auto* err = std::get_if<Error>(&query)) return send_error(res, *err);
  answer_query({&c}, std::get<Query>(query), res);
}

void Service::search(Collection& c, const httplib::Request& req, httplib::Response& res) {
  const auto body = parse_body(req, res);
  if (!body) return;
  auto query = parse_search_request(*body, query_limits(), catalog_);
  if (auto* err = std::get_if<Error>(&query)) return send_error(res, *err);
  answer_query({&c}, std::get<Query>(query), res);
}

void Service::search_all(const httplib::Request& req, httplib::Response& res) {
  const auto body = parse_body(req, res);
  if (!body) return;
  auto query = parse_search_request(*body, query_limits(), catalog_);
  if (auto* err = std::get_if<Error>(&query)) return send_error(res, *err);
  answer_query({users_.get(), groups_.get()}, std::get<Query>(query), res);
}

void Service::answer_query(const std::vector<Collection*>& collections, const Query& query, httplib::Response& res) {
  std::vector<json> resources;
  for (Collection* c : collections) {
    auto found = c->candidates(query.filter ? &*query.filter : nullptr);
    std::vector<Stored*> all;
    for (auto& s : found) all.push_back(&s);
    c->add_computed(std::move(all));
    for (auto& s : found) resources.push_back(std::move(s.resource));
  }
  send(res, 200, list_response(std::move(resources), query));
}

}  // namespace idb::scim
