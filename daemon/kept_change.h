#pragma once
// A planned change kept for applying, packed into one string: the outbox
// worker keeps a round's changes whole, as the guards judged them, and
// applies them without reading the accounts again. As maps of vectors of
// strings a create costs ~4 kB and dozens of allocations; packed, its bytes.
//
// Only what applying reads survives the trip: of the user, the name (the id
// is the outbox entry's); of the plan, kind, disabled, desired key, the
// observed account's key, correlation, operations, desired attributes and
// the decided attributes whose target value stays (keep_target, conflict:
// with desired, the next baseline; the conflicts, what a person must
// decide), delete times. The operations come back exactly as planned. Pure.
#include <string>
#include <string_view>

#include "daemon/user_plan.h"
#include "state/store.h"

namespace idb::daemon {

std::string pack_change(const state::User& user, const UserPlan& plan);

struct UnpackedChange {
  state::User user;  // id and user_name only
  UserPlan plan;
};
// `user_id`: the outbox entry's. `packed` must come from pack_change.
UnpackedChange unpack_change(std::string_view packed, const std::string& user_id);

}  // namespace idb::daemon
