#include "daemon/explain.h"

#include <fstream>
#include <ostream>
#include <sstream>

#include "daemon/runtime.h"
#include "mapping/transforms.h"
#include "reconcile/report.h"
#include "scim/custom_schema.h"
#include "scim/resource.h"
#include "scim/user_resource.h"

namespace idb::daemon {
namespace {

// Values as a JSON array, UTF-8 kept readable; quotes make "" and " x" visible.
std::string shown(const mapping::Values& values) {
  return values.empty() ? "(no value)" : reconcile::values_text(values);
}

// What explain may show of a rule's values: of a secret attribute, not the
// values, not the alternative as written (a constant one is the secret), and
// of each transform only its name (`default 'x'` and `replace` name values).
// (secret as its mapping says: `secret:`, else its name; its error names no
// value already, see mapping::run_all).
mapping::AttributeTrace shown(mapping::AttributeTrace a) {
  if (!a.secret) return a;
  a.values = mapping::hidden(a.values);
  a.found = mapping::hidden(a.found);
  if (!a.source.empty()) a.source = mapping::kSecretValue;
  for (auto& t : a.transforms) t = mapping::transform_name(t);
  return a;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : separator) + p;
  return out;
}

// `a` as shown(): a secret's values already hidden.
void attribute_text(const mapping::AttributeTrace& a, std::ostringstream& out) {
  out << "  " << a.attribute << " = " << shown(a.values) << "\n";
  if (!a.condition.empty()) {
    out << "      when " << a.condition << ": " << (a.condition_met ? "true" : "false, so no value") << "\n";
  }
  if (a.condition_met) {
    if (a.alternative > 0) {
      out << "      from alternative " << a.alternative << ": " << a.source << " -> " << shown(a.found) << "\n";
    } else {
      out << "      no alternative has a value for this user\n";
    }
    if (!a.transforms.empty()) out << "      transforms: " << join(a.transforms, ", ") << "\n";
  }
  if (a.authority != mapping::Authority::source) out << "      authoritative: " << mapping::to_string(a.authority) << "\n";
  if (!a.error.empty()) out << "      ERROR: " << a.error << "\n";
  out << "      rule at " << a.rule_at << "\n";
}

}  // namespace

std::string explain_text(const std::vector<mapping::Explanation>& explanations) {
  std::ostringstream out;
  for (const auto& e : explanations) {
    out << "target '" << e.target << "'\n";
    if (!e.scope.empty()) out << "  scope " << e.scope << ": " << (e.in_scope ? "in scope" : "OUT OF SCOPE") << "\n";
    out << "  key: " << (e.key.empty() ? "(cannot be built)" : e.key) << "\n";
    for (const auto& a : e.attributes) attribute_text(shown(a), out);
    out << "  result: " << (e.error.empty() ? "maps" : "not mapped: " + e.error) << "\n";
  }
  return out.str();
}

nlohmann::json explain_json(const std::vector<mapping::Explanation>& explanations) {
  nlohmann::json targets = nlohmann::json::array();
  for (const auto& e : explanations) {
    nlohmann::json attributes = nlohmann::json::array();
    for (const auto& traced : e.attributes) {
      const auto a = shown(traced);
      nlohmann::json item = {{"attribute", a.attribute},   {"values", a.values},
                             {"rule", a.rule_at},          {"authoritative", mapping::to_string(a.authority)},
                             {"transforms", a.transforms}, {"found", a.found}};
      item["alternative"] = a.alternative == 0 ? nlohmann::json() : nlohmann::json(a.alternative);
      item["source"] = a.alternative == 0 ? nlohmann::json() : nlohmann::json(a.source);
      if (!a.condition.empty()) item["condition"] = {{"filter", a.condition}, {"met", a.condition_met}};
      if (!a.error.empty()) item["error"] = a.error;
      attributes.push_back(std::move(item));
    }
    nlohmann::json target = {{"target", e.target}, {"in_scope", e.in_scope}, {"attributes", std::move(attributes)}};
    target["scope"] = e.scope.empty() ? nlohmann::json() : nlohmann::json(e.scope);
    target["key"] = e.key.empty() ? nlohmann::json() : nlohmann::json(e.key);
    target["error"] = e.error.empty() ? nlohmann::json() : nlohmann::json(e.error);
    targets.push_back(std::move(target));
  }
  return {{"targets", std::move(targets)}};
}

int explain(const config::Config& config, const ExplainRequest& request, std::ostream& out, std::ostream& err) {
  if (request.format != "text" && request.format != "json") {
    err << "idbridge: --format must be text or json\n";
    return 2;
  }
  auto loaded = load_mapping(config);
  for (const auto& e : loaded.errors) err << e.to_string() << "\n";
  if (!loaded.errors.empty()) return 2;
  if (request.target && !loaded.targets.count(*request.target)) {
    std::vector<std::string> known;
    for (const auto& [name, m] : loaded.targets) known.push_back(name);
    err << "idbridge: no target named '" << *request.target << "' (known: " << join(known, ", ") << ")\n";
    return 2;
  }
  std::ifstream in(request.user_file, std::ios::binary);
  if (!in) {
    err << request.user_file << ": cannot read the user file\n";
    return 2;
  }
  nlohmann::json body;
  try {
    body = nlohmann::json::parse(in);
  } catch (const nlohmann::json::parse_error& e) {
    err << request.user_file << ": not JSON: " << e.what() << "\n";
    return 2;
  }
  // The mapping sees users as the SCIM endpoint stores them.
  const scim::Catalog catalog(scim::custom_extensions(config.scim_extensions));
  auto user = scim::normalize(catalog.users(), body);
  if (const auto* e = std::get_if<scim::Error>(&user)) {
    err << request.user_file << ": not a valid SCIM User: " << e->detail << "\n";
    return 2;
  }
  std::vector<mapping::Explanation> explanations;
  for (const auto& target : config.targets) {
    if (request.target && target.name != *request.target) continue;
    explanations.push_back(loaded.targets.at(target.name).explain(std::get<nlohmann::json>(user)));
  }
  if (request.format == "json") {
    out << explain_json(explanations).dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  } else {
    out << explain_text(explanations);
  }
  return 0;
}

}  // namespace idb::daemon
