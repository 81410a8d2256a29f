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

// Whether an attribute's name says it holds a secret: its name, case and
// '_'/'-' aside, ends in password, passwd, pwd, secret, token or passphrase
// (userPassword, unicodePwd, sambaNTPassword, client_secret). What a mapping
// does not mark with `secret:` is judged by this (SecretAttributes).
bool is_secret_attribute(std::string_view name);

// What each value of a secret attribute shows as, in reports, explain and
// conflicts: one per value, so the count and the fact of a change stay visible.
inline constexpr std::string_view kSecretValue = "********";
// `values` as a secret's are shown: each one as kSecretValue.
Values hidden(const Values& values);

// Which attributes of one target hold secrets, whose values are never
// recorded or shown: what its mapping marks (`secret: true` or `false` on a
// rule) and, for the rest, what the name says (is_secret_attribute). Default
// constructed it goes by names alone.
class SecretAttributes {
 public:
  void mark(std::string_view attribute, bool secret);
  bool operator()(std::string_view attribute) const;
  // `values` of `attribute` as they may be shown to a person: as they are, or
  // each one as kSecretValue.
  Values shown(std::string_view attribute, const Values& values) const;

 private:
  std::map<std::string, bool, CaseInsensitiveLess> marked_;
};

}  // namespace idb::mapping
