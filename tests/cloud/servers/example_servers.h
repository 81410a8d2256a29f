#pragma once
// The local servers as examples/cloud.yaml expects them, and the environment
// that config reads: each server's address and its own test credentials.
// Shared by the cloud_servers demo program and the example tests, so the two
// can never disagree about what the example needs.
#include <map>
#include <string>

#include "tests/cloud/servers/authing_server.h"
#include "tests/cloud/servers/eiam_server.h"
#include "tests/cloud/servers/huawei_server.h"
#include "tests/cloud/servers/pds_server.h"
#include "tests/cloud/servers/sensecore_server.h"

namespace idb::test::cloud {

// examples/cloud.yaml's EIAM instance, which the local server must serve.
inline constexpr const char* kExampleEiamInstance = "idaas_ue2jvisn35ea5lmthk267xxxxx";

// Base URLs; an empty one leaves that variable out (a test runs one server).
struct ExampleUrls {
  std::string authing, pds, eiam, huawei, sensecore;
};

// IDBRIDGE_* variables of examples/cloud.yaml (the SCIM token excepted).
std::map<std::string, std::string> example_environment(const ExampleUrls& urls);

// All five servers, started.
struct ExampleServers {
  ExampleServers();
  ExampleUrls urls() const;

  AuthingServer authing;
  PdsServer pds;
  EiamServer eiam;
  HuaweiServer huawei;
  SenseCoreServer sensecore;
};

}  // namespace idb::test::cloud
