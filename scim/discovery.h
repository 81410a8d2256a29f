#pragma once
// The discovery endpoints (RFC 7644 §4): /ServiceProviderConfig,
// /ResourceTypes and /Schemas, describing what this endpoint really does.
#include <cstddef>
#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "scim/schema.h"

namespace idb::scim {

struct Capabilities {
  size_t max_results;          // filter.maxResults
  size_t bulk_max_operations;  // 0: Bulk not supported
  int64_t bulk_max_payload_bytes;
};

// `base` is the absolute SCIM base URL ("http://host/scim/v2").
nlohmann::json service_provider_config(const Capabilities& capabilities, const std::string& base);
nlohmann::json resource_types(const Catalog& catalog, const std::string& base);  // a ListResponse
nlohmann::json schemas(const Catalog& catalog, const std::string& base);         // a ListResponse
// One entry of the lists above by its id, or null.
nlohmann::json resource_type(const Catalog& catalog, const std::string& base, const std::string& id);
nlohmann::json schema(const Catalog& catalog, const std::string& base, const std::string& id);

}  // namespace idb::scim
