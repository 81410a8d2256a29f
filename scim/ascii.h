#pragma once
// ASCII case folding for SCIM names and keywords, which RFC 7643 §2.1 makes
// case-insensitive. (Values with Unicode case rules are a separate matter.)
#include <algorithm>
#include <string>
#include <string_view>

namespace idb::scim {

// Folded inline rather than with std::tolower: a libc call per character was
// a large part of resolving attribute paths, and the locale must not matter.
constexpr unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return fold(x) == fold(y);
         });
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(fold(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace idb::scim
