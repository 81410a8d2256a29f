#pragma once
// systemd's service notification protocol (sd_notify(3)), spoken directly:
// one datagram to the socket named by $NOTIFY_SOCKET. Doing it ourselves
// keeps libsystemd out of the build for four lines of protocol; outside
// systemd (no $NOTIFY_SOCKET) every call does nothing.
#include <chrono>
#include <optional>
#include <string>

namespace idb::daemon {

class SystemdNotifier {
 public:
  // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID once; the daemon
  // keeps one notifier for its whole life.
  SystemdNotifier();

  // Sends e.g. "READY=1\nSTATUS=serving". False when not under systemd or
  // when the datagram could not be sent (systemd then acts on its timeouts).
  bool notify(const std::string& state) const;

  // How often to send WATCHDOG=1: half the unit's WatchdogSec, as sd_watchdog_enabled(3)
  // advises; nullopt when the watchdog is off or meant for another process.
  std::optional<std::chrono::microseconds> watchdog_interval() const { return watchdog_; }

 private:
  std::string socket_;
  std::optional<std::chrono::microseconds> watchdog_;
};

}  // namespace idb::daemon
