#pragma once
// The shell every faithful local server runs in: an HTTP server on 127.0.0.1
// (a free port) in its own thread, whose routes can be told to misbehave the
// way real services do: answer 429/5xx, answer slowly, or drop the connection
// before or after acting on the request.
#include <httplib.h>

#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace idb::test::cloud {

struct Fault {
  enum class Kind { status, slow, drop };
  Kind kind = Kind::status;
  int status = 503;                // Kind::status
  std::string retry_after;         // Kind::status: a Retry-After header when not empty
  int delay_ms = 0;                // Kind::slow: wait before acting
  bool after_processing = false;   // Kind::drop: act on the request, then drop the response
  std::string path;                // only requests to this path; "" = any

  static Fault status_code(int status, std::string retry_after = "") {
    return {Kind::status, status, std::move(retry_after), 0, false, ""};
  }
  static Fault slow(int delay_ms) { return {Kind::slow, 0, "", delay_ms, false, ""}; }
  static Fault drop(bool after_processing) { return {Kind::drop, 0, "", 0, after_processing, ""}; }
  Fault on(std::string only_path) && {
    path = std::move(only_path);
    return std::move(*this);
  }
};

// A certificate and key (PEM files) to serve HTTPS with.
struct Tls {
  std::string cert_file;
  std::string key_file;
};

class Loopback {
 public:
  // Builds the API's error body for an injected status (its real error shape).
  using ErrorBody = std::function<std::string(int status)>;
  using Handler = std::function<void(const httplib::Request&, httplib::Response&)>;

  // Plain HTTP, or HTTPS with `tls` (throws std::runtime_error when its files do not load).
  explicit Loopback(ErrorBody error_body, const std::optional<Tls>& tls = std::nullopt);
  ~Loopback();
  Loopback(const Loopback&) = delete;
  Loopback& operator=(const Loopback&) = delete;

  // Routes are added before start(). `method` is GET POST PUT PATCH DELETE.
  void route(const std::string& method, const std::string& pattern, Handler handler);
  void start();
  void stop();

  int port() const { return port_; }
  std::string base_url() const { return (tls_ ? "https" : "http") + std::string("://127.0.0.1:") + std::to_string(port_); }

  // The next `times` matching requests get `fault`, in the order added.
  void inject(const Fault& fault, int times = 1);
  int requests() const;  // handled so far, faulty ones included
  // How many of them were `method` on exactly `path` (no query).
  int requests(const std::string& method, const std::string& path) const;

 private:
  std::optional<Fault> take(const httplib::Request& request);

  ErrorBody error_body_;
  bool tls_;
  std::unique_ptr<httplib::Server> server_;
  std::thread thread_;
  int port_ = 0;
  mutable std::mutex mutex_;
  std::deque<Fault> faults_;
  std::vector<std::string> seen_;  // "METHOD path" of each request
};

}  // namespace idb::test::cloud
