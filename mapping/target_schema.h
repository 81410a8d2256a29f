#pragma once
// What a target accepts per attribute: type, length, allowed values, whether it
// is required and multi-valued. Declared in the mapping file under `schema:`
// (connectors can supply the same type later). Checked at load time on every
// value the mapping is known to be able to produce, and per user at run time.
#include <optional>
#include <string>
#include <vector>

#include "mapping/attributes.h"

namespace idb::mapping {

struct AttributeLimits {
  enum class Type { string, integer, boolean };
  Type type = Type::string;
  std::optional<size_t> max_length;  // in code points
  std::vector<std::string> allowed;  // empty: any value
  bool required = false;             // the account needs a value
  bool multi_valued = false;
};

using TargetSchema = std::map<std::string, AttributeLimits, CaseInsensitiveLess>;

// Why `value` is not acceptable, or nullopt; of a `secret` the reason does
// not quote the value.
std::optional<std::string> check_value(const AttributeLimits& limits, const std::string& value, bool secret = false);
// Why `values` as a whole is not acceptable (count, required, each value), or nullopt.
std::optional<std::string> check_values(const AttributeLimits& limits, const Values& values, bool secret = false);

}  // namespace idb::mapping
