#include "mapping/user_schema.h"

#include <utility>
#include <vector>

#include "scim/ascii.h"

namespace idb::mapping {
namespace {

constexpr const char* kEnterpriseUrn = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

using Schema = std::vector<std::pair<const char*, std::vector<const char*>>>;  // attribute -> sub-attributes

const Schema& core() {
  static const std::vector<const char*> kMulti = {"value", "display", "type", "primary"};
  static const Schema kCore = {
      {"id", {}},
      {"externalId", {}},
      {"meta", {"resourceType", "created", "lastModified", "location", "version"}},
      {"userName", {}},
      {"name", {"formatted", "familyName", "givenName", "middleName", "honorificPrefix", "honorificSuffix"}},
      {"displayName", {}},
      {"nickName", {}},
      {"profileUrl", {}},
      {"title", {}},
      {"userType", {}},
      {"preferredLanguage", {}},
      {"locale", {}},
      {"timezone", {}},
      {"active", {}},
      {"password", {}},
      {"emails", kMulti},
      {"phoneNumbers", kMulti},
      {"ims", kMulti},
      {"photos", kMulti},
      {"addresses",
       {"formatted", "streetAddress", "locality", "region", "postalCode", "country", "type", "primary"}},
      {"groups", {"value", "$ref", "display", "type"}},
      {"entitlements", kMulti},
      {"roles", kMulti},
      {"x509Certificates", kMulti},
  };
  return kCore;
}

const Schema& enterprise() {
  static const Schema kEnterprise = {
      {"employeeNumber", {}}, {"costCenter", {}}, {"organization", {}}, {"division", {}}, {"department", {}},
      {"manager", {"value", "$ref", "displayName"}},
  };
  return kEnterprise;
}

std::string known(const std::vector<const char*>& names) {
  std::string out;
  for (const char* n : names) out += (out.empty() ? "" : ", ") + std::string(n);
  return out;
}

}  // namespace

std::optional<std::string> check_user_path(const scim::AttributePath& path) {
  const Schema* schema = &core();
  std::string where = "the SCIM User schema";
  if (!path.schema.empty()) {
    if (!scim::iequals(path.schema, kEnterpriseUrn)) return std::nullopt;
    schema = &enterprise();
    where = "the enterprise User extension";
  }
  for (const auto& [name, subs] : *schema) {
    if (!scim::iequals(name, path.names[0])) continue;
    if (path.names.size() == 1) return std::nullopt;
    for (const char* sub : subs) {
      if (scim::iequals(sub, path.names[1])) return std::nullopt;
    }
    if (subs.empty()) return "'" + std::string(name) + "' has no sub-attributes";
    return "'" + std::string(name) + "' has no sub-attribute '" + path.names[1] + "' (known: " + known(subs) + ")";
  }
  return "unknown attribute '" + path.names[0] + "' in " + where +
         (path.schema.empty() ? " (an attribute of your own needs its extension URN)" : "");
}

}  // namespace idb::mapping
