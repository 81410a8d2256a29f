#pragma once
// ASCII case folding for SCIM names and keywords, which RFC 7643 §2.1 makes
// case-insensitive. (Values with Unicode case rules are a separate matter.)
#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace idb::scim {

inline bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](unsigned char x, unsigned char y) {
           return std::tolower(x) == std::tolower(y);
         });
}

inline std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace idb::scim
