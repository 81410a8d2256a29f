#include "connectors/cloud/cloud_connector.h"

#include "connectors/cloud/http_options.h"

namespace idb::connectors::cloud {

CloudConnector::CloudConnector(std::string name, const config::HttpSettings& http, bool status_mapped)
    : name_(std::move(name)), client_(name_, http_options(http)), status_mapped_(status_mapped) {}

}  // namespace idb::connectors::cloud
