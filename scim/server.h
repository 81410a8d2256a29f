#pragma once
// The SCIM 2.0 endpoint (/scim/v2): HTTP in, durable state out. A write is
// answered only after the resource (and, for users, its outbox entries) is
// committed.
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "scim/collection.h"
#include "scim/query.h"
#include "state/store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace idb::scim {

inline constexpr const char* kBasePath = "/scim/v2";

struct BulkLimits {
  size_t max_operations = 1000;           // ServiceProviderConfig bulk.maxOperations
  int64_t max_payload_bytes = 1 << 20;   // bulk.maxPayloadSize
};

struct ServiceSettings {
  std::vector<std::string> tokens;  // accepted bearer tokens (secret values)
  int64_t max_body_bytes = 1 << 20;
  std::vector<std::string> targets;  // every user change is enqueued for each of these
  size_t max_results = 200;          // the most resources one list response holds
  FilterLimits filter_limits;        // filter text length and nesting
  BulkLimits bulk;
  std::vector<CustomExtension> extensions;  // configured extension schemas
};

// A write that succeeded: 201 (created), 200, or 204 (deleted: only the id is set).
struct Written {
  int status;
  Stored resource;
};

struct BulkOperation;
struct BulkOutcome;

class Service {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  using OnChange = std::function<void()>;

  Service(state::Store& store, ServiceSettings settings, OnChange on_change,
          Clock clock = [] { return std::chrono::system_clock::now(); });
  ~Service();

  // Registers the SCIM routes (and the SCIM-shaped error handler) on `server`.
  void mount(httplib::Server& server);

 private:
  using Handler = void (Service::*)(Collection&, const httplib::Request&, httplib::Response&);
  bool authorized(const httplib::Request& req) const;
  QueryLimits query_limits() const;

  using Outcome = std::variant<Written, Error>;
  // The writes, as HTTP requests and Bulk operations share them; each is
  // durable before it returns.
  Outcome create_resource(Collection& c, const nlohmann::json& body, const std::string& base);
  Outcome replace_resource(Collection& c, const std::string& id, const nlohmann::json& body,
                           const std::optional<std::string>& if_match, const std::string& base);
  Outcome patch_resource(Collection& c, const std::string& id, const nlohmann::json& body,
                         const std::optional<std::string>& if_match, const std::string& base);
  Outcome remove_resource(Collection& c, const std::string& id, const std::optional<std::string>& if_match);
  // Stores `resource` (already normalised) as the new version of `existing`.
  Outcome write_new_version(Collection& c, const Stored& existing, nlohmann::json resource, const char* verb,
                            const std::string& base);
  BulkOutcome execute(const BulkOperation& op, const std::string& base);

  // The request's JSON body, or nullopt after answering with the error.
  std::optional<nlohmann::json> parse_body(const httplib::Request& req, httplib::Response& res) const;
  // A Bulk request has its own size limit (maxPayloadSize).
  static bool is_bulk(const httplib::Request& req);
  Error too_large(const httplib::Request& req) const;

  void create(Collection& c, const httplib::Request& req, httplib::Response& res);
  void get(Collection& c, const httplib::Request& req, httplib::Response& res);
  void replace(Collection& c, const httplib::Request& req, httplib::Response& res);
  void patch(Collection& c, const httplib::Request& req, httplib::Response& res);
  void remove(Collection& c, const httplib::Request& req, httplib::Response& res);
  void list(Collection& c, const httplib::Request& req, httplib::Response& res);
  void search(Collection& c, const httplib::Request& req, httplib::Response& res);
  void search_all(const httplib::Request& req, httplib::Response& res);
  void bulk(const httplib::Request& req, httplib::Response& res);
  void answer_query(const std::vector<Collection*>& collections, const Query& query, httplib::Response& res);

  state::Store& store_;
  ServiceSettings settings_;
  std::vector<std::string> token_digests_;  // SHA-256 of each token, compared in constant time
  OnChange on_change_;
  Clock clock_;
  Catalog catalog_;
  std::unique_ptr<Collection> users_, groups_;
  // A read-modify-write (PUT, PATCH, DELETE with If-Match) of one resource
  // must not interleave with another of the same resource; writes of
  // different resources run together, so the store can commit them as a group.
  std::mutex& lock_for(const std::string& id);
  std::array<std::mutex, 64> id_locks_;
};

}  // namespace idb::scim
