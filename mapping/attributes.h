#pragma once
// What a mapping produces for one target account: attribute name -> values.
// Attribute names compare case-insensitively because LDAP's do, and no cloud
// API we target distinguishes two attributes by case alone.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace idb::mapping {

struct CaseInsensitiveLess {
  using is_transparent = void;
  static constexpr unsigned char fold(unsigned char c) { return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c; }
  bool operator()(std::string_view a, std::string_view b) const {
    // ASCII folding inline: attribute names are ASCII, and a libc tolower call per
    // character dominated building an account's attributes.
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
      return fold(x) < fold(y);
    });
  }
};

using Values = std::vector<std::string>;
using Attributes = std::map<std::string, Values, CaseInsensitiveLess>;

}  // namespace idb::mapping
