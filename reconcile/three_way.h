#pragma once
// Three-way decisions per attribute: what the source wants (desired), what we
// last wrote (baseline) and what the target holds now (observed) tell "the
// source changed" apart from "someone edited the target", and the attribute's
// authority decides what happens. Pure: no I/O.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mapping/attributes.h"
#include "mapping/mapping.h"
#include "reconcile/planner.h"

namespace idb::reconcile {

// Who owns an attribute's value on the target is the mapping's word
// (`authoritative:`): source wins and reverts target edits; target keeps an
// edit and stops managing the value; create_only writes it once; manual never
// writes it and sends every divergence to review.
using mapping::Authority;

struct Policies {
  Authority fallback = Authority::source;  // the target's default
  std::map<std::string, Authority, mapping::CaseInsensitiveLess> per_attribute;
  Authority of(const std::string& attribute) const;
};

// The authority the mapping gives each attribute it manages.
Policies policies_for(const mapping::TargetMapping& mapping);

enum class Verdict {
  in_sync,       // the target already holds the desired value
  apply_source,  // the source changed (or we never wrote it): the target gets it
  revert_drift,  // the target was edited, the source owns it: put it back
  keep_target,   // the target's value stays (its edit, or create_only after creation)
  converged,     // source and target changed to the same value
  conflict,      // needs a person (authority manual): nothing is written
};
const char* to_string(Verdict verdict);

// One attribute that is not in sync: its three sides and what becomes of it.
struct AttributeDecision {
  std::string attribute;
  Authority authority;
  Verdict verdict;
  std::optional<mapping::Values> baseline;  // absent when we never wrote it
  mapping::Values observed;
  mapping::Values desired;
  mapping::Values result;  // what the target holds once the plan is applied
  bool operator==(const AttributeDecision&) const = default;
};

// Whether the target's value stays as it is (kept, or a person decides).
bool target_stays(Verdict verdict);

// Whether someone changed the attribute on the target since idbridge wrote
// it: it was written (a baseline) and the target holds another value now.
bool edited_on_target(const AttributeDecision& decision);

struct Decision {
  // The attributes of the desired account decided on that are not in sync,
  // in its (name) order; an attribute not listed is in sync. What to write
  // and what to remember as written follow from them and that desired account
  // (plan() and next_baseline() below), so deciding a user in sync (most of
  // every full plan) copies and allocates nothing.
  std::vector<AttributeDecision> attributes;
  bool conflict = false;
};

// A divergence of a `manual` attribute an administrator accepted ("take
// target" in the review queue): while the source still wants `desired` and
// the target still holds `observed`, the target's value stands.
struct Accepted {
  mapping::Values desired;
  mapping::Values observed;
};
using AcceptedDivergences = std::map<std::string, Accepted, mapping::CaseInsensitiveLess>;

// `baseline` is what we last wrote to this account (nullopt: never written,
// e.g. an account found by correlation); `observed` nullopt: no account yet.
Decision decide(const mapping::Desired& desired, const std::optional<mapping::Attributes>& baseline,
                const std::optional<Account>& observed, const Policies& policies,
                const AcceptedDivergences& accepted = {}, const PlanOptions& options = {});
// The same, with the baseline borrowed (null: never written), so a caller
// holding it elsewhere (a stored state::Baseline) need not copy it.
Decision decide(const mapping::Desired& desired, const mapping::Attributes* baseline,
                const std::optional<Account>& observed, const Policies& policies,
                const AcceptedDivergences& accepted = {}, const PlanOptions& options = {});

// Walks the desired account's attributes alongside a decision on it: asked
// every name of desired in order, says how each was decided (null: not
// listed, in sync).
class DecisionWalk {
 public:
  explicit DecisionWalk(const Decision& decision);
  const AttributeDecision* of(const std::string& name);

 private:
  const AttributeDecision* at_;
  const AttributeDecision* end_;
};

// The operations that write exactly what `decision` (decide() on the same
// `desired` and `observed`) decided: desired's value of each attribute the
// source applies or reverts; every other attribute stays as the target holds it.
std::vector<Operation> plan(const mapping::Desired& desired, const Decision& decision,
                            const std::optional<Account>& observed, const PlanOptions& options = {});

// What to remember as "last written" once `decision` (decided on `desired`)
// is applied. A kept or conflicting attribute keeps its old baseline, so the
// divergence stays visible and a `target`-owned value stays unmanaged until
// the target matches again.
mapping::Attributes next_baseline(const mapping::Desired& desired, const Decision& decision);

}  // namespace idb::reconcile
