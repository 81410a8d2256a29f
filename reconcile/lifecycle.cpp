#include "reconcile/lifecycle.h"

namespace idb::reconcile {

std::optional<int64_t> delete_due_ms(const DeletePolicy& policy, bool deleted_at_source, bool disabled,
                                     std::optional<int64_t> disabled_since_ms, int64_t now_ms) {
  if (!disabled) return std::nullopt;
  switch (policy.when) {
    case DeletePolicy::When::never: return std::nullopt;
    case DeletePolicy::When::after_delete:
      if (!deleted_at_source) return std::nullopt;
      break;
    case DeletePolicy::When::after_disable: break;
  }
  return disabled_since_ms.value_or(now_ms) + policy.grace_ms;
}

}  // namespace idb::reconcile
