#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

#include <spdlog/spdlog.h>

namespace idb::daemon {
namespace {

std::optional<long long> env_number(const char* name) {
  const char* text = std::getenv(name);
  if (!text || !*text) return std::nullopt;
  char* end = nullptr;
  const long long n = std::strtoll(text, &end, 10);
  if (*end != '\0' || n <= 0) return std::nullopt;
  return n;
}

}  // namespace

SystemdNotifier::SystemdNotifier() {
  if (const char* s = std::getenv("NOTIFY_SOCKET")) socket_ = s;
  // WATCHDOG_PID names the process meant to ping; a child we spawned must not.
  const auto pid = env_number("WATCHDOG_PID");
  const auto usec = env_number("WATCHDOG_USEC");
  if (usec && (!pid || *pid == ::getpid())) watchdog_ = std::chrono::microseconds(*usec / 2);
}

bool SystemdNotifier::notify(const std::string& state) const {
  // Absolute paths and '@' (Linux abstract namespace) are the two forms systemd uses.
  if (socket_.empty() || (socket_[0] != '/' && socket_[0] != '@')) return false;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_.size() >= sizeof addr.sun_path) {
    spdlog::warn("NOTIFY_SOCKET is longer than a socket path may be; systemd is not told our state");
    return false;
  }
  std::memcpy(addr.sun_path, socket_.data(), socket_.size());
  if (addr.sun_path[0] == '@') addr.sun_path[0] = '\0';
  const socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + socket_.size());

  const int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  const ssize_t sent = ::sendto(fd, state.data(), state.size(), MSG_NOSIGNAL, reinterpret_cast<sockaddr*>(&addr), len);
  const int err = errno;
  ::close(fd);
  if (sent != static_cast<ssize_t>(state.size())) {
    spdlog::warn("cannot notify systemd at {}: {}", socket_, std::strerror(err));
    return false;
  }
  return true;
}

}  // namespace idb::daemon
