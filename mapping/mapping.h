#pragma once
// The mapping file: for each target, how a canonical SCIM user becomes that
// target's account (key + attributes). Compiled once at load time into pure
// functions of the user; no I/O, no clock. The full language is described in
// examples/mappings/README.md.
//
//   targets:
//     ldap:
//       dn: "uid={userName},ou=people,dc=example,dc=org"
//       object_classes: [inetOrgPerson]
//       scope: 'active eq true and userType eq "Employee"'   # SCIM filter: which users this target receives
//       correlate: [employeeNumber, uid]            # target attributes that find an existing account
//       schema:                                     # what the target accepts
//         uid: {max_length: 64, required: true}
//       attributes:
//         uid: userName                              # a SCIM attribute path
//         cn: ["{name.givenName} {name.familyName}", displayName, userName]  # first that has a value
//         mail: {from: 'emails[primary eq true].value', transform: [trim, lower]}
//         o: {value: Example Org}                    # a constant
//         ou: {from: groups.display, all: true}      # every value, not just the first
//         title: {from: title, when: 'userType eq "Employee"', authoritative: create_only}
//         hrPin: {from: 'urn:example:hr:pin', secret: true}  # never shown or recorded
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/diagnostic.h"
#include "mapping/attributes.h"
#include "mapping/target_schema.h"
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

// A user the target's `scope:` excludes: no account is built for them, and
// what becomes of one idbridge already wrote there is the lifecycle's word
// (the target's `leaving_scope:`), so this is an answer of its own, not an error.
struct OutOfScope {
  std::string scope;  // the filter as written
};

// Who owns an attribute's value when source and target disagree (the reconciler decides with it):
//   source       the mapping's value wins (the default)
//   target       written when the account is created or the attribute is absent; edits on the target win
//   create_only  written only when the account is created
//   manual       never written by idbridge; shown in reports
enum class Authority { source, target, create_only, manual };
const char* to_string(Authority authority);

// How one attribute got its values for one user: what `explain` prints.
struct AttributeTrace {
  std::string attribute;
  std::string rule_at;                  // FILE:LINE:COL of the rule
  Authority authority = Authority::source;
  std::string condition;                // the `when:` filter as written, empty when none
  bool condition_met = true;
  std::string source;                   // the alternative that gave values, as written; empty when none did
  size_t alternative = 0;               // its 1-based position among the alternatives; 0 when none did
  Values found;                         // the values it gave, before transforms
  std::vector<std::string> transforms;  // the steps run, in order
  Values values;                        // the result (empty: the attribute must be absent)
  bool secret = false;                  // its values (found, values) are not to be shown
  std::string error;                    // why this user cannot be mapped, empty when fine
};

struct Explanation {
  std::string target;
  std::string scope;      // the `scope:` filter as written, empty when every user is in scope
  bool in_scope = true;
  std::string key;        // the account key, empty when it cannot be built
  std::vector<AttributeTrace> attributes;
  std::string error;      // why apply() gives no account for this user (out of scope too), empty when it maps
};

struct GroupMapping;  // mapping/group_mapping.h

class TargetMapping {
 public:
  struct Compiled;  // defined in mapping/compiled.h
  explicit TargetMapping(std::shared_ptr<const Compiled> compiled);

  // The account for `user`; OutOfScope when the target's `scope:` excludes
  // the user (nothing else is evaluated then); or a message saying why it
  // cannot be built (the key needs an attribute the user lacks, a transform
  // failed, a value breaks the target's limits).
  std::variant<Desired, OutOfScope, std::string> apply(const nlohmann::json& user) const;
  // The same evaluation, recording how every attribute got its value (of a
  // user out of scope too: what would be written, with `error` saying so).
  Explanation explain(const nlohmann::json& user) const;

  // The target attributes this mapping manages, objectClass included.
  const std::vector<std::string>& managed_attributes() const;
  const std::string& target() const;
  // Ownership of a managed attribute (source when the mapping does not say).
  Authority authority(std::string_view attribute) const;
  // Which attributes hold secrets: what every place that shows or records
  // values asks (plan, explain, conflicts, the audit log).
  const SecretAttributes& secrets() const;
  // Target attributes whose mapped values identify an existing account, in the order to try them.
  const std::vector<std::string>& correlation_keys() const;
  const TargetSchema& schema() const;
  // How SCIM groups become entries on this (LDAP) target; null when the mapping has no `groups:`.
  const GroupMapping* groups() const;

 private:
  std::shared_ptr<const Compiled> compiled_;
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
