#pragma once
// The mapping file: for each target, how a canonical SCIM user becomes that
// target's account (key + attributes). Compiled once at load time into pure
// functions of the user; no I/O, no clock.
//
//   targets:
//     ldap:
//       dn: "uid={userName},ou=people,dc=example,dc=org"
//       object_classes: [inetOrgPerson]
//       attributes:
//         uid: userName                              # a SCIM attribute path
//         cn: ["{name.givenName} {name.familyName}", displayName, userName]  # first that has a value
//         mail: 'emails[primary eq true].value'
//         o: {value: Example Org}                    # a constant
//         ou: {from: groups.display, all: true}      # every value, not just the first
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostic.h"
#include "mapping/attributes.h"
#include "mapping/template.h"

namespace idb::mapping {

// What the mapping needs to know of a configured target.
struct TargetRef {
  std::string name;
  std::string type;   // "ldap": the account key is written `dn:` (with object_classes); others write `key:`
  Escape key_escape;  // applied to values substituted into the key template (RFC 4514 for LDAP)
};

// One account as the source wants it on one target.
struct Desired {
  std::string key;
  Attributes attributes;  // every managed attribute; an empty list means "must be absent"
};

class TargetMapping {
 public:
  struct Rule;  // defined in mapping.cpp
  TargetMapping(std::string target, Template key, Escape key_escape, std::vector<std::string> object_classes,
                std::vector<std::pair<std::string, std::shared_ptr<const Rule>>> rules);

  // The account for `user`, or a message saying why it cannot be built (e.g. the
  // key template needs an attribute the user lacks).
  std::variant<Desired, std::string> apply(const nlohmann::json& user) const;

  // The target attributes this mapping manages, objectClass included.
  const std::vector<std::string>& managed_attributes() const { return managed_; }
  const std::string& target() const { return target_; }

 private:
  std::string target_;
  Template key_;
  Escape key_escape_;
  std::vector<std::string> object_classes_;
  std::vector<std::pair<std::string, std::shared_ptr<const Rule>>> rules_;
  std::vector<std::string> managed_;
};

struct LoadResult {
  std::map<std::string, TargetMapping> targets;  // complete only when errors is empty
  std::vector<diag::Diagnostic> errors;
};

// Parses mapping YAML text; `file` names it in diagnostics. Every configured
// target needs a mapping and every mapping a configured target.
LoadResult parse(const std::string& yaml, const std::string& file, const std::vector<TargetRef>& targets);
LoadResult load(const std::filesystem::path& file, const std::vector<TargetRef>& targets);

}  // namespace idb::mapping
