#include "scim/collection.h"

#include <chrono>

#include "scim/ascii.h"
#include "scim/resource.h"
#include "state/user_groups.h"

namespace idb::scim {
namespace {

using json = nlohmann::json;

std::optional<std::string> string_member(const json& resource, const char* name) {
  const auto it = resource.find(name);
  if (it == resource.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

// `attr eq "text"` on a top-level core attribute: the lookups IdPs make
// before every create, answered from an index.
std::optional<std::string> equality_on(const Filter* f, const char* attr) {
  if (!f || f->kind != Filter::Kind::compare) return std::nullopt;
  const Comparison& c = f->comparison;
  if (c.op != CompareOp::eq || !c.value.is_string() || !c.path.schema.empty() || c.path.names.size() != 1 ||
      c.path.value_filter || !iequals(c.path.names[0], attr)) {
    return std::nullopt;
  }
  return c.value.get<std::string>();
}

// ".../scim/v2/Groups/" from a user's meta.location ".../scim/v2/Users/<id>".
std::string groups_url_of(const json& user) {
  const auto meta = user.find("meta");
  if (meta == user.end() || !meta->contains("location")) return "";
  const std::string location = (*meta)["location"].get<std::string>();
  const size_t at = location.rfind("/Users/");
  return at == std::string::npos ? "" : location.substr(0, at) + "/Groups/";
}

class Users final : public Collection {
 public:
  Users(state::Store& store, const ResourceType& type, std::vector<std::string> targets)
      : store_(store), type_(type), targets_(std::move(targets)) {}

  const ResourceType& type() const override { return type_; }
  bool reaches_targets() const override { return true; }

  std::optional<Stored> get(const std::string& id) override {
    auto user = store_.get_user(id);
    if (!user) return std::nullopt;
    return to_stored(std::move(*user));
  }

  std::vector<Stored> candidates(const Filter* filter) override {
    std::vector<Stored> out;
    if (auto name = equality_on(filter, "userName")) {
      if (auto user = store_.find_by_user_name(*name)) out.push_back(to_stored(std::move(*user)));
      return out;
    }
    if (auto external = equality_on(filter, "externalId")) {
      for (auto& user : store_.find_by_external_id(*external)) out.push_back(to_stored(std::move(user)));
      return out;
    }
    for (auto& user : store_.list_users()) out.push_back(to_stored(std::move(user)));
    return out;
  }

  std::optional<Error> check_references(json&) override { return std::nullopt; }

  // One query per group asked about for a single user; all memberships at
  // once for a list.
  void add_computed(std::vector<Stored*> resources) override {
    state::UserGroups groups(store_, resources.size() > 1);
    for (Stored* s : resources) groups.add_to(s->id, s->resource, groups_url_of(s->resource));
  }

  state::WriteStatus insert(const Stored& s, int64_t now_ms) override {
    return store_.insert_user(to_user(s), targets_, now_ms);
  }
  state::WriteStatus replace(const Stored& s, int64_t now_ms) override {
    return store_.replace_user(to_user(s), targets_, now_ms);
  }
  state::WriteStatus remove(const std::string& id, int64_t now_ms) override {
    return store_.delete_user(id, targets_, now_ms);
  }

 private:
  // meta.version and meta.lastModified as the columns have them: a group
  // membership change makes a new version of the user without rewriting it.
  static Stored to_stored(state::User u) {
    if (auto meta = u.resource.find("meta"); meta != u.resource.end() && meta->is_object()) {
      (*meta)["version"] = etag(u.version);
      (*meta)["lastModified"] = rfc3339(std::chrono::system_clock::time_point(std::chrono::milliseconds(u.updated_ms)));
    }
    return {std::move(u.id), u.version, std::move(u.resource)};
  }
  static state::User to_user(const Stored& s) {
    state::User u;
    u.id = s.id;
    u.version = s.version;
    u.resource = s.resource;
    u.user_name = s.resource.at("userName").get<std::string>();
    u.external_id = string_member(s.resource, "externalId");
    return u;
  }

  state::Store& store_;
  const ResourceType& type_;
  std::vector<std::string> targets_;
};

class Groups final : public Collection {
 public:
  Groups(state::Store& store, const ResourceType& type, std::vector<std::string> targets)
      : store_(store), type_(type), targets_(std::move(targets)) {}

  const ResourceType& type() const override { return type_; }
  // The members whose groups change are enqueued, and LDAP group entries follow groups.
  bool reaches_targets() const override { return true; }

  std::optional<Stored> get(const std::string& id) override {
    auto group = store_.get_group(id);
    if (!group) return std::nullopt;
    return to_stored(std::move(*group));
  }

  std::vector<Stored> candidates(const Filter*) override {
    std::vector<Stored> out;
    for (auto& group : store_.list_groups()) out.push_back(to_stored(std::move(group)));
    return out;
  }

  // Each member must be a live user or a group; its type is filled in.
  void add_computed(std::vector<Stored*>) override {}

  std::optional<Error> check_references(json& resource) override {
    auto members = resource.find("members");
    if (members == resource.end()) return std::nullopt;
    for (auto& m : *members) {
      const auto value = m.find("value");
      if (value == m.end()) return Error{400, "invalidValue", "every member needs a 'value' (the member's id)"};
      const std::string id = value->get<std::string>();
      const char* type = store_.get_user(id) ? "User" : store_.get_group(id) ? "Group" : nullptr;
      if (!type) return Error{400, "invalidValue", "member '" + id + "' is not a known User or Group"};
      if (const auto given = m.find("type"); given != m.end() && !iequals(given->get<std::string>(), type)) {
        return Error{400, "invalidValue", "member '" + id + "' is a " + type + ", not a " + given->dump()};
      }
      m["type"] = type;
    }
    return std::nullopt;
  }

  state::WriteStatus insert(const Stored& s, int64_t now_ms) override {
    return store_.insert_group(to_group(s), targets_, now_ms);
  }
  state::WriteStatus replace(const Stored& s, int64_t now_ms) override {
    return store_.replace_group(to_group(s), targets_, now_ms);
  }
  state::WriteStatus remove(const std::string& id, int64_t now_ms) override {
    return store_.delete_group(id, targets_, now_ms);
  }

 private:
  static Stored to_stored(state::Group g) { return {std::move(g.id), g.version, std::move(g.resource)}; }
  static state::Group to_group(const Stored& s) {
    state::Group g;
    g.id = s.id;
    g.version = s.version;
    g.resource = s.resource;
    g.display_name = s.resource.at("displayName").get<std::string>();
    g.external_id = string_member(s.resource, "externalId");
    return g;
  }

  state::Store& store_;
  const ResourceType& type_;
  std::vector<std::string> targets_;
};

}  // namespace

std::unique_ptr<Collection> user_collection(state::Store& store, const ResourceType& type,
                                            std::vector<std::string> targets) {
  return std::make_unique<Users>(store, type, std::move(targets));
}

std::unique_ptr<Collection> group_collection(state::Store& store, const ResourceType& type,
                                             std::vector<std::string> targets) {
  return std::make_unique<Groups>(store, type, std::move(targets));
}

}  // namespace idb::scim
