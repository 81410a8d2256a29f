#include "connectors/cloud/http_options.h"

#include <algorithm>

namespace idb::connectors::cloud {

http::Options http_options(const config::HttpSettings& s) {
  http::Options o;
  o.base_url = s.base_url;
  o.ca_file = s.ca_file.string();
  o.timeout_ms = s.timeout_ms;
  o.connect_timeout_ms = s.connect_timeout_ms;
  o.rate_per_second = s.rate_limit;
  o.burst = std::max(1, s.rate_limit);  // a second's worth of requests may go at once
  o.max_attempts = s.max_attempts;
  return o;
}

}  // namespace idb::connectors::cloud
