#include "daemon/conflicts.h"

#include <algorithm>
#include <ostream>

#include <nlohmann/json.hpp>

#include "daemon/audit_record.h"
#include "daemon/guards.h"
#include "daemon/review.h"
#include "daemon/runtime.h"
#include "daemon/user_plan.h"
#include "reconcile/report.h"
#include "state/user_groups.h"

namespace idb::daemon {
namespace {

using reconcile::values_text;

// The secret attributes of `target` as its mapping says; by name alone for a
// target no longer configured.
const mapping::SecretAttributes& secrets_of(const mapping::LoadResult& mappings, const std::string& target) {
  static const mapping::SecretAttributes kByName;
  const auto it = mappings.targets.find(target);
  return it == mappings.targets.end() ? kByName : it->second.secrets();
}

nlohmann::json item_json(const reconcile::ReviewEntry& e, const state::ReviewItem& item,
                         const mapping::SecretAttributes& secrets) {
  return {{"id", e.id},
          {"target", item.target},
          {"kind", e.kind},
          {"user_id", e.user_id},
          {"user_name", e.user_name},
          {"attribute", e.attribute},
          {"key", e.key},
          {"source", secrets.shown(e.attribute, e.source)},
          {"observed", secrets.shown(e.attribute, e.observed)},
          {"detail", e.detail},
          {"opened_ms", item.opened_ms},
          {"closed_ms", item.closed_ms ? nlohmann::json(*item.closed_ms) : nlohmann::json(nullptr)},
          {"resolution", item.resolution}};
}

// What the audit log names as the source of a change a resolution makes, or
// of the changes of the user it queued again.
std::string resolved_by(const state::ReviewItem& item, const std::string& take) {
  return "conflicts resolve #" + std::to_string(item.id) + " --take " + take;
}

// "take source" of a manual attribute: write the source's value now and
// remember it as written.
int take_source_value(Runtime& runtime, const TargetBinding& binding, const state::ReviewItem& item,
                      const state::User& user, std::ostream& out, std::ostream& err) {
  const auto baseline = runtime.store->baseline(item.target, user.id);
  const auto planned = plan_user(binding, user, baseline, now_ms());
  if (!planned) {
    err << "review #" << item.id << ": cannot plan " << user.user_name << " on " << item.target << ": "
        << planned.failure().code << ": " << planned.failure().message << "\n";
    return 1;
  }
  const UserPlan& plan = planned.value();
  const auto decided = std::find_if(plan.decision.attributes.begin(), plan.decision.attributes.end(),
                                    [&](const reconcile::AttributeDecision& a) { return a.attribute == item.attribute; });
  if (!plan.observed || decided == plan.decision.attributes.end() ||
      decided->verdict != reconcile::Verdict::conflict) {
    runtime.store->close_review(item.id, "gone", now_ms());
    out << "review #" << item.id << ": " << item.attribute << " no longer diverges on " << item.target
        << "; closed\n";
    return 0;
  }
  reconcile::Operation op{reconcile::Operation::Kind::modify, plan.observed->key, {}, {}, {}};
  const mapping::SecretAttributes& secrets = binding.mapping->secrets();
  op.changes.push_back({item.attribute,
                        decided->desired.empty() ? reconcile::ChangeKind::remove : reconcile::ChangeKind::replace,
                        decided->desired});
  const std::string source = resolved_by(item, "source");
  const auto status = binding.connector->apply(op);
  if (!status) {
    runtime.store->append_audit(
        audit_record(item.target, secrets, user, op, source, now_ms(), &status.failure()));
    err << "review #" << item.id << ": " << item.target << " refused " << item.attribute << " = "
        << values_text(secrets.shown(item.attribute, decided->desired)) << ": " << status.failure().code << ": "
        << status.failure().message << "; the item stays open\n";
    return 1;
  }
  state::Baseline written = baseline.value_or(state::Baseline{plan.observed->key, {}});
  written.key = plan.observed->key;
  written.attributes[item.attribute] = decided->desired;
  written.version = status.value().version;
  runtime.store->record_applied(item.target, user.id, written,
                                audit_record(item.target, secrets, user, op, source, now_ms()));
  runtime.store->close_review(item.id, "source", now_ms());
  out << "review #" << item.id << ": wrote " << item.attribute << " = "
      << values_text(secrets.shown(item.attribute, decided->desired)) << " to " << plan.observed->key << " on "
      << item.target << "; closed\n";
  return 0;
}

// "take target" of a uniqueness conflict: the account at the key is this
// user's. It is linked (an empty baseline: nothing written yet, so only
// source-owned attributes will be overwritten) and the user queued again.
int link_existing(Runtime& runtime, const TargetBinding& binding, const state::ReviewItem& item,
                  const std::string& key, std::ostream& out, std::ostream& err) {
  const auto found = binding.connector->read(key, binding.mapping->managed_attributes());
  if (!found) {
    err << "review #" << item.id << ": cannot read " << key << " on " << item.target << ": "
        << found.failure().code << ": " << found.failure().message << "; the item stays open\n";
    return 1;
  }
  if (!found.value()) {
    err << "review #" << item.id << ": there is no account at " << key << " on " << item.target
        << " to link; make room on the target and take source instead\n";
    return 1;
  }
  if (const auto holder = runtime.store->user_at_key(item.target, key); holder && *holder != item.user_id) {
    err << "review #" << item.id << ": " << key << " is linked to user " << *holder
        << "; one account cannot serve two users\n";
    return 1;
  }
  runtime.store->record_baseline(item.target, item.user_id, state::Baseline{found.value()->key, {}});
  runtime.store->enqueue_user(item.user_id, {item.target}, now_ms(), resolved_by(item, "target"));
  runtime.store->close_review(item.id, "target", now_ms());
  out << "review #" << item.id << ": linked the user to " << found.value()->key << " on " << item.target
      << " and queued it; closed\n";
  return 0;
}

int resolve(const config::Config& config, const state::ReviewItem& item, const ConflictsRequest& request,
            const mapping::SecretAttributes& secrets, std::ostream& out, std::ostream& err) {
  const std::string& take = request.take;
  if (item.kind == "ambiguous" && take == "target" &&
      std::find(item.observed.begin(), item.observed.end(), request.key) == item.observed.end()) {
    err << "review #" << item.id << ": --key must name one of the candidates: " << values_text(item.observed) << "\n";
    return 2;
  }
  if (item.kind == "attribute" && take == "target") {
    // Nothing to write: the target's value stands while neither side moves.
    auto store = state::Store::open(config.state_dir);
    store->close_review(item.id, "target", now_ms());
    out << "review #" << item.id << ": " << item.attribute << " keeps "
        << values_text(secrets.shown(item.attribute, item.observed)) << " on " << item.target
        << " while the source wants " << values_text(secrets.shown(item.attribute, item.source)) << "; closed\n";
    return 0;
  }
  auto runtime = runtime_or_report(config);
  if (!runtime) return 2;
  const TargetBinding* binding = runtime->targets->binding(item.target);
  if (!binding) {
    err << "review #" << item.id << ": target " << item.target << " is not in " << config.file.string() << "\n";
    return 2;
  }
  if (item.kind == "ambiguous" && take == "source") {
    // A new account at the user's own key: remembered as linked there, so
    // correlation is not asked again and the next pass creates it.
    runtime->store->record_baseline(item.target, item.user_id, state::Baseline{item.key, {}});
    runtime->store->enqueue_user(item.user_id, {item.target}, now_ms(), resolved_by(item, "source"));
    runtime->store->close_review(item.id, "source", now_ms());
    out << "review #" << item.id << ": the user gets a new account at " << item.key << " on " << item.target
        << " (queued); closed\n";
    return 0;
  }
  if (item.kind == "ambiguous") return link_existing(*runtime, *binding, item, request.key, out, err);
  if (item.kind == "uniqueness" && take == "source") {
    // The administrator made room on the target: try again.
    runtime->store->enqueue_user(item.user_id, {item.target}, now_ms(), resolved_by(item, "source"));
    runtime->store->close_review(item.id, "source", now_ms());
    out << "review #" << item.id << ": queued the user for " << item.target
        << " again (the daemon or 'idbridge sync --once' applies it); closed\n";
    return 0;
  }
  if (item.kind == "uniqueness") return link_existing(*runtime, *binding, item, item.key, out, err);
  auto user = runtime->store->get_user(item.user_id, /*include_deleted=*/true);
  if (!user) {
    err << "review #" << item.id << ": the user " << item.user_id << " no longer exists\n";
    return 2;
  }
  state::UserGroups(*runtime->store, /*many=*/false).add_to(user->id, user->resource);
  return take_source_value(*runtime, *binding, item, *user, out, err);
}

}  // namespace

int conflicts(const config::Config& config, const ConflictsRequest& request, std::ostream& out, std::ostream& err) {
  if (request.format != "text" && request.format != "json") {
    err << "idbridge conflicts: unknown format '" << request.format << "' (known: text, json)\n";
    return 2;
  }
  // What to show of a value is the mapping's to say: without it, nothing is shown.
  const auto mappings = load_mapping(config);
  for (const auto& e : mappings.errors) err << e.to_string() << "\n";
  if (!mappings.errors.empty()) return 2;
  if (request.action == "list") {
    auto store = state::Store::open(config.state_dir);
    nlohmann::json all = nlohmann::json::array();
    for (const auto& item : store->reviews(request.all, request.target)) {
      const auto e = review_entry(*store, item);
      if (request.format == "json") {
        all.push_back(item_json(e, item, secrets_of(mappings, item.target)));
        continue;
      }
      out << "#" << e.id << "  " << item.target << "  " << e.kind << "  " << e.user_name << "  "
          << (e.attribute.empty() ? e.key : e.attribute + " on " + e.key)
          << (item.closed_ms ? "  (closed: " + item.resolution + ")" : "") << "\n";
    }
    if (request.format == "json") out << all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    return 0;
  }
  if (!request.id) {
    err << "idbridge conflicts " << request.action << ": needs the item's ID\n";
    return 2;
  }
  std::optional<state::ReviewItem> item;
  {
    auto store = state::Store::open(config.state_dir);
    item = store->review(*request.id);
    if (item && request.action == "show") {
      const auto e = review_entry(*store, *item);
      if (request.format == "json") {
        out << item_json(e, *item, secrets_of(mappings, item->target))
                   .dump(2, ' ', false, nlohmann::json::error_handler_t::replace)
            << "\n";
        return 0;
      }
      out << "review #" << e.id << " (" << e.kind << ") on " << item->target << ", "
          << (item->closed_ms ? "closed: " + item->resolution : std::string("open")) << "\n"
          << "  user:    " << e.user_name << " (" << e.user_id << ")\n"
          << "  account: " << e.key << "\n";
      if (!e.attribute.empty()) {
        const auto& secrets = secrets_of(mappings, item->target);
        out << "  " << e.attribute << ": target holds " << values_text(secrets.shown(e.attribute, e.observed))
            << ", source wants " << values_text(secrets.shown(e.attribute, e.source)) << "\n";
      }
      out << "  " << e.detail << "\n";
      return 0;
    }
  }
  if (!item) {
    err << "idbridge conflicts: no review item #" << *request.id << "\n";
    return 2;
  }
  if (request.action != "resolve") {
    err << "idbridge conflicts: unknown action '" << request.action << "' (known: list, show, resolve)\n";
    return 2;
  }
  if (request.take != "source" && request.take != "target") {
    err << "idbridge conflicts resolve: --take must be source or target\n";
    return 2;
  }
  if (item->closed_ms) {
    err << "review #" << item->id << " is closed already (" << item->resolution << ")\n";
    return 2;
  }
  return resolve(config, *item, request, secrets_of(mappings, item->target), out, err);
}

int approve(const config::Config& config, const std::string& target, const std::optional<std::string>& batch,
            std::ostream& out, std::ostream& err) {
  if (std::none_of(config.targets.begin(), config.targets.end(),
                   [&](const config::Target& t) { return t.name == target; })) {
    err << "idbridge approve: no target named '" << target << "' in " << config.file.string() << "\n";
    return 2;
  }
  auto store = state::Store::open(config.state_dir);
  const auto approved = store->approve(target, batch, now_ms());
  if (!approved) {
    const auto held = store->hold_of(target);
    if (!held) {
      err << "idbridge approve: no guard holds " << target << "\n";
    } else {
      err << "idbridge approve: " << target << " now holds batch " << held->batch << ", not " << *batch
          << " (the changes moved since): review it ('idbridge plan --target " << target << "') and approve again\n";
    }
    return 2;
  }
  out << target << ": approved batch " << approved->batch << " (" << held_counts(*approved) << ": " << approved->reason
      << "). The daemon applies exactly these changes at its next look (within "
      << OutboxWorker::kHoldRecheckMs / 1000
      << " s), or run 'idbridge sync --once'; any other change is judged by the guards again.\n";
  return 0;
}

}  // namespace idb::daemon
