#pragma once
// The dry-run reconciliation report: what a run would change on each target,
// and why. Built from plans, rendered as text, JSON or one self-contained
// HTML file. Pure: ordering is deterministic and no secret is ever in it
// (it holds only mapped attribute values and keys, and a secret attribute's
// values each show as mapping::kSecretValue: see TargetEntry::secrets).
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "reconcile/group_planner.h"
#include "reconcile/operation.h"
#include "reconcile/three_way.h"

namespace idb::reconcile {

inline constexpr int kReportSchemaVersion = 1;

// Whether anyone wrote the account on the target since idbridge last did
// (issue 7): the account's version as read against the version idbridge's
// last write left (the baseline's). unknown: either is missing (no account
// yet, never written, a target or a write that gave no version).
enum class SinceWritten : unsigned char { unknown, unchanged, changed };
const char* to_string(SinceWritten since);
SinceWritten compare_versions(std::string_view written_version, std::string_view observed_version);

// What a user's entry says beyond who and what: all of it empty for a user
// in sync, which most of a 100k-user report's entries are.
struct UserDetails {
  std::string error{};  // why the user could not be planned (action "error")
  std::vector<AttributeDecision> attributes{};  // every attribute that is not simply in sync
  std::vector<Operation> operations{};
  std::string fingerprint{};  // of the inputs it was planned from (see fingerprint.h)
  std::string correlation{};  // how an account idbridge never linked was found, if it was
  std::string delete_due{};   // a disabled account the delete policy will delete: when (RFC 3339)
  // The target's scope filter, when the account is disabled because its user
  // left that scope (the target's leaving_scope: disable).
  std::string out_of_scope{};
  // Evidence when an attribute was edited on the target (edited_on_target):
  // the account's version as idbridge's last write left it, and as read now.
  std::string version_written{};
  std::string version_observed{};
  bool empty() const;
  bool has_versions() const { return !version_written.empty() || !version_observed.empty(); }
};

// One user's line of the report. The details are held apart, and only when
// there are any: an entry in sync is its four strings and a flag.
struct UserEntry {
  std::string user_id;
  std::string user_name;
  std::string key;     // the account key (DN) the plan works on
  std::string action;  // create | update | disable | delete | no-op | skip | error
  bool conflict = false;
  SinceWritten since_written = SinceWritten::unknown;

  UserEntry() = default;
  UserEntry(std::string user_id, std::string user_name, std::string key, std::string action, UserDetails details = {},
            bool conflict = false, SinceWritten since_written = SinceWritten::unknown);
  UserEntry(const UserEntry& other);
  UserEntry& operator=(const UserEntry& other);
  UserEntry(UserEntry&&) = default;
  UserEntry& operator=(UserEntry&&) = default;

  const UserDetails& details() const;
  // The details to change, made when there were none.
  UserDetails& edit_details();

 private:
  std::unique_ptr<UserDetails> details_;  // nullptr: all empty
};

// An open item of the review queue (`idbridge conflicts`).
struct ReviewEntry {
  int64_t id = 0;
  std::string kind;  // attribute | uniqueness | ambiguous
  std::string user_id;
  std::string user_name;
  std::string attribute;
  std::string key;
  mapping::Values source;
  mapping::Values observed;
  std::string detail;
};

struct TargetEntry {
  std::string name;
  std::vector<UserEntry> users;
  std::optional<std::string> held;  // the guard that holds this target, if any
  std::vector<ReviewEntry> reviews;  // open review items, by id
  std::optional<std::string> stopped;  // why the target refused us as a whole (credentials, certificate)
  std::vector<GroupPlan> groups{};  // its group entries, when its mapping has `groups:`
  // Its mapping's secret attributes (TargetMapping::secrets), whose values show as mapping::kSecretValue;
  // of its group entries, the group mapping's (GroupMapping::secrets).
  mapping::SecretAttributes secrets{};
  mapping::SecretAttributes group_secrets{};
  // create/update/disable/delete/no-op/skip/error/conflict/review counts (every key present).
  std::map<std::string, int64_t> counts() const;
  // Of the group entries: create/update/rename/delete/no-op/error (every key present).
  std::map<std::string, int64_t> group_counts() const;
};

struct Report {
  std::string generated_at;  // RFC 3339
  std::string config;        // the config file the plan was made from
  std::vector<TargetEntry> targets;
  // Conflicts, open review items or held guards: `idbridge plan` exits 3.
  bool needs_attention() const;
};

// Sorts users by key (then user id), attributes by name, group entries by
// key (then group id) and review items by id (then user id, kind, attribute,
// key: those not queued yet share id 0), so the same
// state always renders the same report.
void normalize(Report& report);
// The order normalize gives a target's users: by account key, then user id.
bool report_order(const UserEntry& a, const UserEntry& b);
// Runs of users, each in report order, merged into one list in report order:
// a plan made in parts sorts each part on the thread that planned it, then
// moves every entry once here instead of gathering and sorting them all.
std::vector<UserEntry> merge_in_report_order(std::vector<std::vector<UserEntry>> runs);

nlohmann::json to_json(const Report& report);
std::string to_text(const Report& report);
// to_json(report).dump(2) + "\n" and to_text(report), written user by user:
// a plan of 100k users never holds the whole JSON tree or text at once.
// (to_json parses what write_json writes: the schema is written in one place.)
void write_json(const Report& report, std::ostream& out);
void write_text(const Report& report, std::ostream& out);
std::string to_html(const Report& report);
// to_html(report), its rows written as they are rendered.
void write_html(const Report& report, std::ostream& out);

// Values as a JSON array for a person to read (`idbridge conflicts`, `audit`,
// `explain`); a byte that is not UTF-8 shows as U+FFFD rather than failing.
// A secret attribute's are given as mapping::SecretAttributes::shown gives them.
std::string values_text(const mapping::Values& values);

}  // namespace idb::reconcile
