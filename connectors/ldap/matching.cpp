#include "connectors/ldap/matching.h"

#include <set>

#include "connectors/ldap/dn.h"

namespace idb::connectors::ldap {
namespace {

using mapping::Values;
using reconcile::AttributeChange;
using reconcile::ChangeKind;

// Including what inherits its rule from `distinguishedName`.
const std::set<std::string_view, mapping::CaseInsensitiveLess> kDnValued{
    "member",         "owner",          "roleOccupant", "seeAlso",          "manager",
    "secretary",      "documentAuthor", "associatedName", "distinguishedName", "aliasedObjectName"};

std::vector<std::string> forms(bool dn, const Values& values) {
  std::vector<std::string> out;
  out.reserve(values.size());
  for (const auto& v : values) {
    if (!dn) {
      out.push_back(v);
      continue;
    }
    auto parsed = parse_dn(v);
    // Not a DN we can read: slapd would refuse it anyway, so bytes decide.
    out.push_back(parsed ? normalize(parsed.value()) : v);
  }
  return out;
}

// The values of `a` with no equal among `b_forms`.
Values without(const Values& a, const std::vector<std::string>& a_forms, const std::vector<std::string>& b_forms) {
  std::set<std::string_view> b(b_forms.begin(), b_forms.end());
  Values out;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (!b.count(a_forms[i])) out.push_back(a[i]);
  }
  return out;
}

}  // namespace

bool dn_valued(std::string_view attribute) { return kDnValued.count(attribute) > 0; }

std::vector<AttributeChange> minimal_changes(const std::string& attribute, const Values& desired,
                                             const Values& observed) {
  if (desired.empty()) {
    if (observed.empty()) return {};
    return {{attribute, ChangeKind::remove, {}}};
  }
  const bool dn = dn_valued(attribute);
  const auto desired_forms = forms(dn, desired);
  const auto observed_forms = forms(dn, observed);
  const Values missing = without(desired, desired_forms, observed_forms);
  const Values extra = without(observed, observed_forms, desired_forms);
  if (missing.empty() && extra.empty()) return {};
  if (extra.size() == observed.size()) return {{attribute, ChangeKind::replace, desired}};
  std::vector<AttributeChange> changes;
  if (!extra.empty()) changes.push_back({attribute, ChangeKind::remove, extra});
  if (!missing.empty()) changes.push_back({attribute, ChangeKind::add, missing});
  return changes;
}

}  // namespace idb::connectors::ldap
