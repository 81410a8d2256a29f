#pragma once
// The one small interface every target sits behind (PowerDNS-backend style).
// Expected failures are values, classified so the outbox knows what to do.
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "mapping/attributes.h"
#include "reconcile/operation.h"

namespace idb::connectors {

enum class FailureKind {
  retry,      // busy, unavailable, timeout, connection lost: try again later
  conflict,   // already exists, uniqueness, non-leaf: needs a decision, not a retry loop
  permanent,  // schema/syntax violation, insufficient access: will fail the same way again
  // The target as a whole refuses us as configured (credentials rejected, its
  // certificate not trusted): every user would fail alike, so the target stops
  // until its configuration is fixed; the change stays queued.
  stop_target,
};

const char* to_string(FailureKind kind);

struct Failure {
  FailureKind kind;
  std::string code;     // the target's own code, e.g. "ldap:65 objectClassViolation"
  std::string message;  // the target's diagnostic, never containing a secret
};

// A value or a Failure.
template <class T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Failure failure) : v_(std::move(failure)) {}
  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  const Failure& failure() const { return std::get<1>(v_); }

 private:
  std::variant<T, Failure> v_;
};

// A write that succeeded. `version`: the account's version on the target
// right after it (LDAP: entryCSN, else modifyTimestamp, via the Post-Read
// control), which a later read compares with to tell whether anyone changed
// the account since; empty when the target did not say (unknown).
struct Done {
  std::string version{};
};
using Status = Result<Done>;
inline Status ok() { return Done{}; }

// An account as the target holds it now.
struct Observed {
  std::string key;
  mapping::Attributes attributes;
  std::string version{};  // the account's version as read (see Done); empty: unknown
};

class Connector {
 public:
  virtual ~Connector() = default;
  // The target's name from the config, used in logs and state.
  virtual const std::string& name() const = 0;
  // Reads one account with only the listed attributes; nullopt when it does not exist.
  virtual Result<std::optional<Observed>> read(const std::string& key, const std::vector<std::string>& attributes) = 0;
  // Applies one operation. Must be safe to repeat after a crash: the planner
  // re-reads before planning, so a repeated create meets an existing account.
  virtual Status apply(const reconcile::Operation& op) = 0;

  // Correlation of accounts idbridge never linked: the accounts whose
  // `attribute` holds exactly `value`. Only asked when can_find_by says the
  // target can search by that attribute.
  virtual bool can_find_by(const std::string& attribute) const {
    (void)attribute;
    return false;
  }
  virtual Result<std::vector<Observed>> find_by(const std::string& attribute, const std::string& value,
                                                const std::vector<std::string>& attributes) {
    (void)value, (void)attributes;
    return Failure{FailureKind::permanent, "unsupported", name() + " cannot search accounts by " + attribute};
  }
  // Applies a batch: one Status per operation, in batch order. Operations on
  // one account run in batch order, and once one fails the later ones on that
  // account (its key, or the new key of a rename) are not applied and fail
  // with its reason. This default applies them one at a time; a target that
  // can keep many in flight (LDAP) does better.
  virtual std::vector<Status> apply_all(std::span<const reconcile::Operation> ops);
};

}  // namespace idb::connectors
