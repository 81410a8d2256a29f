#pragma once
// Users "<prefix>0", "<prefix>1", ... stored as an HR feed pushes them, with
// what the quickstart mapping reads: the population of plans of thousands of
// users, for plan_bench and the daemon tests alike. Header only: its users
// link the state library themselves.
#include <string>

#include "state/store.h"

namespace idb::test {

// The id of user number `i`.
inline std::string numbered_user_id(int i) { return "00000000-0000-4000-8000-" + std::to_string(100000000000LL + i); }

inline void store_numbered_users(state::Store& store, int count, const std::string& prefix) {
  for (int i = 0; i < count; ++i) {
    const std::string name = prefix + std::to_string(i);
    state::User u;
    u.id = numbered_user_id(i);
    u.user_name = name;
    u.version = 1;
    u.resource = {{"schemas", {"urn:ietf:params:scim:schemas:core:2.0:User"}},
                  {"id", u.id},
                  {"userName", name},
                  {"name", {{"givenName", "Given" + std::to_string(i)}, {"familyName", "Family"}}},
                  {"emails", {{{"value", name + "@example.org"}, {"type", "work"}, {"primary", true}}}},
                  {"phoneNumbers", {{{"value", "+1-555-" + std::to_string(1000000 + i)}, {"type", "work"}}}},
                  {"title", "Engineer"},
                  {"active", true}};
    store.insert_user(u, {"ldap"}, 0);
  }
}

}  // namespace idb::test
