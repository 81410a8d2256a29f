#pragma once
// Transforms: pure steps from the values a rule found to the values it writes,
// chained in the order written (`transform: [trim, upper, {truncate: 64}]`).
// Each step sees every value (so split/join/default can change how many there
// are); a value that becomes empty counts as no value, like an empty SCIM string.
// A step that cannot handle a value fails with a message; the user then gets a
// per-user error instead of a half-right account.
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "mapping/attributes.h"

namespace idb::mapping {

struct Transform {
  std::string text;  // as written, for explanations and errors: "truncate: 64"
  std::function<std::optional<std::string>(Values&)> run;  // an error message, or nullopt when done
  // Every value the step can produce whatever its input, when that is a finite
  // set known at load time (lookup tables, boolean -> enum); lets the loader
  // check the target's limits before any user arrives.
  std::optional<Values> outputs;
  // How the step changes the number of values, so the loader knows whether a
  // single-valued target attribute can receive several.
  enum class Count { same_or_fewer, may_grow, at_most_one };
  Count count = Count::same_or_fewer;
};

// Runs `steps` in order over `values`; the first error, prefixed with the step that failed.
// Of a `secret` attribute the error names only the step (transform_name): a
// step's message may quote the value, and its text the arguments.
std::optional<std::string> run_all(const std::vector<Transform>& steps, Values& values, bool secret = false);

// The step's name from its text as written: "default 'x'" -> "default".
std::string_view transform_name(std::string_view text);

// Each factory returns the step, or a message saying why its arguments are wrong.
using Made = std::variant<Transform, std::string>;

Transform lower();     // ASCII letters only; every other character passes unchanged
Transform upper();     // ditto
Transform trim();      // see utf8::trim for the white space removed
Transform sha256();    // lower-case hex of the SHA-256 of the UTF-8 bytes
Made replace(const std::string& pattern, const std::string& with);  // ECMAScript regex, $1 references
Transform split(const std::string& separator);
Transform join(const std::string& separator);
Transform substring(size_t start, size_t length);  // in code points
Transform truncate(size_t max);                    // in code points
Transform default_value(const std::string& value);  // when there is no value at all

enum class Missing { error, keep, drop };
// Replaces each value by its entry in `table`; a value not in it gets `fallback`
// when given, else is kept, dropped or an error as `missing` says.
Transform lookup(std::map<std::string, std::string> table, std::optional<std::string> fallback, Missing missing);

Made date_format(const std::string& from, const std::string& to);
Made phone_e164(const std::string& default_region);

// SCIM booleans reach transforms as TRUE/FALSE; "true"/"false" in any case are accepted too.
Transform boolean(const std::string& if_true, const std::string& if_false);

}  // namespace idb::mapping
