#include "tests/cloud/servers/example_servers.h"

namespace idb::test::cloud {
namespace {

EiamServerOptions example_eiam() {
  EiamServerOptions options;
  options.instance_id = kExampleEiamInstance;
  return options;
}

}  // namespace

std::map<std::string, std::string> example_environment(const ExampleUrls& urls) {
  const AuthingServerOptions authing;
  const PdsServerOptions aliyun;  // PDS and EIAM share one Alibaba Cloud key pair in the example
  const HuaweiServerOptions huawei;
  const SenseCoreServerOptions sensecore;
  std::map<std::string, std::string> env{
      {"IDBRIDGE_AUTHING_POOL", authing.access_key_id},   {"IDBRIDGE_AUTHING_SECRET", authing.access_key_secret},
      {"IDBRIDGE_ALIYUN_AK", aliyun.access_key_id},       {"IDBRIDGE_ALIYUN_SECRET", aliyun.access_key_secret},
      {"IDBRIDGE_HUAWEI_AK", huawei.access_key_id},       {"IDBRIDGE_HUAWEI_SECRET", huawei.access_key_secret},
      {"IDBRIDGE_SENSECORE_AK", sensecore.access_key_id}, {"IDBRIDGE_SENSECORE_SECRET", sensecore.access_key_secret},
  };
  const std::pair<const char*, const std::string*> addresses[] = {
      {"IDBRIDGE_AUTHING_URL", &urls.authing}, {"IDBRIDGE_PDS_URL", &urls.pds},
      {"IDBRIDGE_EIAM_URL", &urls.eiam},       {"IDBRIDGE_HUAWEI_URL", &urls.huawei},
      {"IDBRIDGE_SENSECORE_URL", &urls.sensecore}};
  for (const auto& [name, url] : addresses) {
    if (!url->empty()) env[name] = *url;
  }
  return env;
}

ExampleServers::ExampleServers() : eiam(example_eiam()) {
  authing.start(), pds.start(), eiam.start(), huawei.start(), sensecore.start();
}

ExampleUrls ExampleServers::urls() const {
  return {authing.base_url(), pds.base_url(), eiam.base_url(), huawei.base_url(), sensecore.base_url()};
}

}  // namespace idb::test::cloud
