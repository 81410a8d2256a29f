#pragma once
// The in-memory reference SCIM server of ../shared/scim-peers (scimmy, under
// node) as a child process on loopback, the upstream every poller test polls.
// Its users are changed through its own SCIM API.
#include <filesystem>
#include <memory>
#include <string>

#include <httplib.h>
#include <nlohmann/json.hpp>

#include "tests/support/process.h"

namespace idb::test {

class RefServer {
 public:
  static constexpr const char* kToken = "ref-server-s3cret-token";

  // Starts it with `seed_users` users (seed.userN@example.com, externalId hr-100N); logs go into `dir`.
  // Throws std::runtime_error when it does not come up.
  RefServer(const std::filesystem::path& dir, int seed_users);
  ~RefServer();

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/scim/v2"; }
  // Every request the server answered, one JSON object a line.
  std::string requests() const { return read_file(requests_); }
  // Whether the request log shows `text`, waiting (bounded) for node to write it out.
  bool logged(const std::string& text) const;

  nlohmann::json users();  // every user, in the server's order
  std::string create(const std::string& user_name);  // the new user's id
  void set_display_name(const std::string& id, const std::string& name);
  void remove(const std::string& id);

 private:
  std::filesystem::path log_, requests_;
  int port_ = 0;
  std::unique_ptr<Process> process_;
  std::unique_ptr<httplib::Client> client_;
};

}  // namespace idb::test
