// How the SCIM endpoint listens: a burst of clients connecting at once is
// queued rather than dropped, and a taken port is an error.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <httplib.h>

#include "scim/listener.h"

namespace {

// A non-blocking connect to 127.0.0.1:port; the handshake completes without
// the server accepting, as long as its backlog has room.
int start_connect(int port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  return fd;
}

bool established(int fd) {
  pollfd p{fd, POLLOUT, 0};
  if (::poll(&p, 1, 200) != 1) return false;
  int error = 0;
  socklen_t size = sizeof error;
  return ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0 && error == 0;
}

// Lets the server accept what is queued (the peers have gone), then stops it.
void shut(httplib::Server& server) {
  std::thread loop([&server] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  server.stop();
  loop.join();
}

TEST(Listener, QueuesABurstOfConnectionsTheServerHasNotAcceptedYet) {
  auto server = idb::scim::make_http_server({});
  const int port = idb::scim::bind_listener(*server, "127.0.0.1", 0);
  ASSERT_GT(port, 0);
  // Nothing accepts yet, as when every thread is busy: httplib's own backlog
  // of 5 would drop the other SYNs, and those clients would retry a second later.
  constexpr int kClients = 32;
  std::vector<int> fds;
  for (int i = 0; i < kClients; ++i) fds.push_back(start_connect(port));
  int connected = 0;
  for (int fd : fds) connected += established(fd) ? 1 : 0;
  EXPECT_EQ(connected, kClients);
  for (int fd : fds) ::close(fd);
  shut(*server);
}

TEST(Listener, RefusesAPortAnotherListenerHolds) {
  auto first = idb::scim::make_http_server({});
  const int port = idb::scim::bind_listener(*first, "127.0.0.1", 0);
  ASSERT_GT(port, 0);
  auto second = idb::scim::make_http_server({});
  EXPECT_EQ(idb::scim::bind_listener(*second, "127.0.0.1", port), -1);
  shut(*first);
}

}  // namespace
