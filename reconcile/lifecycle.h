#pragma once
// The end of an account's life: whether leaving the scope ends it, and when
// the account of a user who left may be deleted. Disabling is the default
// end of an account's life; deleting it is opt-in per target and
// waits a grace period after the disable, so a mistaken offboarding can still
// be undone by re-activating the user. Pure: the caller passes the time.
#include <cstdint>
#include <optional>

namespace idb::reconcile {

// What becomes of an account idbridge wrote when its user leaves the target's
// `scope:` (the target's `leaving_scope:`). disable, the default, ends its life
// as active:false does (then the delete policy; the disable guard counts it,
// so a scope filter gone wrong is held, not applied); keep leaves it as it is,
// no longer managed. A user out of scope never linked there is never touched.
enum class LeavingScope { disable, keep };

struct DeletePolicy {
  enum class When {
    never,          // accounts are only ever disabled
    after_delete,   // users deleted at the source: deleted once the grace period has passed
    after_disable,  // the same for every disabled user, deleted or merely inactive
  };
  When when = When::never;
  int64_t grace_ms = 0;  // counted from when we disabled the account
};

// When the account of a user may be deleted, or nullopt when the policy keeps
// it. `disabled_since_ms` is when we disabled it (nullopt: not yet, so the
// grace period starts now). A due time at or before now means: delete now.
std::optional<int64_t> delete_due_ms(const DeletePolicy& policy, bool deleted_at_source, bool disabled,
                                     std::optional<int64_t> disabled_since_ms, int64_t now_ms);

}  // namespace idb::reconcile
