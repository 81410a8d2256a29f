#pragma once
// What every cloud connector holds alike: its target's name, one HTTP client
// to the API, and whether the mapping sets the lifecycle field itself.
#include <string>

#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/http/client.h"

namespace idb::connectors::cloud {

class CloudConnector : public Connector {
 public:
  const std::string& name() const override { return name_; }

 protected:
  // Throws std::invalid_argument for a bad base URL.
  CloudConnector(std::string name, const config::HttpSettings& http, bool status_mapped);

  std::string name_;
  http::Client client_;
  bool status_mapped_;
};

}  // namespace idb::connectors::cloud
