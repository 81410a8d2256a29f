#pragma once
// The compiled form of one target's mapping: what the loader builds and
// TargetMapping evaluates. Internal to mapping/.
#include <memory>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "mapping/group_mapping.h"
#include "mapping/mapping.h"
#include "mapping/transforms.h"
#include "scim/filter.h"

namespace idb::mapping {

// Whatever scim::parse_filter yields on success, so conditions use the one filter engine.
using Filter = std::variant_alternative_t<0, decltype(scim::parse_filter(std::string_view{}))>;

struct Condition {
  std::shared_ptr<const Filter> filter;
  std::string text;  // as written
};

struct Rule {
  using Source = std::variant<Path, Template, Values /*constants*/>;
  struct Alternative {
    Source source;
    std::string text;  // as written, for explanations
  };
  std::string attribute;
  std::string at;                         // FILE:LINE:COL
  std::vector<Alternative> alternatives;  // the first that yields a value wins
  bool all = false;                       // keep every value a path reaches, not only the first
  std::vector<Transform> transforms;
  std::optional<Condition> when;
  Authority authority = Authority::source;
  const AttributeLimits* limits = nullptr;  // points into Compiled::schema; null when undeclared
  bool secret = false;  // `secret:` as written, else what the name says: errors never quote its values
};

struct TargetMapping::Compiled {
  std::string target;
  Template key;
  Escape key_escape;
  Values object_classes;
  std::optional<Condition> scope;
  std::vector<Rule> rules;
  std::vector<size_t> output_order;  // indices of rules, sorted as Attributes sorts their attributes
  std::vector<std::string> managed;
  std::vector<std::string> correlation_keys;
  TargetSchema schema;
  AttributeSlots slots;  // of every path in key and rules
  std::optional<GroupMapping> groups;  // LDAP `groups:`
  SecretAttributes secrets;  // every rule's `secret`
};

}  // namespace idb::mapping
