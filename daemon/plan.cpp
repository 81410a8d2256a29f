#include "daemon/plan.h"

#include <chrono>
#include <ctime>
#include <fstream>
#include <iostream>

#include <spdlog/spdlog.h>

#include "daemon/runtime.h"
#include "daemon/user_plan.h"
#include "reconcile/guards.h"
#include "reconcile/report.h"

namespace idb::daemon {
namespace {

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  gmtime_r(&now, &tm);
  char out[32];
  std::strftime(out, sizeof out, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

reconcile::UserEntry entry_for(const state::User& user, const connectors::Result<UserPlan>& planned) {
  reconcile::UserEntry e{user.id, user.user_name, "", "error", "", {}, {}, false};
  if (!planned) {
    e.error = planned.failure().code + ": " + planned.failure().message;
    return e;
  }
  const UserPlan& p = planned.value();
  e.key = p.observed && p.observed->key != p.desired.key ? p.observed->key + " -> " + p.desired.key : p.desired.key;
  e.action = to_string(p.kind);
  e.operations = p.operations;
  e.conflict = p.decision.conflict;
  for (const auto& a : p.decision.attributes) {
    if (a.verdict != reconcile::Verdict::in_sync) e.attributes.push_back(a);
  }
  return e;
}

}  // namespace

int plan(const config::Config& config, const PlanRequest& request) {
  if (request.format != "text" && request.format != "json" && request.format != "html") {
    std::cerr << "idbridge plan: unknown format '" << request.format << "' (known: text, json, html)\n";
    return 2;
  }
  auto built = build_runtime(config);
  if (auto* errors = std::get_if<std::vector<diag::Diagnostic>>(&built)) {
    for (const auto& e : *errors) std::cerr << e.to_string() << "\n";
    return 2;
  }
  auto& runtime = *std::get<std::unique_ptr<Runtime>>(built);
  if (request.target && std::find(runtime.target_names.begin(), runtime.target_names.end(), *request.target) ==
                            runtime.target_names.end()) {
    std::cerr << "idbridge plan: no target named '" << *request.target << "' in " << config.file.string() << "\n";
    return 2;
  }

  reconcile::Report report{utc_now(), config.file.string(), {}};
  bool read_failed = false;
  const auto users = runtime.store->list_users(/*include_deleted=*/true);
  for (const auto& binding : runtime.bindings) {
    const std::string& name = binding.connector->name();
    if (request.target && *request.target != name) continue;
    reconcile::TargetEntry target{name, {}, std::nullopt};
    reconcile::RunCounts counts;
    for (const auto& user : users) {
      const auto planned = plan_user(binding, user, runtime.store->baseline(name, user.id));
      target.users.push_back(entry_for(user, planned));
      if (!planned) {
        read_failed |= planned.failure().kind != connectors::FailureKind::permanent;
        continue;
      }
      const auto kind = planned.value().kind;
      counts.accounts += planned.value().observed ? 1 : 0;
      counts.disables += kind == UserPlan::Kind::disable ? 1 : 0;
      counts.modifies += kind == UserPlan::Kind::update ? 1 : 0;
    }
    target.held = reconcile::held_by_guard(counts, reconcile::GuardLimits{});
    report.targets.push_back(std::move(target));
  }
  reconcile::normalize(report);

  const std::string text = request.format == "json"   ? reconcile::to_json(report).dump(2) + "\n"
                           : request.format == "html" ? reconcile::to_html(report)
                                                      : reconcile::to_text(report);
  if (request.output) {
    std::ofstream out(*request.output, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) {
      std::cerr << "idbridge plan: cannot write " << request.output->string() << "\n";
      return 1;
    }
  } else {
    std::cout << text;
  }
  if (read_failed) return 1;
  return report.needs_attention() ? 3 : 0;
}

}  // namespace idb::daemon
