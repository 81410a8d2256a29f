#pragma once
// What a mapping produces for one target account: attribute name -> values.
// Attribute names compare case-insensitively because LDAP's do, and no cloud
// API we target distinguishes two attributes by case alone.
#include <algorithm>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "scim/ascii.h"

namespace idb::mapping {

struct CaseInsensitiveLess {
  using is_transparent = void;
  bool operator()(std::string_view a, std::string_view b) const {
    return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), [](unsigned char x, unsigned char y) {
      return scim::fold(x) < scim::fold(y);
    });
  }
};

using Values = std::vector<std::string>;
using Attributes = std::map<std::string, Values, CaseInsensitiveLess>;

}  // namespace idb::mapping
