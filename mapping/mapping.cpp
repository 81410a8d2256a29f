#include "mapping/mapping.h"

#include <fstream>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace idb::mapping {

struct TargetMapping::Rule {
  using Source = std::variant<scim::AttributePath, Template, Values /*constants*/>;
  std::vector<Source> alternatives;  // the first that yields a value wins
  bool all = false;                  // keep every value a path reaches, not only the first
};

namespace {

Values evaluate(const TargetMapping::Rule::Source& source, bool all, const nlohmann::json& user) {
  Values out;
  if (const auto* path = std::get_if<scim::AttributePath>(&source)) {
    for (const auto* v : scim::resolve(*path, user)) {
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
  std::set<std::string> seen;
  std::erase_if(values, [&](const std::string& v) { return !seen.insert(v).second; });
}

class Loader {
 public:
  Loader(std::string file, const std::vector<TargetRef>& targets) : file_(std::move(file)), targets_(targets) {}

  LoadResult run(const std::string& yaml) {
    YAML::Node root;
    try {
      root = YAML::Load(yaml);
    } catch (const YAML::ParserException& e) {
      error(e.mark, e.msg);
      return std::move(result_);
    }
    if (!root.IsMap()) {
      error(root.Mark(), "a mapping file is a YAML mapping with a 'targets' key");
      return std::move(result_);
    }
    for (const auto& entry : root) {
      if (entry.first.as<std::string>() != "targets") error(entry.first.Mark(), "unknown key '" + entry.first.as<std::string>() + "' (known: targets)");
    }
    const YAML::Node targets = root["targets"];
    if (!targets || !targets.IsMap()) {
      error(targets ? targets.Mark() : root.Mark(), "'targets' must be a mapping from target name to its rules");
      return std::move(result_);
    }
    std::set<std::string> seen;
    for (const auto& entry : targets) {
      const std::string name = entry.first.as<std::string>();
      const auto ref = std::find_if(targets_.begin(), targets_.end(), [&](const auto& t) { return t.name == name; });
      if (ref == targets_.end()) {
        error(entry.first.Mark(), "no target named '" + name + "' in the config");
        continue;
      }
      seen.insert(name);
      target(*ref, entry.second);
    }
    for (const auto& t : targets_) {
      if (!seen.count(t.name)) error(targets.Mark(), "no mapping for target '" + t.name + "'");
    }
    if (!result_.errors.empty()) result_.targets.clear();
    return std::move(result_);
  }

 private:
  void error(const YAML::Mark& mark, const std::string& message) {
    result_.errors.push_back({{file_, mark.line + 1, mark.column + 1}, message});
  }

  // Where a parse error sits inside a scalar: quoted scalars start one column later.
  YAML::Mark inside(const YAML::Node& scalar, size_t offset) {
    YAML::Mark m = scalar.Mark();
    m.column += static_cast<int>(offset) + (scalar.Tag() == "!" ? 1 : 0);
    return m;
  }

  bool string_list(const YAML::Node& node, const std::string& what, Values& out) {
    if (node.IsScalar()) {
      out.push_back(node.as<std::string>());
      return true;
    }
    if (!node.IsSequence()) {
      error(node.Mark(), what + " must be a string or a list of strings");
      return false;
    }
    for (const auto& item : node) {
      if (!item.IsScalar()) {
        error(item.Mark(), what + " must be a string or a list of strings");
        return false;
      }
      out.push_back(item.as<std::string>());
    }
    return true;
  }

  std::optional<TargetMapping::Rule::Source> source(const YAML::Node& scalar, bool force_template,
                                                    const std::string& context) {
    const std::string text = scalar.as<std::string>();
    if (force_template || looks_like_template(text)) {
      auto t = parse_template(text);
      if (auto* err = std::get_if<TemplateError>(&t)) {
        error(inside(scalar, err->offset), context + ": invalid template: " + err->message);
        return std::nullopt;
      }
      return std::get<Template>(std::move(t));
    }
    auto path = scim::parse_path(text);
    if (auto* err = std::get_if<scim::ParseError>(&path)) {
      error(inside(scalar, err->offset), context + ": invalid attribute path: " + err->message);
      return std::nullopt;
    }
    return std::get<scim::AttributePath>(std::move(path));
  }

  void sources(const YAML::Node& node, bool force_template, const std::string& context,
               TargetMapping::Rule& rule) {
    const std::vector<YAML::Node> items = node.IsSequence() ? std::vector<YAML::Node>(node.begin(), node.end())
                                                            : std::vector<YAML::Node>{node};
    for (const auto& item : items) {
      if (!item.IsScalar()) {
        error(item.Mark(), context + ": expected a SCIM attribute path or a template");
        continue;
      }
      if (auto s = source(item, force_template, context)) rule.alternatives.push_back(std::move(*s));
    }
  }

  std::shared_ptr<const TargetMapping::Rule> rule(const YAML::Node& node, const std::string& context) {
    auto rule = std::make_shared<TargetMapping::Rule>();
    if (node.IsScalar() || node.IsSequence()) {
      sources(node, false, context, *rule);
    } else if (node.IsMap()) {
      int kinds = 0;
      for (const auto& entry : node) {
        const std::string key = entry.first.as<std::string>();
        if (key == "from" || key == "template") {
          ++kinds;
          sources(entry.second, key == "template", context, *rule);
        } else if (key == "value") {
          ++kinds;
          Values constants;
          if (string_list(entry.second, context + ": 'value'", constants)) rule->alternatives.push_back(constants);
        } else if (key == "all") {
          if (!YAML::convert<bool>::decode(entry.second, rule->all)) error(entry.second.Mark(), context + ": 'all' must be true or false");
        } else {
          error(entry.first.Mark(), context + ": unknown key '" + key + "' (known: from, template, value, all)");
        }
      }
      if (kinds != 1) error(node.Mark(), context + ": needs exactly one of 'from', 'template' or 'value'");
    } else {
      error(node.Mark(), context + ": expected a path, a template, a list of them, or a mapping");
    }
    return rule;
  }

  void target(const TargetRef& ref, const YAML::Node& node) {
    const std::string context = "target '" + ref.name + "'";
    // LDAP accounts are keyed by a DN with object classes; other targets by a plain key.
    const bool ldap = ref.type == "ldap";
    const std::string key_name = ldap ? "dn" : "key";
    const std::string known = ldap ? "dn, object_classes, attributes" : "key, attributes";
    if (!node.IsMap()) {
      error(node.Mark(), context + " must be a mapping with '" + key_name + "' and 'attributes'");
      return;
    }
    std::optional<Template> key;
    bool key_written = false;  // an invalid key is reported once, not also as missing
    Values object_classes;
    std::vector<std::pair<std::string, std::shared_ptr<const TargetMapping::Rule>>> rules;
    std::map<std::string, YAML::Mark, CaseInsensitiveLess> defined;
    for (const auto& entry : node) {
      const std::string k = entry.first.as<std::string>();
      if (k == key_name) {
        key_written = true;
        if (!entry.second.IsScalar()) {
          error(entry.second.Mark(), context + ": '" + key_name + "' must be a template string");
          continue;
        }
        if (auto s = source(entry.second, true, context + " " + key_name)) key = std::get<Template>(std::move(*s));
      } else if (k == "object_classes" && ldap) {
        string_list(entry.second, context + ": 'object_classes'", object_classes);
      } else if (k == "attributes") {
        if (!entry.second.IsMap()) {
          error(entry.second.Mark(), context + ": 'attributes' must be a mapping from target attribute to rule");
          continue;
        }
        for (const auto& attr : entry.second) {
          const std::string name = attr.first.as<std::string>();
          if (auto [it, fresh] = defined.emplace(name, attr.first.Mark()); !fresh) {
            error(attr.first.Mark(), context + ": duplicate attribute '" + name + "' (first at line " +
                                         std::to_string(it->second.line + 1) + ")");
            continue;
          }
          rules.emplace_back(name, rule(attr.second, context + " attribute '" + name + "'"));
        }
      } else {
        error(entry.first.Mark(), context + ": unknown key '" + k + "' (known: " + known + ")");
      }
    }
    if (!object_classes.empty() && defined.count("objectClass")) {
      error(defined.at("objectClass"), context + ": objectClass is set by 'object_classes'; remove one of them");
    }
    if (!key) {
      if (!key_written) error(node.Mark(), context + ": missing required key '" + key_name + "'");
      return;
    }
    result_.targets.emplace(ref.name, TargetMapping(ref.name, std::move(*key), ref.key_escape,
                                                    std::move(object_classes), std::move(rules)));
  }

  std::string file_;
  const std::vector<TargetRef>& targets_;
  LoadResult result_;
};

}  // namespace

TargetMapping::TargetMapping(std::string target, Template key, Escape key_escape, std::vector<std::string> object_classes,
                             std::vector<std::pair<std::string, std::shared_ptr<const Rule>>> rules)
    : target_(std::move(target)),
      key_(std::move(key)),
      key_escape_(std::move(key_escape)),
      object_classes_(std::move(object_classes)),
      rules_(std::move(rules)) {
  if (!object_classes_.empty()) managed_.push_back("objectClass");
  for (const auto& [name, rule] : rules_) managed_.push_back(name);
}

std::variant<Desired, std::string> TargetMapping::apply(const nlohmann::json& user) const {
  Desired out;
  auto key = render(key_, user, key_escape_);
  if (!key) return "the account key template of target '" + target_ + "' refers to an attribute this user lacks";
  out.key = std::move(*key);
  if (!object_classes_.empty()) out.attributes["objectClass"] = object_classes_;
  for (const auto& [name, rule] : rules_) {
    Values values;
    for (const auto& alternative : rule->alternatives) {
      values = evaluate(alternative, rule->all, user);
      if (!values.empty()) break;
    }
    dedupe(values);
    out.attributes[name] = std::move(values);
  }
  return out;
}

LoadResult parse(const std::string& yaml, const std::string& file, const std::vector<TargetRef>& targets) {
  return Loader(file, targets).run(yaml);
}

LoadResult load(const std::filesystem::path& file, const std::vector<TargetRef>& targets) {
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.errors.push_back({{file.string(), 0, 0}, "cannot read the mapping file"});
    return result;
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), file.string(), targets);
}

}  // namespace idb::mapping
