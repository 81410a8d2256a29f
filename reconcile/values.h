#pragma once
// Set semantics for attribute values: order never matters to a directory.
#include <algorithm>
#include <iterator>

#include "mapping/attributes.h"

namespace idb::reconcile {

// Values of `a` that are not in `b`.
inline mapping::Values minus(const mapping::Values& a, const mapping::Values& b) {
  mapping::Values out;
  std::copy_if(a.begin(), a.end(), std::back_inserter(out),
               [&](const std::string& v) { return std::find(b.begin(), b.end(), v) == b.end(); });
  return out;
}

// Equal as sets; for an additive attribute, `observed` may hold more.
inline bool same_values(const mapping::Values& desired, const mapping::Values& observed, bool additive = false) {
  return minus(desired, observed).empty() && (additive || minus(observed, desired).empty());
}

}  // namespace idb::reconcile
