#pragma once
// The smallest modify for one attribute, given how slapd compares values.
// Text is compared byte for byte on purpose: the source's spelling wins, so
// "mcdonald" -> "McDonald" reaches the directory. But slapd's caseIgnore
// rules (cn, mail, uid, ...) hold those two equal, so adding the new
// spelling before removing the old one is refused (attributeOrValueExists):
// removes always go first. DN-valued attributes (member, manager, seeAlso,
// ...) compare in normalised form, because slapd re-spells a DN value it
// stores and a byte comparison would rewrite it on every pass.
#include <string>
#include <string_view>
#include <vector>

#include "mapping/attributes.h"
#include "reconcile/operation.h"

namespace idb::connectors::ldap {

// True for attributes whose equality rule is distinguishedNameMatch in
// slapd's stock schemas (core, cosine, inetorgperson, nis).
bool dn_valued(std::string_view attribute);

// Nothing when the values agree; one replace when no observed value stays;
// otherwise one remove of the values that go, then one add of those that
// come. An empty `desired` removes the attribute.
std::vector<reconcile::AttributeChange> minimal_changes(const std::string& attribute, const mapping::Values& desired,
                                                        const mapping::Values& observed);

}  // namespace idb::connectors::ldap
