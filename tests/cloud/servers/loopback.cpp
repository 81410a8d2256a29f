#include "tests/cloud/servers/loopback.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace idb::test::cloud {

namespace {

// Headers (with a Content-Length) go out, the body never does: the client
// sees the connection die mid-response, as when a proxy or the network fails.
void drop(httplib::Response& res) {
  res.body.clear();  // a body, once set, would be sent instead of the provider
  res.set_content_provider(64, "application/json", [](std::size_t, std::size_t, httplib::DataSink&) { return false; });
}

}  // namespace

Loopback::Loopback(ErrorBody error_body, const std::optional<Tls>& tls)
    : error_body_(std::move(error_body)),
      tls_(tls.has_value()),
      server_(tls ? std::make_unique<httplib::SSLServer>(tls->cert_file.c_str(), tls->key_file.c_str())
                  : std::make_unique<httplib::Server>()) {
  if (!server_->is_valid()) throw std::runtime_error("cannot load the TLS certificate " + tls->cert_file);
  server_->set_keep_alive_max_count(1000);
  server_->set_tcp_nodelay(true);
}

Loopback::~Loopback() { stop(); }

void Loopback::route(const std::string& method, const std::string& pattern, Handler handler) {
  auto wrapped = [this, handler = std::move(handler)](const httplib::Request& req, httplib::Response& res) {
    const std::optional<Fault> fault = take(req);
    if (fault && fault->kind == Fault::Kind::status) {
      res.status = fault->status;
      if (!fault->retry_after.empty()) res.set_header("Retry-After", fault->retry_after);
      res.set_content(error_body_(fault->status), "application/json");
      return;
    }
    if (fault && fault->kind == Fault::Kind::slow) std::this_thread::sleep_for(std::chrono::milliseconds(fault->delay_ms));
    if (fault && fault->kind == Fault::Kind::drop && !fault->after_processing) return drop(res);
    handler(req, res);
    if (fault && fault->kind == Fault::Kind::drop) drop(res);
  };
  if (method == "GET") server_->Get(pattern, wrapped);
  else if (method == "POST") server_->Post(pattern, wrapped);
  else if (method == "PUT") server_->Put(pattern, wrapped);
  else if (method == "PATCH") server_->Patch(pattern, wrapped);
  else if (method == "DELETE") server_->Delete(pattern, wrapped);
  else throw std::invalid_argument("unknown method " + method);
}

void Loopback::start() {
  port_ = server_->bind_to_any_port("127.0.0.1");
  if (port_ <= 0) throw std::runtime_error("cannot bind a loopback port");
  thread_ = std::thread([this] { server_->listen_after_bind(); });
  // listen_after_bind() sets "running" only once it is in its accept loop.
  while (!server_->is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
}

void Loopback::stop() {
  if (thread_.joinable()) {
    server_->stop();
    thread_.join();
  }
}

void Loopback::inject(const Fault& fault, int times) {
  std::lock_guard lock(mutex_);
  for (int i = 0; i < times; ++i) faults_.push_back(fault);
}

int Loopback::requests() const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(seen_.size());
}

int Loopback::requests(const std::string& method, const std::string& path) const {
  std::lock_guard lock(mutex_);
  return static_cast<int>(std::count(seen_.begin(), seen_.end(), method + " " + path));
}

std::optional<Fault> Loopback::take(const httplib::Request& request) {
  std::lock_guard lock(mutex_);
  seen_.push_back(request.method + " " + request.path);
  for (auto it = faults_.begin(); it != faults_.end(); ++it) {
    if (it->path.empty() || it->path == request.path) {
      Fault fault = *it;
      faults_.erase(it);
      return fault;
    }
  }
  return std::nullopt;
}

}  // namespace idb::test::cloud
