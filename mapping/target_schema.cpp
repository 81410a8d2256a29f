#include "mapping/target_schema.h"

#include <algorithm>

#include "mapping/utf8.h"

namespace idb::mapping {
namespace {

bool integer(const std::string& v) {
  const size_t digits = v[0] == '-' ? 1 : 0;
  return v.size() > digits && std::all_of(v.begin() + digits, v.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::optional<std::string> check_value(const AttributeLimits& limits, const std::string& v, bool secret) {
  // Made only for a reason: most values pass.
  const auto shown = [&] { return secret ? std::string("the value (a secret, not shown)") : "'" + v + "'"; };
  if (limits.type == AttributeLimits::Type::integer && !integer(v)) return shown() + " is not an integer";
  if (limits.type == AttributeLimits::Type::boolean && v != "TRUE" && v != "FALSE") {
    return shown() + " is not a boolean (TRUE or FALSE)";
  }
  if (limits.max_length) {
    if (const size_t n = utf8::length(v); n > *limits.max_length) {
      return shown() + " is " + std::to_string(n) + " characters long; at most " + std::to_string(*limits.max_length) +
             " fit";
    }
  }
  if (!limits.allowed.empty() && std::find(limits.allowed.begin(), limits.allowed.end(), v) == limits.allowed.end()) {
    std::string known;
    for (const auto& a : limits.allowed) known += (known.empty() ? "" : ", ") + a;
    return shown() + " is not one of the allowed values (" + known + ")";
  }
  return std::nullopt;
}

std::optional<std::string> check_values(const AttributeLimits& limits, const Values& values, bool secret) {
  if (limits.required && values.empty()) return "a value is required";
  if (!limits.multi_valued && values.size() > 1) {
    return std::to_string(values.size()) + " values, but the attribute holds one";
  }
  for (const auto& v : values) {
    if (auto why = check_value(limits, v, secret)) return why;
  }
  return std::nullopt;
}

}  // namespace idb::mapping
