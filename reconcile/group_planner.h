#pragma once
// Plans the group entries of one target: from the entries the groups should
// be (desired), the entries as read (observed) and where idbridge last wrote
// each group's entry (links), the operations that bring them in line and,
// per entry, the members they add and remove. Pure: the daemon's group sync,
// `idbridge plan` and `idbridge apply` all decide with it, so the report says
// exactly what a sync does.
//
// A group whose entry is not at its DN but at the DN it was last written at
// was renamed at the source: its entry moves, members and all, rather than a
// twin being made (when an entry already stands at the new DN, that one is
// brought in line and the old one deleted). Links are compared with DNs as
// text: the caller gives a link that names the group's DN in another
// spelling as that DN, or the entry would be taken for a stale twin of itself. A link left without a desired group (the group is gone, or
// maps to no entry now) deletes the entry idbridge wrote for it: a stale group
// would go on granting what it granted.
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "mapping/mapping.h"
#include "reconcile/operation.h"
#include "reconcile/planner.h"

namespace idb::reconcile {

struct DesiredGroup {
  std::string group_id;
  std::string name;  // the SCIM group's displayName, for people
  mapping::Desired entry;
};

// What reading one DN gave: the entry (nullopt: there is none), or why it could not be read.
struct ObservedEntry {
  std::optional<Account> account;
  std::string error;  // not empty: unreadable
};
using ObservedEntries = std::map<std::string, ObservedEntry>;  // by the DN as asked

// Group id -> the DN its entry was last written at.
using GroupLinks = std::map<std::string, std::string>;

struct GroupPlan {
  // rename may carry member changes too; remove deletes the entry; error: an entry it rests on could not be read.
  enum class Kind { create, update, rename, remove, noop, error };
  Kind kind = Kind::noop;
  std::string group_id;
  std::string name;     // empty for a group no longer in the source
  std::string key;      // where the entry is now (create: where it will be)
  std::string new_key;  // rename only: where it moves
  std::string error;    // kind error only
  mapping::Values members_added, members_removed;  // member values, sorted
  std::vector<Operation> operations;
  // What to remember once the operations succeed: the entry's DN, or nullopt
  // to forget the link (deleted, or already gone).
  std::optional<std::string> link_after;
  bool link_changes = false;  // link_after differs from the link kept now
  // Of the desired entry, the link and the observed entry: a saved plan's
  // item is applied only while this is the same.
  std::string fingerprint;
};
const char* to_string(GroupPlan::Kind kind);

// The DNs plan_groups needs read, each with the attributes to read there:
// every desired group's DN, and every linked DN that is not one.
std::map<std::string, std::vector<std::string>> entries_to_read(const std::vector<DesiredGroup>& desired,
                                                               const GroupLinks& links,
                                                               const std::string& member_attribute);

// One plan per desired group, in order, then one per link left over (by group
// id). A DN missing from `observed` counts as unreadable.
std::vector<GroupPlan> plan_groups(const std::vector<DesiredGroup>& desired, const GroupLinks& links,
                                   const ObservedEntries& observed, const std::string& member_attribute);

}  // namespace idb::reconcile
