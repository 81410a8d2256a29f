#include "mapping/mapping.h"

#include <set>

#include "mapping/compiled.h"
#include "scim/ascii.h"

namespace idb::mapping {
namespace {

Values source_values(const Rule::Source& source, bool all, const UserView& user) {
  Values out;
  if (const auto* path = std::get_if<Path>(&source)) {
    for (const auto* v : user.resolve(*path)) {
      if (auto text = scalar_text(*v)) {
        out.push_back(std::move(*text));
        if (!all) break;
      }
    }
  } else if (const auto* t = std::get_if<Template>(&source)) {
    if (auto text = render(*t, user)) out.push_back(std::move(*text));
  } else {
    out = std::get<Values>(source);
  }
  return out;
}

// A target refuses the same value twice in one attribute (LDAP: "value exists").
void dedupe(Values& values) {
  if (values.size() < 2) return;
  std::set<std::string> seen;
  std::erase_if(values, [&](const std::string& v) { return !seen.insert(v).second; });
}

// The values of one rule for `user`, or why the user cannot be mapped; records
// each decision in `trace` when one is given.
std::optional<std::string> evaluate(const Rule& rule, const UserView& user, Values& values, AttributeTrace* trace) {
  if (rule.when && !scim::matches(*rule.when->filter, user.user())) {
    if (trace) trace->condition_met = false;
    return std::nullopt;
  }
  for (size_t i = 0; i < rule.alternatives.size(); ++i) {
    values = source_values(rule.alternatives[i].source, rule.all, user);
    if (values.empty()) continue;
    if (trace) {
      trace->source = rule.alternatives[i].text;
      trace->alternative = i + 1;
      trace->found = values;
    }
    break;
  }
  if (trace) {
    for (const auto& step : rule.transforms) trace->transforms.push_back(step.text);
  }
  if (auto error = run_all(rule.transforms, values, rule.secret)) return error;
  dedupe(values);
  if (rule.limits) {
    if (auto why = check_values(*rule.limits, values, rule.secret)) return "the target refuses it: " + *why;
  }
  return std::nullopt;
}

// apply() and explain() in one: `ex` is null on the fast path, which stops at
// the first error. The scope is evaluated here once: the planner asks nothing else.
std::variant<Desired, OutOfScope, std::string> run(const TargetMapping::Compiled& c, const nlohmann::json& user,
                                                   Explanation* ex) {
  std::string error;
  if (ex) {
    ex->target = c.target;
    if (c.scope) ex->scope = c.scope->text;
  }
  if (c.scope && !scim::matches(*c.scope->filter, user)) {
    if (!ex) return OutOfScope{c.scope->text};
    error = "the user is outside the scope of target '" + c.target + "' (" + c.scope->text + ")";
    ex->in_scope = false;
  }
  const UserView view(c.slots, user);
  Desired out;
  if (auto key = render(c.key, view, c.key_escape)) {
    out.key = std::move(*key);
  } else {
    if (error.empty()) error = "the account key template of target '" + c.target + "' refers to an attribute this user lacks";
    if (!ex) return error;
  }
  std::vector<Values> found(c.rules.size());
  for (size_t r = 0; r < c.rules.size(); ++r) {
    const Rule& rule = c.rules[r];
    AttributeTrace* trace = nullptr;
    if (ex) {
      trace = &ex->attributes.emplace_back();
      trace->attribute = rule.attribute;
      trace->rule_at = rule.at;
      trace->authority = rule.authority;
      trace->secret = rule.secret;
      if (rule.when) trace->condition = rule.when->text;
    }
    Values& values = found[r];
    if (auto why = evaluate(rule, view, values, trace)) {
      if (trace) trace->error = *why;
      if (error.empty()) error = "target '" + c.target + "' attribute '" + rule.attribute + "': " + *why;
      if (!ex) return error;
    }
    if (trace) trace->values = values;
  }
  // Rules run in the order written (the first error is the one reported) but
  // enter the map in its own order, so each insertion lands at the end without a tree walk.
  for (const size_t r : c.output_order) {
    out.attributes.emplace_hint(out.attributes.end(), c.rules[r].attribute, std::move(found[r]));
  }
  if (!c.object_classes.empty()) out.attributes.emplace("objectClass", c.object_classes);
  if (ex) {
    ex->key = out.key;
    ex->error = error;
  }
  if (!error.empty()) return error;
  return out;
}

}  // namespace

const char* to_string(Authority authority) {
  switch (authority) {
    case Authority::source: return "source";
    case Authority::target: return "target";
    case Authority::create_only: return "create_only";
    case Authority::manual: return "manual";
  }
  return "?";
}

TargetMapping::TargetMapping(std::shared_ptr<const Compiled> compiled) : compiled_(std::move(compiled)) {}

std::variant<Desired, OutOfScope, std::string> TargetMapping::apply(const nlohmann::json& user) const {
  return run(*compiled_, user, nullptr);
}

Explanation TargetMapping::explain(const nlohmann::json& user) const {
  Explanation ex;
  run(*compiled_, user, &ex);
  return ex;
}

const std::vector<std::string>& TargetMapping::managed_attributes() const { return compiled_->managed; }
const std::string& TargetMapping::target() const { return compiled_->target; }
const std::vector<std::string>& TargetMapping::correlation_keys() const { return compiled_->correlation_keys; }
const TargetSchema& TargetMapping::schema() const { return compiled_->schema; }
const SecretAttributes& TargetMapping::secrets() const { return compiled_->secrets; }
const GroupMapping* TargetMapping::groups() const { return compiled_->groups ? &*compiled_->groups : nullptr; }

Authority TargetMapping::authority(std::string_view attribute) const {
  for (const auto& rule : compiled_->rules) {
    if (scim::iequals(rule.attribute, attribute)) return rule.authority;
  }
  return Authority::source;
}

}  // namespace idb::mapping
