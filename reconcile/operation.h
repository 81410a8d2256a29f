#pragma once
// The operations the planner hands to a connector. They carry only what the
// target must do, never why; the why lives in the plan report.
#include <string>
#include <vector>

#include "mapping/attributes.h"

namespace idb::reconcile {

enum class ChangeKind { add, remove, replace };

// One attribute change inside a modify. `remove` with no values removes the
// whole attribute; `replace` with no values does the same (LDAP semantics).
struct AttributeChange {
  std::string attribute;
  ChangeKind kind;
  mapping::Values values;
  bool operator==(const AttributeChange&) const = default;
};

struct Operation {
  // remove: delete the account at `key` (only when the target's delete policy allows).
  enum class Kind { create, modify, rename, remove };
  Kind kind;
  std::string key;                       // account key: the DN for LDAP
  std::string new_key;                   // rename only: the DN the entry moves to
  mapping::Attributes attributes;        // create only: every attribute of the new account
  std::vector<AttributeChange> changes;  // modify only
  bool operator==(const Operation&) const = default;
};

}  // namespace idb::reconcile
