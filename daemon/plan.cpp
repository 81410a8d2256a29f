#include "daemon/plan.h"

#include <chrono>
#include <algorithm>
#include <atomic>
#include <fstream>
#include <future>
#include <functional>
#include <iostream>
#include <iterator>
#include <memory>
#include <thread>
#include <unordered_map>

#include <spdlog/spdlog.h>

#include "daemon/account_index.h"
#include "daemon/audit_record.h"
#include "daemon/group_sync.h"
#include "daemon/guards.h"
#include "daemon/review.h"
#include "daemon/runtime.h"
#include "daemon/user_plan.h"
#include "reconcile/report.h"
#include "state/user_groups.h"

namespace idb::daemon {
namespace {

reconcile::UserEntry entry_for(const state::User& user, const connectors::Result<UserPlan>& planned) {
  reconcile::UserDetails d;
  if (!planned) {
    d.error = planned.failure().code + ": " + planned.failure().message;
    return {user.id, user.user_name, "", "error", std::move(d)};
  }
  const UserPlan& p = planned.value();
  d.operations = p.operations;
  d.fingerprint = p.fingerprint;
  if (p.delete_due_ms && p.kind != UserPlan::Kind::remove) d.delete_due = utc_iso8601(*p.delete_due_ms);
  if (!p.correlated_by.empty()) {
    d.correlation = p.candidates.empty() ? "linked by " + p.correlated_by + " to " + p.observed->key
                                         : "ambiguous: " + std::to_string(p.candidates.size()) + " accounts match " +
                                               p.correlated_by;
  }
  d.out_of_scope = p.out_of_scope;
  d.attributes = p.decision.attributes;  // only the attributes not in sync
  if (std::any_of(d.attributes.begin(), d.attributes.end(), reconcile::edited_on_target)) {
    d.version_written = p.written_version;  // the evidence of the edit
    d.version_observed = p.observed_version;
  }
  return {user.id,
          user.user_name,
          p.observed && p.observed->key != p.desired.key ? p.observed->key + " -> " + p.desired.key : p.desired.key,
          to_string(p.kind),
          std::move(d),
          p.decision.conflict,
          reconcile::compare_versions(p.written_version, p.observed_version)};
}

// What a thread finds planning one range of the users, its users in report
// order. The parts are gathered in range order, so which users a stopped
// target leaves out is what a single pass in store order would leave out.
struct Part {
  std::vector<reconcile::UserEntry> users;
  std::vector<reconcile::ReviewEntry> reviews;  // accounts taken by another user, not queued yet
  reconcile::RunCounts counts;
  PendingMembers pending_members;
  bool read_failed = false;
  std::optional<std::string> stopped;  // why the target stopped, at this part's first refusal
};

// Threads planning one target's users: what the cores allow, at most four
// (each reads on a store connection of its own).
std::size_t plan_threads() { return std::clamp<std::size_t>(std::thread::hardware_concurrency(), 1, 4); }

// Users per range the threads take in turn: small enough that the threads
// finish together, large enough that a range's query and bookkeeping are
// nothing beside planning its users.
constexpr int64_t kRangeUsers = 1024;

// Rendered straight into the file (stdout when none): never a second copy
// of a 100k-user report in memory.
bool write_report(const std::optional<std::filesystem::path>& path, const std::function<void(std::ostream&)>& render) {
  if (!path) {
    render(std::cout);
    return static_cast<bool>(std::cout.flush());
  }
  std::ofstream out(*path, std::ios::binary | std::ios::trunc);
  if (out) render(out);
  if (out.flush()) return true;
  std::cerr << "idbridge plan: cannot write " << path->string() << "\n";
  return false;
}

struct ApplyCounts {
  int applied = 0, refused = 0, failed = 0;
};

// Re-plans one saved item and applies it only if nothing it rests on moved.
void apply_item(const Runtime& runtime, const TargetBinding& binding, const nlohmann::json& item,
                state::UserGroups& groups, ApplyCounts& counts, const std::string& source) {
  const std::string name = binding.connector->name();
  const std::string id = item.value("user_id", "");
  const std::string label = "[" + name + "] " + item.value("action", "?") + " " + item.value("key", "") + " (user " +
                            item.value("user_name", id) + ")";
  auto user = runtime.store->get_user(id, /*include_deleted=*/true);
  if (!user) {
    std::cout << label << ": refused, the user no longer exists\n";
    ++counts.refused;
    return;
  }
  groups.add_to(user->id, user->resource);
  const auto baseline = runtime.store->baseline(name, id);
  const auto planned =
      plan_user(binding, *user, baseline, now_ms(), nullptr, accepted_for(*runtime.store, name, id));
  if (!planned) {
    std::cout << label << ": failed, " << planned.failure().code << ": " << planned.failure().message << "\n";
    ++counts.failed;
    return;
  }
  const UserPlan& now = planned.value();
  if (now.fingerprint != item.value("fingerprint", "")) {
    std::cout << label << ": refused, the user or the account changed since the plan was made\n";
    ++counts.refused;
    return;
  }
  // Same inputs, other action: time alone moved a delete's grace period on.
  if (to_string(now.kind) != item.value("action", "")) {
    std::cout << label << ": refused, it would now " << to_string(now.kind) << "; make a new plan\n";
    ++counts.refused;
    return;
  }
  auto pending = taken_by_other(*runtime.store, name, *user, baseline, now);
  if (!pending) pending = ambiguous_review(name, *user, now);
  if (const auto& taken = pending) {
    std::cout << label << ": refused, " << taken->detail << "\n";
    ++counts.refused;
    return;
  }
  std::string version;  // the last write says how the account was left
  for (const auto& op : now.operations) {
    auto status = binding.connector->apply(op);
    if (status) {
      version = std::move(status.value().version);
    } else {
      runtime.store->append_audit(
          audit_record(name, binding.mapping->secrets(), *user, now, source, now_ms(), &status.failure()));
      std::cout << label << ": failed, " << status.failure().code << ": " << status.failure().message << "\n";
      ++counts.failed;
      return;
    }
  }
  runtime.store->record_applied(name, id, now.next_baseline(std::move(version)),
                                audit_record(name, binding.mapping->secrets(), *user, now, source, now_ms()));
  std::cout << label << ": applied\n";
  ++counts.applied;
}

// The saved items with something to do (operations), users' or groups'.
std::vector<const nlohmann::json*> actionable(const nlohmann::json& target, const char* section) {
  std::vector<const nlohmann::json*> out;
  if (!target.contains(section) || !target[section].is_array()) return out;
  for (const auto& item : target[section]) {
    if (item.contains("operations") && item["operations"].is_array() && !item["operations"].empty()) {
      out.push_back(&item);
    }
  }
  return out;
}

// Applies the saved group items of one target that `fresh` still plans
// alike; refuses the others.
void apply_group_items(const Runtime& runtime, const TargetBinding& binding,
                       const std::vector<const nlohmann::json*>& items, const std::vector<reconcile::GroupPlan>& fresh,
                       ApplyCounts& counts, const std::string& source) {
  const std::string name = binding.connector->name();
  std::vector<const reconcile::GroupPlan*> accepted;
  std::vector<std::string> labels;
  for (const auto* item : items) {
    const std::string id = item->value("group_id", "");
    const std::string group = item->value("name", "");
    const std::string label = "[" + name + "] group " + item->value("action", "?") + " " + item->value("key", "") +
                              " (group " + (group.empty() ? id : group) + ")";
    const auto now = std::find_if(fresh.begin(), fresh.end(), [&](const auto& g) { return g.group_id == id; });
    if (now == fresh.end()) {
      std::cout << label << ": refused, the group no longer maps to an entry\n";
      ++counts.refused;
    } else if (now->kind == reconcile::GroupPlan::Kind::error) {
      std::cout << label << ": failed, " << now->error << "\n";
      ++counts.failed;
    } else if (now->fingerprint != item->value("fingerprint", "")) {
      std::cout << label << ": refused, the group, its members' accounts or its entry changed since the plan was made\n";
      ++counts.refused;
    } else {
      accepted.push_back(&*now);
      labels.push_back(label);
    }
  }
  const auto statuses = apply_group_plans(binding, *runtime.store, accepted, source);
  for (std::size_t i = 0; i < accepted.size(); ++i) {
    if (statuses[i]) {
      std::cout << labels[i] << ": applied\n";
      ++counts.applied;
    } else {
      std::cout << labels[i] << ": failed, " << statuses[i].failure().code << ": " << statuses[i].failure().message
                << "\n";
      ++counts.failed;
    }
  }
}

// The target's group entries, as the daemon's group sync plans them after
// its users: from the accounts as they will be once the users' changes are
// applied (`pending`). For a target a guard holds too, since `apply
// --approve` of the plan applies its users before its groups, as the plan
// shows them. A pass of its own beside the users'.
void plan_group_entries(const TargetBinding& binding, state::Store& store, const PendingMembers& pending,
                        reconcile::TargetEntry& target, bool& read_failed) {
  if (target.stopped) return;  // the target refuses us: its group entries cannot be read either
  target.groups = plan_groups(binding, store, pending);
  read_failed |= std::any_of(target.groups.begin(), target.groups.end(),
                             [](const auto& g) { return g.kind == reconcile::GroupPlan::Kind::error; });
}

}  // namespace

int apply(const config::Config& config, const ApplyRequest& request) {
  std::ifstream in(request.plan, std::ios::binary);
  const auto saved = in ? nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false) : nlohmann::json();
  if (!saved.is_object() || saved.value("schema_version", 0) != reconcile::kReportSchemaVersion ||
      !saved.contains("targets") || !saved["targets"].is_array()) {
    std::cerr << request.plan.string() << ": not a plan written by 'idbridge plan --save' (schema version "
              << reconcile::kReportSchemaVersion << ")\n";
    return 2;
  }
  auto runtime = runtime_or_report(config);
  if (!runtime) return 2;

  ApplyCounts counts;
  // Mappings read User.groups: every membership is loaded once for the run.
  state::UserGroups groups(*runtime->store, /*many=*/true);
  for (const auto& target : saved["targets"]) {
    const std::string name = target.value("name", "");
    const auto* binding = runtime->targets->binding(name);
    const auto users = actionable(target, "users");
    const auto group_items = actionable(target, "groups");
    const auto pending = users.size() + group_items.size();
    if (!binding) {
      std::cout << "target " << name << ": not in " << config.file.string() << "; " << pending << " item(s) refused\n";
      counts.refused += static_cast<int>(pending);
      continue;
    }
    if (target.contains("held") && target["held"].is_string() && !request.approve) {
      std::cout << "target " << name << ": held (" << target["held"].get<std::string>() << "); " << pending
                << " item(s) not applied. Review the plan and run again with --approve.\n";
      counts.refused += static_cast<int>(pending);
      continue;
    }
    const std::string source = "apply " + request.plan.string();
    for (const auto* item : users) apply_item(*runtime, *binding, *item, groups, counts, source);
    // After the users, as the plan foresaw them: a group item resting on a
    // user item that was refused or failed is refused with it.
    if (!group_items.empty()) {
      apply_group_items(*runtime, *binding, group_items, plan_groups(*binding, *runtime->store), counts, source);
    }
  }
  std::cout << "apply: " << counts.applied << " applied, " << counts.refused << " refused, " << counts.failed
            << " failed\n";
  if (counts.failed) return 1;
  return counts.refused ? 3 : 0;
}

int plan(const config::Config& config, const PlanRequest& request) {
  if (request.format != "text" && request.format != "json" && request.format != "html") {
    std::cerr << "idbridge plan: unknown format '" << request.format << "' (known: text, json, html)\n";
    return 2;
  }
  auto built = runtime_or_report(config);
  if (!built) return 2;
  auto& runtime = *built;
  if (request.target && std::find(runtime.target_names.begin(), runtime.target_names.end(), *request.target) ==
                            runtime.target_names.end()) {
    std::cerr << "idbridge plan: no target named '" << *request.target << "' in " << config.file.string() << "\n";
    return 2;
  }

  const int64_t now = now_ms();
  reconcile::Report report{utc_iso8601(now), config.file.string(), {}};
  bool read_failed = false;
  // Mappings read User.groups: every membership is loaded once for the plan.
  state::UserGroups groups(*runtime.store, /*many=*/true);
  for (const auto& binding : runtime.targets->bindings) {
    const std::string& name = binding.connector->name();
    if (request.target && *request.target != name) continue;
    reconcile::TargetEntry target{name, {}, std::nullopt, {}, std::nullopt};
    target.secrets = binding.mapping->secrets();
    if (const auto* groups = binding.mapping->groups()) target.group_secrets = groups->secrets;
    reconcile::RunCounts counts;
    // Read first: the target answers while the store is loaded below.
    const AccountIndex accounts(binding, config);
    const AccountReader reader = accounts.reader();
    const auto accepted = accepted_on(*runtime.store, name);
    for (const auto& item : runtime.store->reviews(/*include_closed=*/false, name)) {
      target.reviews.push_back(review_entry(*runtime.store, item));
    }
    static const reconcile::AcceptedDivergences kNone;
    PendingMembers pending_members;  // for the group entries, planned after the users
    // The users in ranges, one thread each, streamed with their baselines: only
    // the report's entries are kept. Lookups are thread-safe when the accounts
    // were read in one go (LDAP); other targets keep one thread, as each of
    // their lookups is a call on the connector.
    //
    // The threads take small ranges in store order, in turn: all of them plan
    // at the front of the read. (One half of the users per thread left the
    // second thread waiting for the read to reach its half, then planning it
    // alone for a third of the run after the first thread was done.)
    const std::size_t threads = reader ? plan_threads() : 1;
    const auto ranges = runtime.store->user_ranges(
        threads > 1 ? static_cast<int>(std::max<int64_t>(runtime.store->count_users() / kRangeUsers, 1)) : 1);
    std::vector<Part> parts(ranges.size());
    const auto plan_range = [&](std::size_t k) {
      Part& part = parts[k];
      runtime.store->for_each_user_with_baseline(
          name, /*include_deleted=*/true, ranges[k], [&](state::User&& user, std::optional<state::Baseline>&& baseline) {
            if (part.stopped) return;
            groups.add_to(user.id, user.resource);
            const auto acc = accepted.find(user.id);
            const auto planned =
                plan_user(binding, user, baseline, now, reader, acc == accepted.end() ? kNone : acc->second);
            part.users.push_back(entry_for(user, planned));
            if (!planned) {
              part.read_failed |= planned.failure().kind != connectors::FailureKind::permanent;
              if (planned.failure().kind == connectors::FailureKind::stop_target) {
                // Every other read would be refused alike: one is enough to say why.
                part.stopped = planned.failure().code + ": " + planned.failure().message;
              }
              return;
            }
            auto pending = taken_by_other(*runtime.store, name, user, baseline, planned.value());
            if (!pending) pending = ambiguous_review(name, user, planned.value());
            if (const auto& taken = pending) {
              // Another user's account: nothing is done for this user until a person decides.
              auto& e = part.users.back();
              e.action = "skip";
              e.conflict = true;
              if (!e.details().operations.empty()) e.edit_details().operations.clear();
              const bool queued = std::any_of(target.reviews.begin(), target.reviews.end(), [&](const auto& r) {
                return r.user_id == user.id && r.kind == taken->kind;
              });
              if (!queued) part.reviews.push_back(review_entry(*runtime.store, *taken));  // id 0: not queued yet
              return;
            }
            tally(part.counts, planned.value());
            note_pending_member(binding, user.id, planned.value(), part.pending_members);
          });
      std::sort(part.users.begin(), part.users.end(), reconcile::report_order);
    };
    {
      std::atomic<std::size_t> next{0};
      // Ranges after one the target stopped in are left out of the report: not planned either.
      std::atomic<bool> stopped{false};
      const auto take_ranges = [&] {
        for (std::size_t k = next++; k < parts.size() && !stopped; k = next++) {
          plan_range(k);
          if (parts[k].stopped) stopped = true;
        }
      };
      // One taker on this thread; a throw elsewhere comes back through get().
      std::vector<std::future<void>> others;
      for (std::size_t t = 1; t < std::min(threads, parts.size()); ++t) {
        others.push_back(std::async(std::launch::async, take_ranges));
      }
      take_ranges();
      for (auto& other : others) other.get();
    }
    std::vector<std::vector<reconcile::UserEntry>> runs;
    for (auto& part : parts) {
      runs.push_back(std::move(part.users));
      std::move(part.reviews.begin(), part.reviews.end(), std::back_inserter(target.reviews));
      counts.disables += part.counts.disables;
      counts.deletes += part.counts.deletes;
      counts.modifies += part.counts.modifies;
      pending_members.merge(part.pending_members);
      read_failed |= part.read_failed;
      if (part.stopped) {
        target.stopped = std::move(part.stopped);
        break;  // the later ranges come after the refusal: a single pass would not have planned them
      }
    }
    target.users = reconcile::merge_in_report_order(std::move(runs));
    target.held = guard_verdict(*runtime.store, binding, counts);
    // What the daemon holds is what an administrator approves: named as such.
    if (const auto hold = runtime.store->hold_of(name); hold && !hold->approved_ms) {
      target.held = "the daemon holds batch " + hold->batch + " (" + held_counts(*hold) + "): " + hold->reason +
                    "; approve it with 'idbridge approve --target " + name + " --batch " + hold->batch + "'";
    }
    plan_group_entries(binding, *runtime.store, pending_members, target, read_failed);
    report.targets.push_back(std::move(target));
  }
  reconcile::normalize(report);

  const auto json = [&](std::ostream& out) { reconcile::write_json(report, out); };
  if (request.save && !write_report(*request.save, json)) return 1;
  const bool written = request.format == "json"   ? write_report(request.output, json)
                       : request.format == "html" ? write_report(request.output, [&](std::ostream& out) {
                                                      reconcile::write_html(report, out);
                                                    })
                                                  : write_report(request.output, [&](std::ostream& out) {
                                                      reconcile::write_text(report, out);
                                                    });
  if (!written) return 1;
  if (read_failed) return 1;
  return report.needs_attention() ? 3 : 0;
}

}  // namespace idb::daemon
