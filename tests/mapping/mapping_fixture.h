#pragma once
// Builds one-target mappings from YAML for table-driven tests.
#include <string>
#include <variant>
#include <vector>

#include "mapping/mapping.h"

namespace idb::mapping::test {

inline const std::vector<TargetRef> kCloud = {{"t", "cloud", nullptr}};

// All load errors of `yaml` as FILE:LINE:COL: message.
inline std::vector<std::string> errors_of(const std::string& yaml, const std::vector<TargetRef>& targets = kCloud,
                                          const std::string& file = "m.yaml") {
  std::vector<std::string> out;
  for (const auto& e : parse(yaml, file, targets).errors) out.push_back(e.to_string());
  return out;
}

// A mapping of target `t` whose only attribute `out` has `rule` (YAML, one line).
inline std::string one_rule(const std::string& rule) {
  return "targets:\n  t:\n    key: k\n    attributes:\n      out: " + rule + "\n";
}

// The values `rule` gives for `user`, the per-user error, or "load: " + the first load error.
inline std::variant<Values, std::string> map_one(const std::string& rule, const nlohmann::json& user,
                                                 const std::string& file = "m.yaml") {
  auto loaded = parse(one_rule(rule), file, kCloud);
  if (!loaded.errors.empty()) return "load: " + loaded.errors.front().to_string();
  auto result = loaded.targets.at("t").apply(user);
  if (auto* error = std::get_if<std::string>(&result)) return *error;
  return std::get<Desired>(result).attributes.at("out");
}

}  // namespace idb::mapping::test
