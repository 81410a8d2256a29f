#pragma once
// The SCIM 2.0 endpoint (/scim/v2): HTTP in, durable state out. A write is
// answered only after the user and its outbox entries are committed.
#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "state/store.h"

namespace httplib {
class Server;
struct Request;
struct Response;
}  // namespace httplib

namespace idb::scim {

inline constexpr const char* kBasePath = "/scim/v2";

struct ServiceSettings {
  std::vector<std::string> tokens;  // accepted bearer tokens (secret values)
  int64_t max_body_bytes = 1 << 20;
  std::vector<std::string> targets;  // every change is enqueued for each of these
};

class Service {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;
  using OnChange = std::function<void()>;

  Service(state::Store& store, ServiceSettings settings, OnChange on_change,
          Clock clock = [] { return std::chrono::system_clock::now(); });

  // Registers the SCIM routes (and the SCIM-shaped error handler) on `server`.
  void mount(httplib::Server& server);

 private:
  bool authorized(const httplib::Request& req) const;
  void create_user(const httplib::Request& req, httplib::Response& res);
  void get_user(const httplib::Request& req, httplib::Response& res);
  void replace_user(const httplib::Request& req, httplib::Response& res);
  void delete_user(const httplib::Request& req, httplib::Response& res);
  void list_users(const httplib::Request& req, httplib::Response& res);

  state::Store& store_;
  ServiceSettings settings_;
  std::vector<std::string> token_digests_;  // SHA-256 of each token, compared in constant time
  OnChange on_change_;
  Clock clock_;
  std::mutex write_mu_;  // a read-modify-write (PUT) must not interleave with another write
};

}  // namespace idb::scim
