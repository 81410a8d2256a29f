// idbridge: SCIM in, YAML mapping, directory targets out.
// Exit status: 0 ok, 1 runtime failure, 2 bad usage or bad config, 3 plan/apply left something
// for a person (a conflict, a held guard, a refused item).
#include <algorithm>
#include <cstdio>
#include <iostream>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "config/config.h"
#include "daemon/audit.h"
#include "daemon/conflicts.h"
#include "daemon/explain.h"
#include "daemon/logging.h"
#include "daemon/plan.h"
#include "daemon/runtime.h"
#include "daemon/serve.h"
#include "daemon/version.h"
#include "state/store.h"

namespace {

constexpr int kOk = 0, kFailure = 1, kUsage = 2;

constexpr const char* kUsageText = R"(usage: idbridge <command> [options]

commands:
  serve          run the daemon: SCIM endpoint + outbox drained into the targets
  sync --once    push every known user to every target once, then exit
  plan           dry run: report what a sync would change on each target, and why
  apply PLAN     apply exactly a plan saved by 'plan --save', refusing what changed since
  conflicts      the review queue: list, show ID, resolve ID --take source|target
  approve        approve the batch of changes a guard holds on a target
  audit          the audit log: every change idbridge applied (or tried) on a target
  check-config   validate a config file and its mapping without touching the network
  explain        show how the mapping turns one user into each target's account
  version        print the version

Run 'idbridge <command> --help' for the options of a command.
)";

struct Command {
  const char* help;
  std::vector<std::string> options;  // options taking a value
  std::vector<std::string> flags;    // options without a value
};

const std::map<std::string, Command>& commands() {
  static const std::map<std::string, Command> all = {
      {"serve",
       {R"(usage: idbridge serve --config FILE [--listen HOST:PORT] [--state-dir DIR]
                     [--log-format text|json] [--log-level LEVEL]

Serves SCIM 2.0 at http://HOST:PORT/scim/v2 (plus /healthz, /readyz and /metrics), polls
the configured SCIM sources on their intervals, and applies every accepted
change to the configured targets. Stops on SIGINT/SIGTERM. SIGHUP reloads the
mapping file and the targets' guards (other changes are logged and wait for a
restart; a config or mapping with errors is logged and the running one kept).
)",
        {"--config", "--listen", "--state-dir", "--log-format", "--log-level"},
        {}}},
      {"sync",
       {R"(usage: idbridge sync --once --config FILE [--state-dir DIR] [--log-format text|json] [--log-level LEVEL]

Polls every configured SCIM source once, enqueues every user in the state for
every target, applies what differs, and exits: 0 when every target is in line,
1 when changes are still waiting or a source could not be polled.
)",
        {"--config", "--state-dir", "--log-format", "--log-level"},
        {"--once"}}},
      {"plan",
       {R"(usage: idbridge plan --config FILE [--target NAME] [--format text|json|html] [--output FILE]
                    [--save PLAN] [--state-dir DIR] [--log-format text|json] [--log-level LEVEL]

Plans every user on every target (or one) exactly as the daemon would, reading
the targets and applying nothing, and prints the reconciliation report: per
target the counts, then per user each attribute's before -> after and the
decision and authority behind it. Exit status 0 when nothing needs attention,
3 when there are conflicts or a guard holds a target, 1 when a target could not
be read, 2 on bad usage or config. --save PLAN also writes the plan as JSON
for review and 'idbridge apply'.
)",
        {"--config", "--target", "--format", "--output", "--save", "--state-dir", "--log-format", "--log-level"},
        {}}},
      {"apply",
       {R"(usage: idbridge apply PLAN --config FILE [--approve] [--state-dir DIR] [--log-format text|json]
                     [--log-level LEVEL]

Applies exactly the plan saved by 'idbridge plan --save PLAN'. Each item is
planned again first and refused when the user, what idbridge last wrote, or the
account on the target changed since the plan was made. Targets a guard held are
applied only with --approve. Exit status 0 when everything was applied, 3 when
something was refused or held, 1 when a target failed, 2 on bad usage, config
or plan file.
)",
        {"--config", "--state-dir", "--log-format", "--log-level"},
        {"--approve"}}},
      {"conflicts",
       {R"(usage: idbridge conflicts list --config FILE [--target NAME] [--all] [--format text|json]
       idbridge conflicts show ID --config FILE [--format text|json]
       idbridge conflicts resolve ID --take source|target [--key KEY] --config FILE

The review queue: what idbridge does not decide alone. An item is a manual
attribute that diverges from the source (kind attribute), or an account or
value a target reports as taken (kind uniqueness, naming both users), or
several existing accounts matching a user's correlation key (kind ambiguous).
Items are not retried; they wait here. An ambiguous item takes target with
--key (the candidate to link) or source (a new account is created). 'resolve --take source' writes the source's
value (attribute) or tries the user again after room was made (uniqueness);
'--take target' keeps the target's value while neither side changes it
(attribute) or links the user to the account already there (uniqueness).
The item is then closed and the next plan reflects the decision. Exit status
0 done, 1 the target refused (the item stays open), 2 bad usage or unknown item.
)",
        {"--config", "--target", "--format", "--take", "--key", "--state-dir"},
        {"--all"}}},
      {"approve",
       {R"(usage: idbridge approve --target NAME [--batch ID] --config FILE [--state-dir DIR]

Approves the batch of changes a guard holds on target NAME (more disables or
modifications than its 'guards:' allow), and prints its ID and counts. With
--batch, only if the held batch is still ID (as the log, /metrics' reason or
'idbridge plan' showed it). The daemon applies exactly those changes at its
next look, or the next 'idbridge sync --once' does; a change that moved since,
and anything that arrived later, is guarded again. Exit status 0, or 2 when
NAME is unknown, not held, or holds another batch than ID.
)",
        {"--config", "--target", "--batch", "--state-dir"},
        {}}},
      {"audit",
       {R"(usage: idbridge audit --config FILE [--target NAME] [--user ID|USERNAME] [--since TIME]
                     [--format text|json] [--state-dir DIR]

The audit log, oldest first: every change idbridge applied, or tried to apply,
to a target - by the daemon, 'sync --once', 'apply PLAN', an approved batch or
'conflicts resolve --take source'. Each row has the time, target, user (id and
userName; a group's for an LDAP group entry), action (create, update, rename,
disable, delete; group create ... group delete), account key, the attributes
written with their values (never a password's or other secret's: only that it
was written), the outcome (applied, or failed with the target's error code)
and the source (event, full sync, config reload, apply FILE, approved batch B,
group sync, conflicts resolve #ID --take source|target; several causes
pending together are all named: "event, full sync"). TIME is 2026-11-22, 2026-11-22T13:44:32Z
(UTC) or an age: 45m, 36h, 7d. Rows older than audit.retention_days (365) are
pruned by the daemon. Exit status 0, 2 on bad usage.
)",
        {"--config", "--target", "--user", "--since", "--format", "--state-dir"},
        {}}},
      {"check-config",
       {R"(usage: idbridge check-config FILE

Validates FILE and the mapping it names: every problem is printed as
FILE:LINE:COL: message. Prints a summary (secrets masked) when all is well.
Exit status 0 when valid, 2 otherwise.
)",
        {},
        {}}},
      {"explain",
       {R"(usage: idbridge explain --config FILE --user USER.json [--target NAME] [--format text|json]

Shows how the mapping turns the SCIM user in USER.json into each target's
account (or only NAME's): the key, whether the user is in scope, and for every
attribute its value and the alternative, transforms and condition that produced
it, or why it has none. Reads no state and touches no target. Exit status 0
when explained (even if the user cannot be mapped), 2 on bad usage, config,
mapping or user file.
)",
        {"--config", "--user", "--target", "--format"},
        {}}},
      {"version", {"usage: idbridge version\n", {}, {}}},
  };
  return all;
}

struct Args {
  std::map<std::string, std::string> values;
  std::vector<std::string> flags;
  std::vector<std::string> positional;
  bool help = false;
};

std::optional<Args> parse_args(const Command& cmd, int argc, char** argv) {
  Args args;
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    std::optional<std::string> inline_value;
    if (const size_t eq = arg.find('='); arg.starts_with("--") && eq != std::string::npos) {
      inline_value = arg.substr(eq + 1);
      arg = arg.substr(0, eq);
    }
    if (arg == "--help" || arg == "-h") {
      args.help = true;
    } else if (has(cmd.options, arg)) {
      if (!inline_value && i + 1 >= argc) {
        std::cerr << "idbridge: " << arg << " needs a value\n";
        return std::nullopt;
      }
      args.values[arg] = inline_value ? *inline_value : argv[++i];
    } else if (has(cmd.flags, arg) && !inline_value) {
      args.flags.push_back(arg);
    } else if (arg.starts_with("-")) {
      std::cerr << "idbridge: unknown option '" << arg << "'\n";
      return std::nullopt;
    } else {
      args.positional.push_back(arg);
    }
  }
  return args;
}

// Loads the config and applies the command-line overrides.
idb::config::LoadResult load_with_overrides(const std::string& file, const Args& args) {
  auto loaded = idb::config::load(file);
  if (!loaded.config) return loaded;
  auto& config = *loaded.config;
  if (auto it = args.values.find("--listen"); it != args.values.end()) config.listen = it->second;
  if (auto it = args.values.find("--state-dir"); it != args.values.end()) config.state_dir = it->second;
  if (auto it = args.values.find("--log-format"); it != args.values.end()) config.log_format = it->second;
  if (auto it = args.values.find("--log-level"); it != args.values.end()) config.log_level = it->second;
  return loaded;
}

// The same, printing every error.
std::optional<idb::config::Config> load_config(const std::string& file, const Args& args) {
  auto loaded = load_with_overrides(file, args);
  for (const auto& e : loaded.errors) std::cerr << e.to_string() << "\n";
  return std::move(loaded.config);
}

idb::daemon::PlanRequest plan_request(const Args& args) {
  idb::daemon::PlanRequest request;
  if (auto it = args.values.find("--target"); it != args.values.end()) request.target = it->second;
  if (auto it = args.values.find("--format"); it != args.values.end()) request.format = it->second;
  if (auto it = args.values.find("--output"); it != args.values.end()) request.output = it->second;
  if (auto it = args.values.find("--save"); it != args.values.end()) request.save = it->second;
  return request;
}

int check_config(const std::string& file) {
  auto loaded = idb::config::load(file);
  std::vector<idb::diag::Diagnostic> errors = loaded.errors;
  if (loaded.config) {
    auto mapping = idb::daemon::load_mapping(*loaded.config);
    errors.insert(errors.end(), mapping.errors.begin(), mapping.errors.end());
  }
  for (const auto& e : errors) std::cerr << e.to_string() << "\n";
  if (!errors.empty()) {
    std::cerr << errors.size() << " error" << (errors.size() == 1 ? "" : "s") << "\n";
    return kUsage;
  }
  std::cout << idb::config::summarize(*loaded.config) << "configuration OK\n";
  return kOk;
}

int explain_command(const Args& args) {
  const auto file = args.values.find("--config");
  const auto user = args.values.find("--user");
  if (file == args.values.end() || user == args.values.end() || !args.positional.empty()) {
    std::cerr << commands().at("explain").help;
    return kUsage;
  }
  auto config = load_config(file->second, args);
  if (!config) return kUsage;
  idb::daemon::ExplainRequest request{user->second};
  if (auto it = args.values.find("--target"); it != args.values.end()) request.target = it->second;
  if (auto it = args.values.find("--format"); it != args.values.end()) request.format = it->second;
  return idb::daemon::explain(*config, request, std::cout, std::cerr);
}

// conflicts list | show ID | resolve ID --take source|target; approve --target T [--batch ID].
int review_command(const std::string& name, const Args& args) {
  const auto file = args.values.find("--config");
  const auto value = [&](const char* key) {
    const auto it = args.values.find(key);
    return it == args.values.end() ? std::optional<std::string>() : std::optional<std::string>(it->second);
  };
  const size_t positional = name == "approve" ? 0 : !args.positional.empty() && args.positional[0] == "list" ? 1 : 2;
  if (file == args.values.end() || args.positional.size() != positional || (name == "approve" && !value("--target"))) {
    std::cerr << commands().at(name).help;
    return kUsage;
  }
  auto config = load_config(file->second, args);
  if (!config) return kUsage;
  if (name == "approve") return idb::daemon::approve(*config, *value("--target"), value("--batch"), std::cout, std::cerr);
  idb::daemon::ConflictsRequest request;
  request.action = args.positional[0];
  if (positional == 2) {
    const std::string& id = args.positional[1];
    if (id.empty() || id.size() > 18 || !std::all_of(id.begin(), id.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      std::cerr << "idbridge conflicts: '" << id << "' is not an item ID (a number, as 'conflicts list' shows)\n";
      return kUsage;
    }
    request.id = std::stoll(id);
  }
  request.take = value("--take").value_or("");
  request.key = value("--key").value_or("");
  request.target = value("--target");
  request.format = value("--format").value_or("text");
  request.all = std::find(args.flags.begin(), args.flags.end(), "--all") != args.flags.end();
  return idb::daemon::conflicts(*config, request, std::cout, std::cerr);
}

int audit_command(const Args& args) {
  const auto file = args.values.find("--config");
  if (file == args.values.end() || !args.positional.empty()) {
    std::cerr << commands().at("audit").help;
    return kUsage;
  }
  auto config = load_config(file->second, args);
  if (!config) return kUsage;
  const auto value = [&](const char* key) {
    const auto it = args.values.find(key);
    return it == args.values.end() ? std::optional<std::string>() : std::optional<std::string>(it->second);
  };
  const idb::daemon::AuditRequest request{value("--target"), value("--user"), value("--since"),
                                          value("--format").value_or("text")};
  try {
    return idb::daemon::audit(*config, request, std::cout, std::cerr);
  } catch (const idb::state::StoreError& e) {
    std::cerr << "idbridge audit: state store: " << e.what() << "\n";
    return kFailure;
  }
}

int run(const std::string& name, const Args& args) {
  if (name == "explain") return explain_command(args);
  if (name == "audit") return audit_command(args);
  if (name == "conflicts" || name == "approve") {
    try {
      return review_command(name, args);
    } catch (const idb::state::StoreError& e) {
      std::cerr << "idbridge " << name << ": state store: " << e.what() << "\n";
      return kFailure;
    }
  }
  if (name == "version") {
    std::cout << "idbridge " << idb::kVersion << "\n";
    return kOk;
  }
  if (name == "check-config") {
    if (args.positional.size() != 1) {
      std::cerr << commands().at(name).help;
      return kUsage;
    }
    return check_config(args.positional[0]);
  }
  const auto file = args.values.find("--config");
  const size_t positional = name == "apply" ? 1 : 0;  // apply PLAN
  if (file == args.values.end() || args.positional.size() != positional ||
      (name == "sync" && std::find(args.flags.begin(), args.flags.end(), "--once") == args.flags.end())) {
    std::cerr << commands().at(name).help;
    return kUsage;
  }
  auto config = load_config(file->second, args);
  if (!config) return kUsage;
  std::vector<std::string> secrets;
  for (const auto& t : config->scim_tokens) secrets.push_back(t.value);
  for (const auto& t : config->targets) secrets.push_back(t.ldap.bind_password.value);
  for (const auto& s : config->sources) secrets.push_back(s.uses_oauth2() ? s.oauth2.client_secret.value : s.bearer.value);
  try {
    idb::logging::setup(config->log_level, idb::logging::parse_format(config->log_format), std::move(secrets));
  } catch (const std::invalid_argument& e) {
    std::cerr << "idbridge: " << e.what() << "\n";
    return kUsage;
  }
  try {
    if (name == "plan") return idb::daemon::plan(*config, plan_request(args));
    if (name == "apply") {
      const bool approve = std::find(args.flags.begin(), args.flags.end(), "--approve") != args.flags.end();
      return idb::daemon::apply(*config, {args.positional[0], approve});
    }
    if (name == "serve") return idb::daemon::serve(*config, [&] { return load_with_overrides(file->second, args); });
    return idb::daemon::sync_once(*config);
  } catch (const idb::state::StoreError& e) {
    spdlog::error("state store: {}", e.what());
    return kFailure;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    std::cout << kUsageText;
    return argc < 2 ? kUsage : kOk;
  }
  const std::string name = argv[1];
  const auto cmd = commands().find(name);
  if (cmd == commands().end()) {
    std::cerr << "idbridge: unknown command '" << name << "'\n" << kUsageText;
    return kUsage;
  }
  const auto args = parse_args(cmd->second, argc, argv);
  if (!args) {
    std::cerr << cmd->second.help;
    return kUsage;
  }
  if (args->help) {
    std::cout << cmd->second.help;
    return kOk;
  }
  return run(name, *args);
}
