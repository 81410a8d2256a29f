#pragma once
// A user as compiled rules read it. Many rules read the same attribute
// (`addresses[type eq "work"].locality`, `.postalCode`, the key template and a
// rule both reading userName): each attribute of the user is looked up once per
// evaluation, not once per path, which was most of the cost of mapping a user.
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scim/filter.h"

namespace idb::mapping {

// A SCIM attribute path and the slot its attribute has in the mapping's AttributeSlots.
struct Path {
  scim::AttributePath path;
  size_t slot = 0;
};

// Which attributes (an extension's URN being an attribute of the user too) the
// rules of one mapping read; one slot each. Built at load time.
class AttributeSlots {
 public:
  // The slot of the attribute `path` starts at, added when new.
  size_t add(const scim::AttributePath& path);
  size_t size() const { return attributes_.size(); }

 private:
  friend class UserView;
  struct Attribute {
    std::string name;
    size_t scope;  // slot of the extension object it lives in; kRoot for the core schema
  };
  static constexpr size_t kRoot = static_cast<size_t>(-1);
  size_t add(const std::string& name, size_t scope);
  std::vector<Attribute> attributes_;
};

// One user seen through a mapping's slots; lives for one evaluation.
class UserView {
 public:
  UserView(const AttributeSlots& slots, const nlohmann::json& user);
  // What scim::resolve(path.path, user) gives, valid until the next call.
  const std::vector<const nlohmann::json*>& resolve(const Path& path) const;
  const nlohmann::json& user() const { return user_; }

 private:
  const nlohmann::json* attribute(size_t slot) const;
  const AttributeSlots& slots_;
  const nlohmann::json& user_;
  mutable std::vector<const nlohmann::json*> found_;  // per slot; &kUnknown until looked up
  mutable std::vector<const nlohmann::json*> values_;
};

}  // namespace idb::mapping
