#include "scim/poller.h"

#include <unordered_map>
#include <unordered_set>

#include <spdlog/spdlog.h>

#include "connectors/http/client.h"
#include "connectors/http/retry.h"
#include "connectors/signing/crypto.h"
#include "scim/client_oauth2.h"
#include "scim/collection.h"
#include "scim/poller_core.h"
#include "scim/resource.h"
#include "scim/server.h"

namespace idb::scim {
namespace {

using json = nlohmann::json;
namespace http = connectors::http;
using connectors::Failure;
using connectors::FailureKind;

std::string last_modified(const json& resource) {
  const auto meta = resource.find("meta");
  if (meta == resource.end() || !meta->is_object()) return {};
  const auto at = meta->find("lastModified");
  return at != meta->end() && at->is_string() ? at->get<std::string>() : std::string();
}

// A SCIM error body's detail (RFC 7644 §3.12), if there is one.
std::string detail_of(const std::string& body) {
  const json doc = json::parse(body, nullptr, false);
  if (doc.is_object() && doc.contains("detail") && doc["detail"].is_string()) return doc["detail"].get<std::string>();
  return {};
}

int64_t epoch_ms(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
}

}  // namespace

struct Poller::Run {
  PollSummary summary;
  std::optional<std::string> watermark;
  std::unordered_map<std::string, std::string> known;  // the source's id -> ours
  std::vector<poll::Outcome> outcomes;
  const std::atomic<bool>* stop = nullptr;

  // Stops the run on a response that is not what we asked for.
  void refused(const std::string& what, const http::Response& response, std::chrono::system_clock::time_point now) {
    summary.failure = http::failure_for_status(response.status, "", detail_of(response.body));
    summary.failure->message = what + ": " + summary.failure->message;
    if (response.status == 429) summary.retry_after_ms = http::retry_after_ms(response.header("Retry-After"), now);
  }
};

Poller::Poller(config::ScimSource source, state::Store& store, std::vector<std::string> targets, const Catalog& catalog,
               Clock clock)
    : source_(std::move(source)), store_(store), clock_(std::move(clock)), type_(catalog.users()) {
  const auto endpoint = poll::split_url(source_.base_url);
  base_path_ = endpoint.path;
  http::Options options;
  options.base_url = endpoint.origin;
  options.ca_file = source_.ca_file.string();
  options.timeout_ms = source_.timeout_ms;
  options.max_attempts = 4;
  // A poll may wait out a Retry-After of this long itself; a longer one ends the run.
  options.backoff_max_ms = 10000;
  options.rate_per_second = 0;
  client_ = std::make_unique<http::Client>("source " + source_.name, options);
  if (source_.uses_oauth2()) {
    tokens_ = std::make_unique<oauth2::TokenCache>(
        oauth2::Credentials{source_.oauth2.token_url, source_.oauth2.client_id, source_.oauth2.client_secret.value,
                            source_.oauth2.scope},
        source_.ca_file.string(), source_.timeout_ms);
  }
  users_ = user_collection(store_, type_, std::move(targets));
}

Poller::~Poller() = default;

connectors::Result<http::Response> Poller::send(http::Request request) {
  for (int attempt = 1;; ++attempt) {
    std::string bearer = source_.bearer.value;
    if (tokens_) {
      auto token = tokens_->token(clock_());
      if (!token) return token.failure();
      bearer = token.value();
    }
    auto response = client_->send(request, [&bearer](http::Request& r) {
      r.headers.emplace_back("Authorization", "Bearer " + bearer);
    });
    // An OAuth2 token may be revoked before it expires: one fresh token is worth a try.
    if (!response || response.value().status != 401 || !tokens_ || attempt > 1) return response;
    tokens_->forget();
  }
}

bool Poller::incremental_possible(Run& run) {
  if (source_.incremental == "never" || !run.watermark) return false;
  if (source_.incremental == "always") return true;
  if (!filters_) {
    auto response = send(poll::get_request(base_path_ + "/ServiceProviderConfig"));
    if (!response) {
      run.summary.failure = response.failure();
      return false;
    }
    if (response.value().status != 200) {
      run.refused("reading ServiceProviderConfig", response.value(), clock_());
      return false;
    }
    filters_ = poll::filter_supported(json::parse(response.value().body, nullptr, false));
    if (!*filters_) spdlog::info("source {}: it does not filter; every poll lists all users", source_.name);
  }
  return *filters_;
}

bool Poller::list(Run& run, const std::string& filter, const std::string& attributes,
                  const std::function<void(const json&)>& each) {
  for (int64_t start = 1;;) {
    if (run.stop && run.stop->load()) {
      run.summary.failure = Failure{FailureKind::retry, "stopped", "the daemon is stopping"};
      return false;
    }
    auto response = send(poll::list_request(base_path_, start, source_.page_size, filter, attributes));
    const std::string what = "listing users from startIndex " + std::to_string(start);
    if (!response) {
      run.summary.failure = response.failure();
      run.summary.failure->message = what + ": " + run.summary.failure->message;
      return false;
    }
    if (response.value().status != 200) {
      run.refused(what, response.value(), clock_());
      return false;
    }
    auto page = poll::parse_list_response(response.value().body);
    if (auto* problem = std::get_if<std::string>(&page)) {
      run.summary.failure = Failure{FailureKind::permanent, "scim:invalidListResponse", what + ": " + *problem};
      return false;
    }
    const auto& listed = std::get<poll::ListPage>(page);
    for (const json& resource : listed.resources) each(resource);
    const auto next = poll::next_start_index(listed, start);
    if (!next) return true;
    start = *next;
  }
}

void Poller::store(Run& run, const json& remote) {
  const std::string remote_id = remote["id"].get<std::string>();
  poll::Outcome& outcome = run.outcomes.emplace_back(poll::Outcome{last_modified(remote), false});
  ++run.summary.fetched;
  auto reject = [&](const std::string& why) {
    ++run.summary.rejected;
    spdlog::warn("source {}: user {} not stored, asked for again next poll: {}", source_.name, remote_id, why);
  };
  auto normalized = normalize(type_, remote);
  if (auto* err = std::get_if<Error>(&normalized)) return reject(err->detail);
  json& resource = std::get<json>(normalized);

  const auto linked = run.known.find(remote_id);
  const auto existing = linked == run.known.end() ? std::nullopt : users_->get(linked->second);
  const auto now = clock_();
  Stored s;
  state::WriteStatus status;
  if (existing) {
    if (std::get<json>(normalize(type_, existing->resource)) == resource) {
      ++run.summary.unchanged;
      outcome.stored = true;
      return;
    }
    s.id = existing->id;
    s.version = existing->version + 1;
    const json& meta = existing->resource["meta"];
    s.resource = with_server_fields(std::move(resource),
                                  {s.id, s.version, meta.value("created", rfc3339(now)), rfc3339(now),
                                   meta.value("location", std::string())},
                                  type_);
    status = users_->replace(s, epoch_ms(now));
  } else {
    // A link to an id no user has yet is one a crash left behind: use it. A
    // user the source deleted and brings back is a new user to us.
    const bool reusable = linked != run.known.end() && !store_.get_user(linked->second, true);
    s.id = reusable ? linked->second : new_id();
    s.version = 1;
    if (!reusable) {
      store_.link_polled_user(source_.name, remote_id, s.id);
      run.known[remote_id] = s.id;
    }
    s.resource = with_server_fields(std::move(resource),
                                  {s.id, s.version, rfc3339(now), rfc3339(now), std::string(kBasePath) + "/Users/" + s.id},
                                  type_);
    status = users_->insert(s, epoch_ms(now));
  }
  if (status == state::WriteStatus::user_name_taken) {
    return reject("userName '" + s.resource.value("userName", std::string()) + "' belongs to another user");
  }
  if (status != state::WriteStatus::ok) return reject("the user changed while it was being stored");
  ++(existing ? run.summary.updated : run.summary.created);
  outcome.stored = true;
}

void Poller::remove_absent(Run& run, const std::vector<std::string>& remote_ids) {
  for (const std::string& remote_id : remote_ids) {
    // Index paging can skip a user when others are deleted meanwhile: only a
    // 404 for the user itself proves it gone.
    auto response = send(
        poll::get_request(base_path_ + "/Users/" + connectors::signing::uri_encode(remote_id), {{"attributes", "id"}}));
    if (!response) {
      run.summary.failure = response.failure();
      return;
    }
    if (response.value().status == 200) continue;
    if (response.value().status != 404) return run.refused("reading user " + remote_id, response.value(), clock_());
    const std::string& ours = run.known.at(remote_id);
    if (users_->remove(ours, epoch_ms(clock_())) == state::WriteStatus::ok) {
      ++run.summary.deleted;
      spdlog::info("source {}: user {} is gone from the source; user {} is disabled on the targets", source_.name,
                   remote_id, ours);
    }
    store_.unlink_polled_user(source_.name, remote_id);
  }
}

PollSummary Poller::poll_once(const std::atomic<bool>* stop) {
  Run run;
  run.stop = stop;
  run.watermark = store_.poll_watermark(source_.name);
  run.known = store_.polled_users(source_.name);
  const auto known_before = run.known;

  const bool incremental = incremental_possible(run);
  run.summary.incremental = incremental;
  std::unordered_set<std::string> listed;
  bool complete = !run.summary.failure;
  if (complete && incremental) {
    complete = list(run, poll::modified_since(*run.watermark), "", [&](const json& r) { store(run, r); }) &&
               list(run, "", "id", [&](const json& r) { listed.insert(r["id"].get<std::string>()); });
  } else if (complete) {
    complete = list(run, "", "", [&](const json& r) {
      listed.insert(r["id"].get<std::string>());
      store(run, r);
    });
  }

  // Only a complete run may advance the watermark: an unsorted listing cut
  // short may not have shown older changes yet.
  if (complete) {
    if (auto next = poll::advance_watermark(run.watermark, run.outcomes); next && next != run.watermark) {
      store_.set_poll_watermark(source_.name, *next, epoch_ms(clock_()));
    }
    auto absence = poll::absent_users(known_before, listed, source_.deletion_max_count, source_.deletion_max_percent);
    if (absence.held && !absence.remote_ids.empty()) {
      run.summary.held = absence.held;
      spdlog::warn("source {}: {} of {} users are no longer listed; none is disabled, deletions are held: the run {} "
                   "(deletion_guard: max_count {}, max_percent {})",
                   source_.name, absence.remote_ids.size(), known_before.size(), *absence.held,
                   source_.deletion_max_count, source_.deletion_max_percent);
    } else {
      remove_absent(run, absence.remote_ids);
    }
  }

  const PollSummary& s = run.summary;
  if (s.failure) {
    spdlog::error("source {}: poll failed ({}): {}", source_.name, s.failure->code, s.failure->message);
  }
  spdlog::info("source {}: {} poll: {} fetched, {} created, {} updated, {} unchanged, {} rejected, {} deleted",
               source_.name, incremental ? "incremental" : "full", s.fetched, s.created, s.updated, s.unchanged,
               s.rejected, s.deleted);
  return run.summary;
}

}  // namespace idb::scim
