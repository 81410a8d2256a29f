#include "scim/discovery.h"

#include "scim/ascii.h"
#include "scim/query.h"
#include "scim/schema.h"

namespace idb::scim {
namespace {

using json = nlohmann::json;

json list_of(json resources) {
  const size_t n = resources.size();
  return {{"schemas", {kListResponseSchema}},
          {"totalResults", n},
          {"startIndex", 1},
          {"itemsPerPage", n},
          {"Resources", std::move(resources)}};
}

json find_by_id(const json& list, const std::string& id) {
  for (const auto& r : list["Resources"]) {
    if (iequals(r["id"].get<std::string>(), id)) return r;
  }
  return nullptr;
}

}  // namespace

json service_provider_config(const Capabilities& c, const std::string& base) {
  return {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"}},
          {"documentationUri", "https://www.rfc-editor.org/rfc/rfc7644"},
          {"patch", {{"supported", true}}},
          {"bulk",
           {{"supported", c.bulk_max_operations > 0},
            {"maxOperations", c.bulk_max_operations},
            {"maxPayloadSize", c.bulk_max_payload_bytes}}},
          {"filter", {{"supported", true}, {"maxResults", c.max_results}}},
          {"changePassword", {{"supported", false}}},
          {"sort", {{"supported", true}}},
          {"etag", {{"supported", true}}},
          {"authenticationSchemes",
           {{{"type", "oauthbearertoken"},
             {"name", "OAuth Bearer Token"},
             {"description", "A bearer token configured for this endpoint, in the Authorization header."},
             {"specUri", "https://www.rfc-editor.org/rfc/rfc6750"},
             {"primary", true}}}},
          {"meta",
           {{"resourceType", "ServiceProviderConfig"}, {"location", base + "/ServiceProviderConfig"}}}};
}

json resource_types(const Catalog& catalog, const std::string& base) {
  json out = json::array();
  for (const ResourceType* t : catalog.types()) {
    out.push_back(resource_type_json(*t, base + "/ResourceTypes/" + t->name));
  }
  return list_of(std::move(out));
}

json schemas(const Catalog& catalog, const std::string& base) {
  json out = json::array();
  for (const Schema* s : catalog.schemas()) {
    out.push_back(schema_json(*s, base + "/Schemas/" + s->id));
  }
  return list_of(std::move(out));
}

json resource_type(const Catalog& catalog, const std::string& base, const std::string& id) {
  return find_by_id(resource_types(catalog, base), id);
}

json schema(const Catalog& catalog, const std::string& base, const std::string& id) {
  return find_by_id(schemas(catalog, base), id);
}

}  // namespace idb::scim
