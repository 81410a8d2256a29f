#pragma once
// A datagram socket playing systemd's notify socket in tests.
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <string>

namespace idb::test {

class NotifySocket {
 public:
  // abstract: a Linux abstract-namespace name ("@..."), else a path in the temp folder.
  explicit NotifySocket(bool abstract) {
    const std::string name = "idb-notify-" + std::to_string(::getpid()) + "-" + std::to_string(++counter());
    path_ = abstract ? "@" + name : (std::filesystem::temp_directory_path() / name).string();
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) throw std::runtime_error("socket");
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::memcpy(addr.sun_path, path_.data(), path_.size());
    if (abstract) addr.sun_path[0] = '\0';
    if (!abstract) std::filesystem::remove(path_);
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), offsetof(sockaddr_un, sun_path) + path_.size()) != 0)
      throw std::runtime_error("bind " + path_);
    timeval tv{20, 0};  // a daemon that never reports fails the test instead of hanging it
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }
  ~NotifySocket() {
    ::close(fd_);
    if (path_[0] != '@') std::filesystem::remove(path_);
  }
  const std::string& address() const { return path_; }
  // The next datagram, or "" after the timeout.
  std::string receive() {
    char buf[4096];
    const ssize_t n = ::recv(fd_, buf, sizeof buf, 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
  }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  std::string path_;
  int fd_ = -1;
};

}  // namespace idb::test
