// Runs the five faithful local cloud servers for a demo of examples/cloud.yaml:
// prints the environment that config needs (shell `export` lines, the
// servers' own test credentials), then serves until SIGINT or SIGTERM.
#include <signal.h>

#include <cstdio>

#include "tests/cloud/servers/authing_server.h"
#include "tests/cloud/servers/eiam_server.h"
#include "tests/cloud/servers/huawei_server.h"
#include "tests/cloud/servers/pds_server.h"
#include "tests/cloud/servers/sensecore_server.h"

int main() {
  using namespace idb::test::cloud;
  sigset_t stop;
  sigemptyset(&stop);
  sigaddset(&stop, SIGINT);
  sigaddset(&stop, SIGTERM);
  // Blocked before the server threads start, so they inherit the mask and sigwait() below gets the signal.
  pthread_sigmask(SIG_BLOCK, &stop, nullptr);

  AuthingServer authing;
  PdsServer pds;
  EiamServerOptions eiam_options;
  eiam_options.instance_id = "idaas_ue2jvisn35ea5lmthk267xxxxx";
  EiamServer eiam(eiam_options);
  HuaweiServer huawei;
  SenseCoreServer sensecore;
  authing.start(), pds.start(), eiam.start(), huawei.start(), sensecore.start();

  const AuthingServerOptions a;
  const PdsServerOptions p;
  const HuaweiServerOptions h;
  const SenseCoreServerOptions c;
  std::printf("export IDBRIDGE_AUTHING_URL=%s\n", authing.base_url().c_str());
  std::printf("export IDBRIDGE_AUTHING_POOL=%s IDBRIDGE_AUTHING_SECRET=%s\n", a.access_key_id.c_str(),
              a.access_key_secret.c_str());
  std::printf("export IDBRIDGE_PDS_URL=%s\n", pds.base_url().c_str());
  std::printf("export IDBRIDGE_ALIYUN_AK=%s IDBRIDGE_ALIYUN_SECRET=%s\n", p.access_key_id.c_str(),
              p.access_key_secret.c_str());
  std::printf("export IDBRIDGE_EIAM_URL=%s\n", eiam.base_url().c_str());
  std::printf("export IDBRIDGE_HUAWEI_URL=%s\n", huawei.base_url().c_str());
  std::printf("export IDBRIDGE_HUAWEI_AK=%s IDBRIDGE_HUAWEI_SECRET=%s\n", h.access_key_id.c_str(),
              h.access_key_secret.c_str());
  std::printf("export IDBRIDGE_SENSECORE_URL=%s\n", sensecore.base_url().c_str());
  std::printf("export IDBRIDGE_SENSECORE_AK=%s IDBRIDGE_SENSECORE_SECRET=%s\n", c.access_key_id.c_str(),
              c.access_key_secret.c_str());
  std::fflush(stdout);

  int signal = 0;
  sigwait(&stop, &signal);
  return 0;
}
