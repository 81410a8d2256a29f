// Runs the five faithful local cloud servers for a demo of examples/cloud.yaml:
// prints the environment that config needs (shell `export` lines, the
// servers' own test credentials), then serves until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>

#include "tests/cloud/servers/example_servers.h"

int main() {
  using namespace idb::test::cloud;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  // Blocked before the server threads start, so they inherit the mask and sigwait() below gets the signal.
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  const ExampleServers servers;
  for (const auto& [name, value] : example_environment(servers.urls())) {
    std::printf("export %s=%s\n", name.c_str(), value.c_str());
  }
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop, &signal);
  return 0;
}
