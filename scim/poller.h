#pragma once
// Polls one SCIM source (`sources:` in the config) for users and writes what
// changed through the same store path as a SCIM push: the user and one outbox
// entry per target in one transaction, so mapping and reconciliation cannot
// tell a polled user from a pushed one.
//
// A run is incremental (meta.lastModified gt the stored watermark) when the
// source filters, and a full paged listing otherwise; either way a listing of
// every id finds the users the source no longer has, which are disabled
// unless the deletion guard holds them. Blocking: run it off the event loop.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/http/client.h"
#include "scim/schema.h"
#include "state/store.h"

namespace idb::scim {
class Collection;
namespace oauth2 {
class TokenCache;
}

struct PollSummary {
  bool incremental = false;
  int64_t fetched = 0;    // resources received (not counting the id listing)
  int64_t created = 0;
  int64_t updated = 0;
  int64_t unchanged = 0;
  int64_t rejected = 0;   // not stored (invalid, or userName taken); asked for again next run
  int64_t deleted = 0;    // absent from the source and confirmed gone: disabled on the targets
  std::optional<std::string> held;             // the deletion guard's reason
  std::optional<connectors::Failure> failure;  // the run stopped early: nothing deleted, watermark kept
  std::optional<int64_t> retry_after_ms;       // the source asked us to wait this long (429)
  bool changed() const { return created + updated + deleted > 0; }
};

class Poller {
 public:
  using Clock = std::function<std::chrono::system_clock::time_point()>;

  // `targets`: every stored change is enqueued for each of these. `catalog`
  // (the endpoint's schemas, custom extensions included) must outlive it.
  Poller(config::ScimSource source, state::Store& store, std::vector<std::string> targets,
         const Catalog& catalog = Catalog::builtin(), Clock clock = [] { return std::chrono::system_clock::now(); });
  ~Poller();
  Poller(const Poller&) = delete;
  Poller& operator=(const Poller&) = delete;

  const std::string& name() const { return source_.name; }
  std::chrono::seconds interval() const { return std::chrono::seconds(source_.interval_s); }

  // One run. `stop`, when set, ends a run between pages (as a failure).
  PollSummary poll_once(const std::atomic<bool>* stop = nullptr);

 private:
  struct Run;
  connectors::Result<connectors::http::Response> send(connectors::http::Request request);
  bool incremental_possible(Run& run);
  // Pages through /Users; `each` gets every resource. False when the run must stop.
  bool list(Run& run, const std::string& filter, const std::string& attributes,
            const std::function<void(const nlohmann::json&)>& each);
  void store(Run& run, const nlohmann::json& remote);
  void remove_absent(Run& run, const std::vector<std::string>& remote_ids);

  config::ScimSource source_;
  state::Store& store_;
  Clock clock_;
  const ResourceType& type_;
  std::string base_path_;
  std::unique_ptr<connectors::http::Client> client_;
  std::unique_ptr<oauth2::TokenCache> tokens_;
  std::unique_ptr<Collection> users_;
  std::optional<bool> filters_;  // the source's ServiceProviderConfig, once read
};

}  // namespace idb::scim
