#include "connectors/ldap/ldap_connector.h"

#include <ldap.h>
#include <spdlog/spdlog.h>

#include <mutex>
#include <thread>
#include <unordered_map>
#include <utility>

#include "connectors/ldap/dn.h"
#include "connectors/ldap/entry_version.h"
#include "connectors/ldap/errors.h"
#include "connectors/ldap/filter.h"

namespace idb::connectors::ldap {
namespace {

using reconcile::Operation;

// Removes `name` from the attributes and returns its first value.
std::string take(mapping::Attributes& attributes, const char* name) {
  auto found = attributes.find(name);
  if (found == attributes.end()) return {};
  std::string value = found->second.empty() ? std::string() : std::move(found->second.front());
  attributes.erase(found);
  return value;
}

// Splits a batch over `lanes` connections so that every operation touching
// an entry lands on the lane of that entry's earlier operations (a rename
// carries its new DN along), keeping per-entry order.
std::vector<std::vector<std::size_t>> split(std::span<const Operation> ops, std::size_t lanes) {
  std::vector<std::vector<std::size_t>> out(lanes);
  if (lanes == 1) {
    out[0].reserve(ops.size());
    for (std::size_t i = 0; i < ops.size(); ++i) out[0].push_back(i);
    return out;
  }
  std::unordered_map<std::string, std::size_t> lane_of;
  auto key = [](const std::string& dn) {
    auto parsed = parse_dn(dn);
    return parsed ? normalize(parsed.value()) : dn;  // an unparsable DN fails alone wherever it goes
  };
  for (std::size_t i = 0; i < ops.size(); ++i) {
    std::string from = key(ops[i].key);
    auto found = lane_of.find(from);
    std::size_t lane = found != lane_of.end() ? found->second : std::hash<std::string>{}(from) % lanes;
    lane_of[from] = lane;
    if (ops[i].kind == Operation::Kind::rename) lane_of[key(ops[i].new_key)] = lane;
    out[lane].push_back(i);
  }
  return out;
}

}  // namespace

LdapConnector::LdapConnector(std::string name, config::LdapTarget settings, LdapSettings tuning)
    : name_(std::move(name)), settings_(std::move(settings)), tuning_(std::move(tuning)) {
  if (tuning_.window == 0) tuning_.window = 1;
  if (tuning_.connections == 0) tuning_.connections = 1;
  if (tuning_.page_size <= 0) tuning_.page_size = LdapSettings{}.page_size;
  pool_.resize(tuning_.connections);
  connect_ = [this] { return connect(); };
}

LdapConnector::~LdapConnector() = default;

Result<Session> LdapConnector::connect() const {
  spdlog::debug("ldap {}: connecting to {} as {}", name_, settings_.url, settings_.bind_dn);
  return Session::open(settings_, tuning_);
}

Status LdapConnector::ensure_connected() {
  if (pool_.front()) return ok();
  auto opened = connect();
  if (!opened) return opened.failure();
  pool_.front().emplace(std::move(opened.value()));
  return ok();
}

template <class T>
Result<T> LdapConnector::settle(Result<T> result) {
  // After busy/down/timeout we cannot tell what state the connection is in;
  // a fresh one on the next call is cheap and certain.
  if (!result && result.failure().kind == FailureKind::retry) {
    spdlog::debug("ldap {}: dropping the connection after {}", name_, result.failure().code);
    pool_.front().reset();
  }
  return result;
}

Status LdapConnector::ping() {
  std::lock_guard lock(mu_);
  // A kept connection proves nothing about now; readiness needs a fresh bind.
  pool_.front().reset();
  return settle(ensure_connected());
}

Status LdapConnector::apply(const Operation& op) {
  return apply_all(std::span(&op, 1)).front();
}

std::vector<Status> LdapConnector::apply_all(std::span<const Operation> ops, const OnDone& on_done) {
  std::lock_guard lock(mu_);
  std::vector<std::optional<Status>> results(ops.size());
  auto base = parse_dn(settings_.base_dn);
  if (!base) {
    std::vector<Status> all(ops.size(), base.failure());
    return all;
  }
  const std::size_t lanes = std::min(pool_.size(), std::max<std::size_t>(ops.size(), 1));
  auto lanes_of = split(ops, lanes);
  std::mutex done_mu;
  OnDone one_at_a_time = [&](const Completion& c) {
    std::lock_guard done_lock(done_mu);
    on_done(c);
  };
  const OnDone& hook = !on_done ? on_done : (lanes == 1 ? on_done : one_at_a_time);
  auto run = [&](std::size_t k) {
    Lane lane{pool_[k], connect_, tuning_, settings_.timeout_ms, base.value()};
    run_lane(lane, ops, lanes_of[k], results, hook);
  };
  if (lanes == 1) {
    run(0);
  } else {
    std::vector<std::thread> threads;
    for (std::size_t k = 0; k < lanes; ++k) threads.emplace_back(run, k);
    for (auto& t : threads) t.join();
  }
  std::vector<Status> out;
  out.reserve(ops.size());
  for (auto& r : results) out.push_back(std::move(*r));
  return out;
}

Status LdapConnector::search(const std::string& base, Scope scope, const std::string& filter,
                             const std::vector<std::string>& attributes,
                             const std::function<void(const EntryView&)>& on_entry) {
  if (auto connected = ensure_connected(); !connected) return connected;
  int rc = pool_.front()->search_paged_views(base, scope, filter, attributes, tuning_.page_size, on_entry);
  if (rc == LDAP_SUCCESS) return ok();
  return pool_.front()->failure(rc, "search " + base + " " + filter);
}

Result<std::optional<Observed>> LdapConnector::read(const std::string& dn, const std::vector<std::string>& attributes) {
  std::lock_guard lock(mu_);
  std::vector<std::string> wanted = attributes;
  wanted.push_back("objectClass");
  wanted.insert(wanted.end(), kVersionAttributes.begin(), kVersionAttributes.end());
  std::optional<Observed> found;
  Status status = search(dn, Scope::base, "(objectClass=*)", wanted, [&](const EntryView& entry) {
    auto attributes = to_entry(entry).attributes;
    std::string version = take_version(attributes);
    found = Observed{dn, std::move(attributes), std::move(version)};
  });
  if (!status && status.failure().code == code_of(LDAP_NO_SUCH_OBJECT)) return std::optional<Observed>();
  if (!status) return settle(Result<std::optional<Observed>>(status.failure()));
  return found;
}

Status LdapConnector::read_all(const std::string& base, const std::string& filter,
                               const std::vector<std::string>& attributes,
                               const std::function<void(ObservedEntry&&)>& on_entry) {
  std::lock_guard lock(mu_);
  std::vector<std::string> wanted = attributes;
  wanted.insert(wanted.end(), {"objectClass", "modifyTimestamp", "entryCSN"});
  return settle(search(base, Scope::subtree, filter, wanted, [&](const EntryView& view) {
    Entry entry = to_entry(view);
    ObservedEntry out;
    out.modify_timestamp = take(entry.attributes, "modifyTimestamp");
    out.entry_csn = take(entry.attributes, "entryCSN");
    out.observed = Observed{std::move(entry.dn), std::move(entry.attributes), version_of(view.attributes)};
    on_entry(std::move(out));
  }));
}

Status LdapConnector::read_all_views(const std::string& base, const std::string& filter,
                                     const std::vector<std::string>& attributes,
                                     const std::function<void(const EntryView&)>& on_entry) {
  std::lock_guard lock(mu_);
  std::vector<std::string> wanted = attributes;
  wanted.push_back("objectClass");
  return settle(search(base, Scope::subtree, filter, wanted, on_entry));
}

Result<std::vector<Observed>> LdapConnector::find_by(const std::string& attribute, const std::string& value,
                                                     const std::vector<std::string>& attributes) {
  auto filter = equality_filter(attribute, value);
  if (!filter) return filter.failure();
  std::vector<Observed> found;
  Status status = read_all(settings_.base_dn, filter.value(), attributes,
                           [&](ObservedEntry&& entry) { found.push_back(std::move(entry.observed)); });
  if (!status) return status.failure();
  return found;
}

}  // namespace idb::connectors::ldap
