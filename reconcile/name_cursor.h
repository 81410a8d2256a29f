#pragma once
// Looks names up in a map or set sorted by CaseInsensitiveLess, asked in that
// same order (another map's names, walked): each lookup steps on from the
// last instead of searching the tree. Deciding and planning look every
// attribute of every user up on several sides.
#include <string>

#include "mapping/attributes.h"

namespace idb::reconcile {

template <typename Sorted>
class NameCursor {
 public:
  explicit NameCursor(const Sorted* sorted) : sorted_(sorted) {
    if (sorted_) at_ = sorted_->begin();
  }

  // The entry called `name`, or null. Each name is asked at most once: a
  // found entry is stepped past, so the next name is usually the next entry.
  const typename Sorted::value_type* find(const std::string& name) {
    if (!sorted_) return nullptr;
    // Names are nearly always spelled alike on all sides: a plain comparison
    // settles those without folding case letter by letter.
    if (at_ != sorted_->end() && name_of(*at_) == name) return &*at_++;
    const auto less = sorted_->key_comp();
    while (at_ != sorted_->end() && less(name_of(*at_), name)) ++at_;
    return at_ != sorted_->end() && !less(name, name_of(*at_)) ? &*at_++ : nullptr;
  }

 private:
  static const std::string& name_of(const typename Sorted::value_type& entry) {
    if constexpr (requires { entry.first; }) {
      return entry.first;
    } else {
      return entry;
    }
  }
  const Sorted* sorted_;
  typename Sorted::const_iterator at_;
};

}  // namespace idb::reconcile
