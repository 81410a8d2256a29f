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

// Whether every value of `a` is in `b`.
inline bool all_in(const mapping::Values& a, const mapping::Values& b) {
  return std::all_of(a.begin(), a.end(),
                     [&](const std::string& v) { return std::find(b.begin(), b.end(), v) != b.end(); });
}

// Equal as sets; for an additive attribute, `observed` may hold more. Asked
// of every attribute of every user on three sides, so it copies nothing, and
// values in the same order (nearly always) settle it in one pass.
inline bool same_values(const mapping::Values& desired, const mapping::Values& observed, bool additive = false) {
  if (desired == observed) return true;
  return all_in(desired, observed) && (additive || all_in(observed, desired));
}

}  // namespace idb::reconcile
