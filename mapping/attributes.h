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

// Whether an attribute holds a secret whose value must never be recorded or
// shown: its name, case and '_'/'-' aside, ends in password, passwd, pwd,
// secret, token or passphrase (userPassword, unicodePwd, sambaNTPassword,
// client_secret). Mappings carry no secret marking, and an LDAP target takes
// any attribute a mapping names, so the name is what there is to go by.
bool is_secret_attribute(std::string_view name);

// What each value of a secret attribute shows as, in reports, explain and
// conflicts: one per value, so the count and the fact of a change stay visible.
inline constexpr std::string_view kSecretValue = "********";

// `values` of `attribute` as they may be shown to a person: as they are, or
// each one as kSecretValue.
Values shown_values(std::string_view attribute, const Values& values);

}  // namespace idb::mapping
