// The sd_notify protocol spoken to a datagram socket standing in for systemd's.
#include "daemon/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>

#include <gtest/gtest.h>

#include "tests/daemon/notify_socket.h"

using idb::daemon::SystemdNotifier;

namespace {

class Env {
 public:
  Env(const char* name, const std::string& value) : name_(name) { ::setenv(name, value.c_str(), 1); }
  ~Env() { ::unsetenv(name_); }

 private:
  const char* name_;
};

}  // namespace

TEST(SystemdNotify, DoesNothingOutsideSystemd) {
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");
  SystemdNotifier n;
  EXPECT_FALSE(n.notify("READY=1"));
  EXPECT_FALSE(n.watchdog_interval());
}

TEST(SystemdNotify, SendsOneDatagramPerStateToAPathSocket) {
  idb::test::NotifySocket socket(false);
  Env env("NOTIFY_SOCKET", socket.address());
  SystemdNotifier n;
  ASSERT_TRUE(n.notify("READY=1\nSTATUS=serving"));
  ASSERT_TRUE(n.notify("STOPPING=1"));
  EXPECT_EQ(socket.receive(), "READY=1\nSTATUS=serving");
  EXPECT_EQ(socket.receive(), "STOPPING=1");
}

TEST(SystemdNotify, ReachesAnAbstractSocket) {
  idb::test::NotifySocket socket(true);
  ASSERT_EQ(socket.address()[0], '@');
  Env env("NOTIFY_SOCKET", socket.address());
  ASSERT_TRUE(SystemdNotifier().notify("WATCHDOG=1"));
  EXPECT_EQ(socket.receive(), "WATCHDOG=1");
}

TEST(SystemdNotify, AGoneSocketIsAFalseNotACrash) {
  Env env("NOTIFY_SOCKET", "/nonexistent/idbridge-notify");
  EXPECT_FALSE(SystemdNotifier().notify("READY=1"));
}

TEST(SystemdNotify, WatchdogPingsAtHalfTheUnitsInterval) {
  Env usec("WATCHDOG_USEC", "30000000");
  {
    Env pid("WATCHDOG_PID", std::to_string(::getpid()));
    ASSERT_TRUE(SystemdNotifier().watchdog_interval());
    EXPECT_EQ(*SystemdNotifier().watchdog_interval(), std::chrono::seconds(15));
  }
  {
    Env pid("WATCHDOG_PID", std::to_string(::getpid() + 1));  // meant for another process
    EXPECT_FALSE(SystemdNotifier().watchdog_interval());
  }
  EXPECT_TRUE(SystemdNotifier().watchdog_interval());  // no WATCHDOG_PID: ours
  Env bad("WATCHDOG_USEC", "soon");
  EXPECT_FALSE(SystemdNotifier().watchdog_interval());
}
