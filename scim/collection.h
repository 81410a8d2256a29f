#pragma once
// The resources of one SCIM resource type in the state store, as the
// endpoint sees them: Users (every change durable and enqueued for the
// targets in one transaction) and Groups (stored only: group changes do not
// reach the targets yet).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "scim/error.h"
#include "scim/filter.h"
#include "scim/schema.h"
#include "state/store.h"

namespace idb::scim {

struct Stored {
  std::string id;
  int64_t version = 0;
  nlohmann::json resource;  // meta included
};

class Collection {
 public:
  virtual ~Collection() = default;
  virtual const ResourceType& type() const = 0;
  // Whether a change must be enqueued for (and announced to) the targets.
  virtual bool reaches_targets() const = 0;

  virtual std::optional<Stored> get(const std::string& id) = 0;
  // Every resource that may match `filter` (all, or fewer where an index answers).
  virtual std::vector<Stored> candidates(const Filter* filter) = 0;
  // Checks what cannot be seen in the resource alone (group members exist);
  // may complete it (a member's type).
  virtual std::optional<Error> check_references(nlohmann::json& resource) = 0;
  // Adds what is computed rather than stored (User.groups, RFC 7643 §4.1.2)
  // to resources about to be answered or filtered.
  virtual void add_computed(std::vector<Stored*> resources) = 0;

  virtual state::WriteStatus insert(const Stored& s, int64_t now_ms) = 0;
  virtual state::WriteStatus replace(const Stored& s, int64_t now_ms) = 0;
  virtual state::WriteStatus remove(const std::string& id, int64_t now_ms) = 0;
};

// `type` (from the endpoint's Catalog) must outlive the collection. Each
// write enqueues the users it changes (a group's: those whose groups it
// changes) for every target in `targets`.
std::unique_ptr<Collection> user_collection(state::Store& store, const ResourceType& type,
                                            std::vector<std::string> targets);
std::unique_ptr<Collection> group_collection(state::Store& store, const ResourceType& type,
                                             std::vector<std::string> targets);

}  // namespace idb::scim
