#pragma once
// How SCIM groups become group entries on an LDAP target: the `groups:` part
// of that target's mapping.
//
//   groups:
//     dn: "cn={displayName},ou=groups,dc=example,dc=org"  # a template over the SCIM group
//     object_classes: [groupOfNames]                    # the default
//     member_attribute: member                          # member (DNs, the default) | memberUid
//     member_value: uid                                 # memberUid only: the account attribute it holds
//     attributes:                                       # more attributes, templates over the group
//       gidNumber: "{urn:example:params:scim:schemas:extension:posix:2.0:Group:gidNumber}"
//       joinToken: {template: "{externalId}", secret: true}  # secret: as a user rule's (mapping/rule_secret.h)
//
// Compiled once at load time; rendering is pure.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/diagnostic.h"
#include "mapping/attributes.h"
#include "mapping/template.h"
#include "mapping/user_view.h"

namespace idb::mapping {

struct GroupMapping {
  Template dn;
  Values object_classes{"groupOfNames"};
  std::string member_attribute = "member";
  // "dn": a member is its account's DN (and a nested group its group's DN);
  // otherwise the account attribute whose value names the member (uid for memberUid).
  std::string member_value = "dn";
  std::map<std::string, Template, CaseInsensitiveLess> attributes;
  // Which of them hold secrets: what the plan's group entries and the audit
  // log ask before they show or record a value.
  SecretAttributes secrets;
  AttributeSlots slots;
  Escape dn_escape;

  // The group's DN, or nullopt when the template needs a value the group lacks.
  std::optional<std::string> render_dn(const nlohmann::json& group) const;
  // The extra attributes for `group` (one value each; absent when a template lacks a value).
  Attributes render_attributes(const nlohmann::json& group) const;
  // Whether a group with no members can exist (groupOfNames needs one).
  bool may_be_empty() const;
};

// Reads the `groups:` node of target `context`; problems go to `errors` as FILE:LINE:COL.
std::optional<GroupMapping> parse_group_mapping(const YAML::Node& node, const std::string& file,
                                                const std::string& context, Escape dn_escape,
                                                std::vector<diag::Diagnostic>& errors);

}  // namespace idb::mapping
