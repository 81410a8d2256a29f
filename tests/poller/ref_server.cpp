#include "tests/poller/ref_server.h"

#include <signal.h>

#include <chrono>
#include <stdexcept>
#include <thread>

namespace idb::test {

using json = nlohmann::json;

namespace {

json answer(const httplib::Result& res, int status, const std::string& what) {
  if (!res || res->status != status) {
    throw std::runtime_error("reference server: " + what + " failed: " + (res ? res->body : "no response"));
  }
  return res->body.empty() ? json() : json::parse(res->body);
}

}  // namespace

RefServer::RefServer(const std::filesystem::path& dir, int seed_users)
    : log_(dir / "ref-server.log"), requests_(dir / "ref-requests.log"), port_(free_port()) {
  process_ = std::make_unique<Process>(
      std::vector<std::string>{IDB_NODE, IDB_REF_SERVER, "--port", std::to_string(port_), "--token", kToken,
                               "--seed-users", std::to_string(seed_users), "--log", requests_.string()},
      std::map<std::string, std::string>{}, log_);
  // Bounded so a broken install fails the test instead of hanging it.
  for (int i = 0; i < 300 && read_file(log_).find("READY") == std::string::npos && process_->running(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (read_file(log_).find("READY") == std::string::npos) {
    throw std::runtime_error("the reference SCIM server did not start: " + read_file(log_));
  }
  client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
  client_->set_bearer_token_auth(kToken);
}

bool RefServer::logged(const std::string& text) const {
  for (int i = 0; i < 100; ++i) {
    if (requests().find(text) != std::string::npos) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

RefServer::~RefServer() { process_->stop(SIGTERM); }

json RefServer::users() { return answer(client_->Get("/scim/v2/Users?count=1000"), 200, "listing users")["Resources"]; }

std::string RefServer::create(const std::string& user_name) {
  const json body = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}},
                     {"userName", user_name},
                     {"active", true},
                     {"name", {{"givenName", "New"}, {"familyName", user_name}}}};
  return answer(client_->Post("/scim/v2/Users", body.dump(), "application/scim+json"), 201, "create")["id"];
}

void RefServer::set_display_name(const std::string& id, const std::string& name) {
  const json body = {{"schemas", {"urn:ietf:params:scim:api:messages:2.0:PatchOp"}},
                     {"Operations", {{{"op", "replace"}, {"path", "displayName"}, {"value", name}}}}};
  answer(client_->Patch("/scim/v2/Users/" + id, body.dump(), "application/scim+json"), 200, "patch");
}

void RefServer::remove(const std::string& id) { answer(client_->Delete("/scim/v2/Users/" + id), 204, "delete"); }

}  // namespace idb::test
