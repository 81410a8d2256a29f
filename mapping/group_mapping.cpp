#include "mapping/group_mapping.h"

#include <algorithm>
#include <strings.h>

#include "mapping/rule_secret.h"

namespace idb::mapping {
namespace {

const char* const kAttributeKeys = "template, secret";

class Reader {
 public:
  Reader(const std::string& file, const std::string& context, std::vector<diag::Diagnostic>& errors)
      : file_(file), context_(context), errors_(errors) {}

  void error(const YAML::Node& node, const std::string& message) {
    errors_.push_back({{file_, node.Mark().line + 1, node.Mark().column + 1}, context_ + ": " + message});
  }

  std::optional<std::string> scalar(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar() && !node.Scalar().empty()) return node.Scalar();
    error(node, what + " must be a non-empty string");
    return std::nullopt;
  }

  // A template, or a bare SCIM path taken as "{path}"; its paths get slots.
  std::optional<Template> template_of(const YAML::Node& node, const std::string& what, AttributeSlots& slots) {
    auto text = scalar(node, what);
    if (!text) return std::nullopt;
    auto parsed = parse_template(looks_like_template(*text) ? *text : "{" + *text + "}");
    if (auto* e = std::get_if<TemplateError>(&parsed)) {
      error(node, what + ": " + e->message);
      return std::nullopt;
    }
    auto t = std::get<Template>(std::move(parsed));
    for (auto& piece : t.pieces) {
      if (piece.path) piece.path->slot = slots.add(piece.path->path);
    }
    return t;
  }

  // One of `attributes:`: a template, or {template: T, secret: true|false}.
  void attribute(const YAML::Node& name_node, const YAML::Node& node, GroupMapping& g) {
    const std::string name = name_node.IsScalar() ? name_node.Scalar() : "";
    const std::string what = "attribute '" + name + "'";
    std::optional<YAML::Node> source, secret;  // emplaced: a Node assigned to writes into the one it refers to
    if (!node.IsMap()) source.emplace(node);
    for (const auto& entry : node.IsMap() ? node : YAML::Node(YAML::NodeType::Map)) {
      const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
      if (key == "template") {
        source.emplace(entry.second);
      } else if (key == "secret") {
        secret.emplace(entry.second);
      } else {
        error(entry.first, what + ": unknown key '" + key + "' (known: " + kAttributeKeys + ")");
      }
    }
    g.secrets.mark(name, rule_secret(name, secret ? &*secret : nullptr, file_, context_ + ": " + what, errors_));
    if (!source) {
      error(node, what + ": missing required key 'template'");
    } else if (auto t = template_of(*source, what, g.slots)) {
      g.attributes[name] = std::move(*t);
    }
  }

 private:
  const std::string& file_;
  const std::string& context_;
  std::vector<diag::Diagnostic>& errors_;
};

const char* const kKeys = "dn, object_classes, member_attribute, member_value, attributes";

}  // namespace

std::optional<std::string> GroupMapping::render_dn(const nlohmann::json& group) const {
  return render(dn, UserView(slots, group), dn_escape);
}

Attributes GroupMapping::render_attributes(const nlohmann::json& group) const {
  const UserView view(slots, group);
  Attributes out;
  for (const auto& [name, t] : attributes) {
    if (auto value = render(t, view)) out[name] = {*value};
  }
  return out;
}

bool GroupMapping::may_be_empty() const {
  return !std::any_of(object_classes.begin(), object_classes.end(),
                      [](const std::string& c) { return strcasecmp(c.c_str(), "groupOfNames") == 0; });
}

std::optional<GroupMapping> parse_group_mapping(const YAML::Node& node, const std::string& file,
                                                const std::string& context, Escape dn_escape,
                                                std::vector<diag::Diagnostic>& errors) {
  const std::string where = context + " groups";
  Reader r(file, where, errors);
  if (!node.IsMap()) {
    r.error(node, "must be a mapping with 'dn' (known: " + std::string(kKeys) + ")");
    return std::nullopt;
  }
  const size_t errors_before = errors.size();
  GroupMapping g;
  g.dn_escape = std::move(dn_escape);
  bool has_dn = false;
  for (const auto& entry : node) {
    const std::string key = entry.first.IsScalar() ? entry.first.Scalar() : "";
    const YAML::Node& value = entry.second;
    if (key == "dn") {
      has_dn = true;
      if (auto t = r.template_of(value, "'dn'", g.slots)) g.dn = std::move(*t);
    } else if (key == "object_classes") {
      g.object_classes.clear();
      if (!value.IsSequence() || value.size() == 0) {
        r.error(value, "'object_classes' must be a non-empty list");
        continue;
      }
      for (const auto& c : value) {
        if (auto s = r.scalar(c, "an object class")) g.object_classes.push_back(*s);
      }
    } else if (key == "member_attribute") {
      if (auto s = r.scalar(value, "'member_attribute'")) g.member_attribute = *s;
    } else if (key == "member_value") {
      if (auto s = r.scalar(value, "'member_value'")) g.member_value = *s;
    } else if (key == "attributes") {
      if (!value.IsMap()) {
        r.error(value, "'attributes' must be a mapping from attribute to template");
        continue;
      }
      for (const auto& a : value) r.attribute(a.first, a.second, g);
    } else {
      r.error(entry.first, "unknown key '" + key + "' (known: " + kKeys + ")");
    }
  }
  if (!has_dn) r.error(node, "missing required key 'dn'");
  // memberUid holds names, not DNs: without member_value it would get DNs.
  if (strcasecmp(g.member_attribute.c_str(), "memberUid") == 0 && g.member_value == "dn") g.member_value = "uid";
  if (errors.size() != errors_before) return std::nullopt;
  return g;
}

}  // namespace idb::mapping
