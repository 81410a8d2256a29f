#pragma once
// A cloud target's configured HTTP settings as the shared client's options.
#include "config/config.h"
#include "connectors/http/client.h"

namespace idb::connectors::cloud {

http::Options http_options(const config::HttpSettings& settings);

}  // namespace idb::connectors::cloud
