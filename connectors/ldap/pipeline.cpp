#include "connectors/ldap/pipeline.h"

#include <ldap.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <algorithm>
#include <string>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "connectors/ldap/errors.h"

namespace idb::connectors::ldap {
namespace {

using Clock = std::chrono::steady_clock;
using reconcile::Operation;

// Only organizational units are made up on the fly: they carry nothing but
// their name, so creating one cannot invent data nobody asked for.
bool creatable_parent(const Dn& parent, const Dn& base) {
  if (parent.rdns.size() <= base.rdns.size() || parent.rdns.front().size() != 1) return false;
  return strcasecmp(parent.rdns.front().front().type.c_str(), "ou") == 0 && within(parent, base);
}

mapping::Attributes organizational_unit(const Dn& dn) {
  return {{"objectClass", {"organizationalUnit"}}, {"ou", {dn.rdns.front().front().value}}};
}

const char* verb(Operation::Kind kind) {
  switch (kind) {
    case Operation::Kind::create: return "add";
    case Operation::Kind::modify: return "modify";
    case Operation::Kind::rename: return "rename";
    case Operation::Kind::remove: return "delete";
  }
  return "apply";
}

std::string describe(const Operation& op) {
  std::string what = std::string(verb(op.kind)) + " " + op.key;
  if (op.kind == Operation::Kind::rename) what += " to " + op.new_key;
  return what;
}

// Codes that say the connection itself is gone or in doubt, not the operation.
bool connection_lost(int rc) {
  return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT || rc == LDAP_LOCAL_ERROR ||
         rc == LDAP_DECODING_ERROR || rc == LDAP_ENCODING_ERROR;
}

// An operation parsed once: its DNs and the normalised forms that say which
// entries it touches (a rename touches two).
struct Prepared {
  Dn dn, new_dn;
  std::vector<std::string> entries;
};

Result<Prepared> prepare(const Operation& op) {
  Prepared p;
  auto dn = parse_dn(op.key);
  if (!dn) return dn.failure();
  p.dn = std::move(dn.value());
  p.entries.push_back(normalize(p.dn));
  if (op.kind == Operation::Kind::rename) {
    auto to = parse_dn(op.new_key);
    if (!to) return to.failure();
    if (to.value().empty()) return to_failure(LDAP_INVALID_DN_SYNTAX, describe(op) + ": empty new DN");
    p.new_dn = std::move(to.value());
    p.entries.push_back(normalize(p.new_dn));
  }
  return p;
}

// A rename as modrdn takes it: the new RDN, and the new superior only when the parent changes.
struct Modrdn {
  std::string new_rdn, new_superior;
};

Modrdn modrdn(const Prepared& p) {
  Dn new_parent = p.new_dn.parent();
  bool moves = normalize(new_parent) != normalize(p.dn.parent());
  return {str(p.new_dn.rdns.front()), moves ? new_parent.str() : std::string()};
}

// A rename into an ou=... that does not exist yet (a "disabled" OU on first
// use): the OU is made, as for an add, and the rename tried again. When the
// parent was there all along, the entry itself is missing: `failure` stands.
Status rename_with_parents(Session& session, const Operation& op, const Prepared& p, const Dn& base,
                           Failure failure) {
  const Dn parent = p.new_dn.parent();
  if (!add_with_parents(session, parent, organizational_unit(parent), base)) return failure;
  const auto [new_rdn, new_superior] = modrdn(p);
  Done done;
  if (int rc = session.rename(op.key, new_rdn, new_superior, &done.version); rc != LDAP_SUCCESS) {
    return session.failure(rc, describe(op));
  }
  return done;
}

int send(Session& session, const Operation& op, const Prepared& p, int& msgid) {
  switch (op.kind) {
    case Operation::Kind::create: return session.send_add(op.key, op.attributes, msgid);
    case Operation::Kind::modify: return session.send_modify(op.key, op.changes, msgid);
    case Operation::Kind::rename: {
      const auto [new_rdn, new_superior] = modrdn(p);
      return session.send_rename(op.key, new_rdn, new_superior, msgid);
    }
    case Operation::Kind::remove: return session.send_delete(op.key, msgid);
  }
  return LDAP_PARAM_ERROR;
}

class LaneRun {
 public:
  LaneRun(const Lane& lane, std::span<const Operation> ops, const std::vector<std::size_t>& indices,
          std::vector<std::optional<Status>>& results, const OnDone& on_done)
      : lane_(lane), ops_(ops), indices_(indices), results_(results), on_done_(on_done) {}

  void run() {
    if (!lane_.session && !open(1)) return;
    while (next_ < indices_.size() || !in_flight_.empty()) {
      int rc = send_some();
      if (rc == LDAP_SUCCESS && !in_flight_.empty()) rc = receive_one();
      if (rc != LDAP_SUCCESS && !recover(rc)) return;
    }
  }

 private:
  struct Flight {
    std::size_t index;
    Prepared prepared;
    Clock::time_point sent;
  };

  const Operation& op_at(std::size_t index) const { return ops_[index]; }

  void finish(std::size_t index, Status status, Clock::time_point sent) {
    results_[index] = std::move(status);
    if (on_done_) on_done_(Completion{index, *results_[index], Clock::now() - sent});
  }

  // A failed operation holds back the later ones on the same entries.
  void fail(std::size_t index, Failure failure, const std::vector<std::string>& entries, Clock::time_point sent) {
    for (const std::string& e : entries) held_.emplace(e, failure);
    finish(index, std::move(failure), sent);
  }

  // Sends until the window is full, the batch is out, or the next operation
  // must wait for an earlier one on its entry. Returns a connection failure, if any.
  int send_some() {
    while (next_ < indices_.size() && in_flight_.size() < lane_.tuning.window) {
      const std::size_t index = indices_[next_];
      const Operation& op = op_at(index);
      const auto now = Clock::now();
      auto prepared = prepare(op);
      if (!prepared) {
        finish(index, prepared.failure(), now);
        ++next_;
        continue;
      }
      const auto& entries = prepared.value().entries;
      if (auto held = held_by(entries)) {
        fail(index,
             Failure{held->kind, held->code, describe(op) + ": not sent, an earlier operation on this entry failed: " +
                                                 held->message},
             entries, now);
        ++next_;
        continue;
      }
      if (std::any_of(entries.begin(), entries.end(), [&](const auto& e) { return busy_.count(e) > 0; })) break;
      int msgid = 0;
      int rc = send(*lane_.session, op, prepared.value(), msgid);
      if (connection_lost(rc)) return rc;
      ++next_;
      if (rc != LDAP_SUCCESS) {
        fail(index, lane_.session->failure(rc, describe(op)), entries, now);
        continue;
      }
      for (const std::string& e : entries) busy_.insert(e);
      in_flight_.emplace(msgid, Flight{index, std::move(prepared.value()), now});
    }
    return LDAP_SUCCESS;
  }

  std::optional<Failure> held_by(const std::vector<std::string>& entries) const {
    for (const std::string& e : entries) {
      if (auto found = held_.find(e); found != held_.end()) return found->second;
    }
    return std::nullopt;
  }

  int receive_one() {
    Reply reply;
    int rc = lane_.session->receive(LDAP_RES_ANY, lane_.timeout_ms, reply);
    if (rc != LDAP_SUCCESS) return rc;
    auto found = in_flight_.find(reply.msgid);
    if (found == in_flight_.end()) return LDAP_SUCCESS;  // not ours: nothing else is sent on this handle
    Flight flight = std::move(found->second);
    in_flight_.erase(found);
    for (const std::string& e : flight.prepared.entries) busy_.erase(e);
    const Operation& op = op_at(flight.index);

    // A delete repeated after a crash finds the entry gone: that is its goal.
    if (reply.code == LDAP_SUCCESS || (reply.code == LDAP_NO_SUCH_OBJECT && op.kind == Operation::Kind::remove)) {
      finish(flight.index, Done{std::move(reply.version)}, flight.sent);
      return LDAP_SUCCESS;
    }
    Status status = to_failure(reply.code, describe(op), reply.diagnostic, reply.matched_dn);
    if (reply.code == LDAP_NO_SUCH_OBJECT && op.kind == Operation::Kind::create &&
        creatable_parent(flight.prepared.dn.parent(), lane_.base)) {
      // Rare (a new ou), so done synchronously; later operations on this
      // entry wait for it because it is still the one in their way.
      status = add_with_parents(*lane_.session, flight.prepared.dn, op.attributes, lane_.base);
    } else if (reply.code == LDAP_NO_SUCH_OBJECT && op.kind == Operation::Kind::rename &&
               creatable_parent(flight.prepared.new_dn.parent(), lane_.base)) {
      status = rename_with_parents(*lane_.session, op, flight.prepared, lane_.base, status.failure());
    }
    if (status) {
      finish(flight.index, std::move(status), flight.sent);
      return LDAP_SUCCESS;
    }
    const bool lost = status.failure().kind == FailureKind::retry && status.failure().code == code_of(LDAP_SERVER_DOWN);
    fail(flight.index, status.failure(), flight.prepared.entries, flight.sent);
    return lost ? LDAP_SERVER_DOWN : LDAP_SUCCESS;
  }

  // The connection is gone or in doubt: what was in flight has an unknown
  // outcome and is reported as such (the caller re-reads before retrying);
  // the rest of the batch goes on over a new connection.
  bool recover(int rc) {
    const Failure lost = to_failure(rc, "connection lost with the operation in flight; outcome unknown");
    spdlog::warn("ldap: {} with {} operations in flight; reconnecting", lost.code, in_flight_.size());
    for (auto& [msgid, flight] : in_flight_) {
      const Operation& op = op_at(flight.index);
      fail(flight.index, Failure{lost.kind, lost.code, describe(op) + ": " + lost.message}, flight.prepared.entries,
           flight.sent);
    }
    in_flight_.clear();
    busy_.clear();
    lane_.session.reset();
    // Nothing left to send: the next batch connects, no need to wait here.
    if (next_ >= indices_.size()) return true;
    return open(lane_.tuning.reconnect_attempts);
  }

  // Opens the lane's connection, waiting with backoff between attempts. When
  // it cannot, every operation not yet sent fails with the reason.
  bool open(int attempts) {
    int wait_ms = lane_.tuning.backoff_initial_ms;
    std::optional<Failure> last;
    for (int attempt = 0; attempt < std::max(1, attempts); ++attempt) {
      if (attempt > 0) {
        std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms));
        wait_ms = std::min(wait_ms * 2, lane_.tuning.backoff_max_ms);
      }
      auto opened = lane_.connect();
      if (opened) {
        lane_.session.emplace(std::move(opened.value()));
        return true;
      }
      last = opened.failure();
      if (attempts > 1) spdlog::debug("ldap: reconnect attempt {} failed: {}", attempt + 1, last->message);
    }
    const auto now = Clock::now();
    for (; next_ < indices_.size(); ++next_) finish(indices_[next_], *last, now);
    return false;
  }

  const Lane& lane_;
  std::span<const Operation> ops_;
  const std::vector<std::size_t>& indices_;
  std::vector<std::optional<Status>>& results_;
  const OnDone& on_done_;
  std::size_t next_ = 0;  // position in indices_ of the next operation to send
  std::unordered_map<int, Flight> in_flight_;
  std::unordered_set<std::string> busy_;            // entries with an operation in flight
  std::unordered_map<std::string, Failure> held_;  // entries whose operation failed in this batch
};

}  // namespace

Status add_with_parents(Session& session, const Dn& dn, const mapping::Attributes& attributes, const Dn& base) {
  const std::string text = dn.str();
  Done done;
  int rc = session.add(text, attributes, &done.version);
  if (rc == LDAP_NO_SUCH_OBJECT && creatable_parent(dn.parent(), base)) {
    Dn parent = dn.parent();
    spdlog::debug("ldap: creating missing parent {}", parent.str());
    Status made = add_with_parents(session, parent, organizational_unit(parent), base);
    // Someone else creating the same parent meanwhile is as good as us doing it.
    if (!made && made.failure().code != code_of(LDAP_ALREADY_EXISTS)) return made;
    rc = session.add(text, attributes, &done.version);
  }
  if (rc != LDAP_SUCCESS) return session.failure(rc, "add " + text);
  return done;
}

void run_lane(const Lane& lane, std::span<const Operation> ops, const std::vector<std::size_t>& indices,
              std::vector<std::optional<Status>>& results, const OnDone& on_done) {
  LaneRun(lane, ops, indices, results, on_done).run();
}

}  // namespace idb::connectors::ldap
