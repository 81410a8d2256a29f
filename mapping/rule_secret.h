#pragma once
// Whether a rule's values are secret, read one way for a mapping's user rules
// and its group rules: the rule's `secret:` as written (true or false), else
// what the attribute's name says (is_secret_attribute). Secret values are
// never shown or recorded (SecretAttributes).
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/diagnostic.h"

namespace idb::mapping {

// `written`: the rule's `secret:` node, null when the rule has none. One that
// is neither true nor false is reported in `errors` (in `file`, under
// `context`) and taken as true: a mistake hides a value rather than shows it.
bool rule_secret(std::string_view attribute, const YAML::Node* written, const std::string& file,
                 const std::string& context, std::vector<diag::Diagnostic>& errors);

}  // namespace idb::mapping
