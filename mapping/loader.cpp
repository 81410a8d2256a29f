// The mapping file's YAML -> compiled target mappings, with every mistake
// reported as FILE:LINE:COL and the rule it is in.
#include <algorithm>
#include <fstream>
#include <numeric>
#include <set>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "mapping/compiled.h"
#include "mapping/csv.h"
#include "mapping/mapping.h"
#include "mapping/never_true.h"
#include "mapping/rule_secret.h"
#include "mapping/user_schema.h"

namespace idb::mapping {
namespace {

constexpr const char* kRuleKeys = "from, template, value, all, transform, when, authoritative, secret";
constexpr const char* kTransforms =
    "lower, upper, trim, sha256, replace, split, join, substring, truncate, default, lookup, date, phone, boolean";

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
      if (text(entry.first) != "targets") error(entry.first.Mark(), "unknown key '" + text(entry.first) + "' (known: targets)");
    }
    const YAML::Node targets = root["targets"];
    if (!targets || !targets.IsMap()) {
      error(targets ? targets.Mark() : root.Mark(), "'targets' must be a mapping from target name to its rules");
      return std::move(result_);
    }
    std::set<std::string> seen;
    for (const auto& entry : targets) {
      const std::string name = text(entry.first);
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

  std::string at(const YAML::Mark& mark) const {
    return file_ + ":" + std::to_string(mark.line + 1) + ":" + std::to_string(mark.column + 1);
  }

  // A key or scalar as text; a complex key (`? [a]: b`) reads as empty and is then reported as unknown.
  static std::string text(const YAML::Node& node) { return node.IsScalar() ? node.Scalar() : std::string(); }

  // Where a parse error sits inside a scalar: quoted scalars start one column later.
  static YAML::Mark inside(const YAML::Node& scalar, size_t offset) {
    YAML::Mark m = scalar.Mark();
    m.column += static_cast<int>(offset) + (scalar.Tag() == "!" ? 1 : 0);
    return m;
  }

  bool string_list(const YAML::Node& node, const std::string& what, Values& out) {
    if (node.IsScalar()) {
      out.push_back(node.Scalar());
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
      out.push_back(item.Scalar());
    }
    return true;
  }

  std::optional<std::string> scalar(const YAML::Node& node, const std::string& what) {
    if (node.IsScalar()) return node.Scalar();
    error(node.Mark(), what + " must be a string");
    return std::nullopt;
  }

  std::optional<size_t> count(const YAML::Node& node, const std::string& what) {
    size_t n = 0;
    if (node.IsScalar() && !node.Scalar().starts_with('-') && YAML::convert<size_t>::decode(node, n)) return n;
    error(node.Mark(), what + " must be a whole number");
    return std::nullopt;
  }

  std::optional<bool> flag(const YAML::Node& node, const std::string& what) {
    bool b = false;
    if (node.IsScalar() && YAML::convert<bool>::decode(node, b)) return b;
    error(node.Mark(), what + " must be true or false");
    return std::nullopt;
  }

  // Checks `node` is a mapping whose keys are all in `known`; returns the entries by key.
  std::optional<std::map<std::string, YAML::Node>> keyed(const YAML::Node& node, const std::string& context,
                                                         std::initializer_list<std::string_view> known) {
    if (!node.IsMap()) {
      std::string list;
      for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      error(node.Mark(), context + " must be a mapping with " + list);
      return std::nullopt;
    }
    std::map<std::string, YAML::Node> out;
    for (const auto& entry : node) {
      const std::string k = text(entry.first);
      if (std::find(known.begin(), known.end(), k) == known.end()) {
        std::string list;
        for (auto n : known) list += (list.empty() ? "" : ", ") + std::string(n);
        error(entry.first.Mark(), context + ": unknown key '" + k + "' (known: " + list + ")");
        continue;
      }
      out.emplace(k, entry.second);
    }
    return out;
  }

  std::optional<scim::AttributePath> path(const YAML::Node& node, std::string_view source, size_t offset,
                                          const std::string& context) {
    auto parsed = scim::parse_path(source);
    if (auto* err = std::get_if<scim::ParseError>(&parsed)) {
      error(inside(node, offset + err->offset), context + ": invalid attribute path: " + err->message);
      return std::nullopt;
    }
    auto p = std::get<scim::AttributePath>(std::move(parsed));
    if (auto why = canonicalize_user_path(p)) {
      error(inside(node, offset), context + ": " + *why);
      return std::nullopt;
    }
    return p;
  }

  std::optional<Rule::Source> source(const YAML::Node& node, bool force_template, const std::string& context) {
    const std::string& written = node.Scalar();
    if (!force_template && !looks_like_template(written)) {
      auto p = path(node, written, 0, context);
      if (!p) return std::nullopt;
      return Path{std::move(*p)};
    }
    auto t = parse_template(written);
    if (auto* err = std::get_if<TemplateError>(&t)) {
      error(inside(node, err->offset), context + ": invalid template: " + err->message);
      return std::nullopt;
    }
    auto& parsed = std::get<Template>(t);
    bool ok = true;
    size_t offset = 0;  // of each piece in the text as written, to point at a bad path
    for (auto& piece : parsed.pieces) {
      if (piece.path) {
        const size_t open = written.find('{' + piece.path->path.text + '}', offset);
        if (auto why = canonicalize_user_path(piece.path->path)) {
          error(inside(node, open + 1), context + ": " + *why);
          ok = false;
        }
        offset = open + piece.path->path.text.size() + 2;
      }
    }
    if (!ok) return std::nullopt;
    return std::move(parsed);
  }

  void sources(const YAML::Node& node, bool force_template, const std::string& context, Rule& rule) {
    const std::vector<YAML::Node> items = node.IsSequence() ? std::vector<YAML::Node>(node.begin(), node.end())
                                                            : std::vector<YAML::Node>{node};
    for (const auto& item : items) {
      if (!item.IsScalar()) {
        error(item.Mark(), context + ": expected a SCIM attribute path or a template");
        continue;
      }
      if (auto s = source(item, force_template, context)) rule.alternatives.push_back({std::move(*s), item.Scalar()});
    }
  }

  std::optional<Condition> condition(const YAML::Node& node, const std::string& context) {
    auto written = scalar(node, context);
    if (!written) return std::nullopt;
    auto parsed = scim::parse_filter(*written);
    if (auto* err = std::get_if<scim::ParseError>(&parsed)) {
      error(inside(node, err->offset), context + ": invalid filter: " + err->message);
      return std::nullopt;
    }
    auto filter = std::get<0>(std::move(parsed));
    if (auto why = canonicalize(filter)) {
      error(node.Mark(), context + ": " + *why);
      return std::nullopt;
    }
    return Condition{std::make_shared<const Filter>(std::move(filter)), *written};
  }

  // A condition no user can meet (alone, or within the target's scope) is a
  // mistake, not a rule that silently never applies.
  void check_reachable(const YAML::Node& node, const Condition& condition, const std::optional<Condition>& scope,
                       const std::string& context) {
    if (auto why = never_true({condition.filter.get()})) {
      error(node.Mark(), context + ": can never be true: " + *why);
    } else if (scope) {
      if (auto within = never_true({scope->filter.get(), condition.filter.get()})) {
        error(node.Mark(), context + ": can never be true for a user in the target's scope (" + scope->text + "): " + *within);
      }
    }
  }

  // A condition on an attribute users cannot have is a typo that would silently never (or always) hold.
  // Paths inside value filters (`emails[type eq "work"]`) are relative to their attribute and not checked.
  // Known paths are respelled as the schema spells them, like rule sources.
  static std::optional<std::string> canonicalize(Filter& filter) {
    if (filter.kind == Filter::Kind::compare || filter.kind == Filter::Kind::value_path) {
      return canonicalize_user_path(filter.comparison.path);
    }
    for (auto& operand : filter.operands) {
      if (auto why = canonicalize(operand)) return why;
    }
    return std::nullopt;
  }

  std::optional<std::map<std::string, std::string>> table(const YAML::Node& node, const std::string& context) {
    if (!node.IsMap()) {
      error(node.Mark(), context + ": 'table' must be a mapping from value to replacement");
      return std::nullopt;
    }
    std::map<std::string, std::string> out;
    for (const auto& entry : node) {
      if (!entry.first.IsScalar() || !entry.second.IsScalar()) {
        error(entry.first.Mark(), context + ": table entries map a string to a string");
        return std::nullopt;
      }
      if (!out.emplace(entry.first.Scalar(), entry.second.Scalar()).second) {
        error(entry.first.Mark(), context + ": '" + entry.first.Scalar() + "' is in the table twice");
        return std::nullopt;
      }
    }
    return out;
  }

  // Which columns of a lookup CSV hold the value and its replacement: by the
  // header's names when `key`/`value` are given, else the only two columns.
  struct Columns {
    std::optional<std::string> key, value;  // header names; both or neither
  };

  // A CSV next to the mapping file: value,replacement rows, or any columns under a header row.
  std::optional<std::map<std::string, std::string>> csv_table(const YAML::Node& node, const Columns& columns,
                                                              const std::string& context) {
    auto name = scalar(node, context + ": 'file'");
    if (!name) return std::nullopt;
    const auto file = std::filesystem::path(file_).parent_path() / *name;
    std::ifstream in(file, std::ios::binary);
    if (!in) {
      error(node.Mark(), context + ": cannot read the lookup file '" + file.string() + "'");
      return std::nullopt;
    }
    std::ostringstream content;
    content << in.rdbuf();
    auto parsed = csv::parse(content.str());
    if (auto* e = std::get_if<csv::Error>(&parsed)) {
      error(node.Mark(), context + ": " + file.string() + ":" + std::to_string(e->line) + ": " + e->message);
      return std::nullopt;
    }
    auto& rows = std::get<std::vector<csv::Row>>(parsed);
    size_t from = 0, to = 1, width = 2;
    std::string shape = "2 fields (value,replacement)";
    if (columns.key) {
      if (rows.empty()) {
        error(node.Mark(), context + ": " + file.string() + " has no header row naming its columns");
        return std::nullopt;
      }
      const auto& header = rows.front().fields;
      auto column = [&](const std::string& what, const std::string& wanted) -> std::optional<size_t> {
        const auto it = std::find(header.begin(), header.end(), wanted);
        if (it != header.end()) return static_cast<size_t>(it - header.begin());
        std::string names;
        for (const auto& h : header) names += (names.empty() ? "" : ", ") + h;
        error(node.Mark(), context + ": " + what + " column '" + wanted + "' is not in the header of " + file.string() +
                               " (columns: " + names + ")");
        return std::nullopt;
      };
      const auto k = column("'key'", *columns.key);
      const auto v = column("'value'", *columns.value);
      if (!k || !v) return std::nullopt;
      from = *k, to = *v, width = header.size();
      shape = std::to_string(width) + " fields, as its header";
      rows.erase(rows.begin());
    }
    std::map<std::string, std::string> out;
    for (const auto& row : rows) {
      const std::string where = file.string() + ":" + std::to_string(row.line) + ": ";
      if (row.fields.size() != width) {
        error(node.Mark(), context + ": " + where + "a lookup row has " + shape + ", this one has " +
                               std::to_string(row.fields.size()));
        return std::nullopt;
      }
      if (!out.emplace(row.fields[from], row.fields[to]).second) {
        error(node.Mark(), context + ": " + where + "'" + row.fields[from] + "' is in the table twice");
        return std::nullopt;
      }
    }
    return out;
  }

  std::optional<Transform> lookup(const YAML::Node& node, const std::string& context) {
    auto keys = keyed(node, context + ": 'lookup'", {"table", "file", "key", "value", "default", "missing"});
    if (!keys) return std::nullopt;
    if (keys->count("table") + keys->count("file") != 1) {
      error(node.Mark(), context + ": 'lookup' needs exactly one of 'table' or 'file'");
      return std::nullopt;
    }
    Columns columns;
    if (keys->count("key") || keys->count("value")) {
      if (!keys->count("file") || !keys->count("key") || !keys->count("value")) {
        error(node.Mark(), context + ": 'key' and 'value' name the columns of a lookup 'file'; give both");
        return std::nullopt;
      }
      if (!(columns.key = scalar(keys->at("key"), context + ": 'key'")) ||
          !(columns.value = scalar(keys->at("value"), context + ": 'value'"))) {
        return std::nullopt;
      }
    }
    auto entries =
        keys->count("table") ? table(keys->at("table"), context) : csv_table(keys->at("file"), columns, context);
    if (!entries) return std::nullopt;
    std::optional<std::string> fallback;
    if (keys->count("default") && !(fallback = scalar(keys->at("default"), context + ": 'default'"))) return std::nullopt;
    Missing missing = Missing::error;
    if (keys->count("missing")) {
      const YAML::Node& m = keys->at("missing");
      const std::string word = text(m);
      if (word == "keep") missing = Missing::keep;
      else if (word == "drop") missing = Missing::drop;
      else if (word != "error") {
        error(m.Mark(), context + ": 'missing' must be keep, drop or error");
        return std::nullopt;
      }
      if (fallback) {
        error(m.Mark(), context + ": 'missing' has no effect next to 'default'; remove one of them");
        return std::nullopt;
      }
    }
    return mapping::lookup(std::move(*entries), std::move(fallback), missing);
  }

  // The arguments of a transform written as a mapping with exactly the keys `a` and `b`.
  std::optional<std::pair<std::string, std::string>> two_strings(const YAML::Node& arg, const std::string& where,
                                                                 const std::string& a, const std::string& b) {
    auto keys = keyed(arg, where, {a, b});
    if (!keys) return std::nullopt;
    if (!keys->count(a) || !keys->count(b)) {
      error(arg.Mark(), where + " needs '" + a + "' and '" + b + "'");
      return std::nullopt;
    }
    auto first = scalar(keys->at(a), where + " '" + a + "'");
    auto second = scalar(keys->at(b), where + " '" + b + "'");
    if (!first || !second) return std::nullopt;
    return std::pair{std::move(*first), std::move(*second)};
  }

  std::optional<Transform> from_made(Made made, const YAML::Node& node, const std::string& context) {
    if (auto* why = std::get_if<std::string>(&made)) {
      error(node.Mark(), context + ": " + *why);
      return std::nullopt;
    }
    return std::get<Transform>(std::move(made));
  }

  std::optional<Transform> transform(const YAML::Node& node, const std::string& context) {
    if (node.IsScalar()) {
      const std::string& name = node.Scalar();
      if (name == "lower") return lower();
      if (name == "upper") return upper();
      if (name == "trim") return trim();
      if (name == "sha256") return sha256();
      static const std::set<std::string> kWithArguments = {"replace", "split", "join", "substring", "truncate",
                                                           "default", "lookup", "date", "phone", "boolean"};
      if (kWithArguments.count(name)) {
        error(node.Mark(), context + ": transform '" + name + "' needs arguments: {" + name + ": ...}");
      } else {
        error(node.Mark(), context + ": unknown transform '" + name + "' (known: " + kTransforms + ")");
      }
      return std::nullopt;
    }
    if (!node.IsMap() || node.size() != 1) {
      error(node.Mark(), context + ": a transform is a name or a mapping of one name to its arguments");
      return std::nullopt;
    }
    const auto entry = *node.begin();
    const std::string name = text(entry.first);
    const YAML::Node& arg = entry.second;
    const std::string where = context + ": '" + name + "'";
    if (name == "split" || name == "join" || name == "default") {
      auto s = scalar(arg, where);
      if (!s) return std::nullopt;
      if (name == "default") return default_value(*s);
      if (s->empty()) {
        error(arg.Mark(), where + " needs a non-empty separator");
        return std::nullopt;
      }
      return name == "split" ? split(*s) : join(*s);
    }
    if (name == "truncate") {
      auto n = count(arg, where);
      if (!n) return std::nullopt;
      return truncate(*n);
    }
    if (name == "substring") {
      auto keys = keyed(arg, where, {"start", "length"});
      if (!keys) return std::nullopt;
      if (!keys->count("length")) {
        error(arg.Mark(), where + " needs 'length'");
        return std::nullopt;
      }
      std::optional<size_t> start = size_t{0};
      if (keys->count("start")) start = count(keys->at("start"), where + " 'start'");
      auto length = count(keys->at("length"), where + " 'length'");
      if (!start || !length) return std::nullopt;
      return substring(*start, *length);
    }
    if (name == "replace") {
      auto args = two_strings(arg, where, "pattern", "with");
      if (!args) return std::nullopt;
      return from_made(replace(args->first, args->second), arg, context);
    }
    if (name == "date") {
      auto args = two_strings(arg, where, "from", "to");
      if (!args) return std::nullopt;
      return from_made(date_format(args->first, args->second), arg, context);
    }
    if (name == "phone") {
      auto region = scalar(arg, where);
      if (!region) return std::nullopt;
      return from_made(phone_e164(*region), arg, context);
    }
    if (name == "boolean") {
      auto args = two_strings(arg, where, "true", "false");
      if (!args) return std::nullopt;
      return boolean(args->first, args->second);
    }
    if (name == "lookup") return lookup(arg, context);
    if (name == "lower" || name == "upper" || name == "trim" || name == "sha256") {
      error(entry.first.Mark(), context + ": transform '" + name + "' takes no arguments; write it as a plain name");
    } else {
      error(entry.first.Mark(), context + ": unknown transform '" + name + "' (known: " + kTransforms + ")");
    }
    return std::nullopt;
  }

  void transforms(const YAML::Node& node, const std::string& context, Rule& rule) {
    const std::vector<YAML::Node> items = node.IsSequence() ? std::vector<YAML::Node>(node.begin(), node.end())
                                                            : std::vector<YAML::Node>{node};
    for (const auto& item : items) {
      if (auto t = transform(item, context)) rule.transforms.push_back(std::move(*t));
    }
  }

  std::optional<Authority> authority(const YAML::Node& node, const std::string& context) {
    const std::string word = text(node);
    for (auto a : {Authority::source, Authority::target, Authority::create_only, Authority::manual}) {
      if (word == to_string(a)) return a;
    }
    error(node.Mark(), context + ": 'authoritative' must be source, target, create_only or manual");
    return std::nullopt;
  }

  Rule rule(const std::string& attribute, const YAML::Node& name, const YAML::Node& node, const std::string& context) {
    Rule rule;
    rule.attribute = attribute;
    rule.at = at(name.Mark());
    std::optional<YAML::Node> secret;  // the `secret:` written, if any
    if (node.IsScalar() || node.IsSequence()) {
      sources(node, false, context, rule);
    } else if (node.IsMap()) {
      int kinds = 0;
      for (const auto& entry : node) {
        const std::string key = text(entry.first);
        if (key == "from" || key == "template") {
          ++kinds;
          sources(entry.second, key == "template", context, rule);
        } else if (key == "value") {
          ++kinds;
          Values constants;
          if (string_list(entry.second, context + ": 'value'", constants)) {
            std::string written;
            for (const auto& v : constants) written += (written.empty() ? "" : ", ") + v;
            rule.alternatives.push_back({constants, "value: " + written});
          }
        } else if (key == "all") {
          rule.all = flag(entry.second, context + ": 'all'").value_or(false);
        } else if (key == "transform") {
          transforms(entry.second, context, rule);
        } else if (key == "when") {
          rule.when = condition(entry.second, context + " 'when'");
        } else if (key == "authoritative") {
          rule.authority = authority(entry.second, context).value_or(Authority::source);
        } else if (key == "secret") {
          secret.emplace(entry.second);  // emplace: a Node assigned to writes into the one it refers to
        } else {
          error(entry.first.Mark(), context + ": unknown key '" + key + "' (known: " + kRuleKeys + ")");
        }
      }
      if (kinds != 1) error(node.Mark(), context + ": needs exactly one of 'from', 'template' or 'value'");
    } else {
      error(node.Mark(), context + ": expected a path, a template, a list of them, or a mapping");
    }
    rule.secret = rule_secret(attribute, secret ? &*secret : nullptr, file_, context, result_.errors);
    return rule;
  }

  std::optional<AttributeLimits> limits(const YAML::Node& node, const std::string& context) {
    auto keys = keyed(node, context, {"type", "max_length", "enum", "required", "multi_valued"});
    if (!keys) return std::nullopt;
    AttributeLimits out;
    bool ok = true;
    if (keys->count("type")) {
      const std::string t = text(keys->at("type"));
      if (t == "string") out.type = AttributeLimits::Type::string;
      else if (t == "integer") out.type = AttributeLimits::Type::integer;
      else if (t == "boolean") out.type = AttributeLimits::Type::boolean;
      else error(keys->at("type").Mark(), context + ": 'type' must be string, integer or boolean"), ok = false;
    }
    if (keys->count("max_length")) ok &= (out.max_length = count(keys->at("max_length"), context + ": 'max_length'")).has_value();
    if (keys->count("enum")) ok &= string_list(keys->at("enum"), context + ": 'enum'", out.allowed);
    if (keys->count("required")) {
      auto b = flag(keys->at("required"), context + ": 'required'");
      ok &= b.has_value();
      out.required = b.value_or(false);
    }
    if (keys->count("multi_valued")) {
      auto b = flag(keys->at("multi_valued"), context + ": 'multi_valued'");
      ok &= b.has_value();
      out.multi_valued = b.value_or(false);
    }
    for (const auto& v : out.allowed) {
      if (auto why = check_value(AttributeLimits{out.type, out.max_length, {}, false, false}, v)) {
        error(keys->at("enum").Mark(), context + ": the enum value " + *why);
        ok = false;
      }
    }
    if (!ok) return std::nullopt;
    return out;
  }

  // Every value the rule can produce when that is knowable at load time (constants,
  // lookup tables, boolean -> enum), run through the rest of the chain; nullopt otherwise.
  static std::optional<Values> known_outputs(const Rule& rule) {
    size_t first = 0;  // transforms from here on still apply to the known values
    std::optional<Values> seeds;
    for (size_t i = rule.transforms.size(); i-- > 0;) {
      if (rule.transforms[i].outputs) {
        seeds = rule.transforms[i].outputs;
        first = i + 1;
        break;
      }
    }
    if (!seeds) {
      seeds.emplace();
      for (const auto& alternative : rule.alternatives) {
        const auto* constants = std::get_if<Values>(&alternative.source);
        if (!constants) return std::nullopt;
        seeds->insert(seeds->end(), constants->begin(), constants->end());
      }
    }
    Values out;
    for (const auto& seed : *seeds) {
      Values v{seed};
      // A step that fails on a known value is not a limit problem; the rule is reported at run time.
      if (run_all({rule.transforms.begin() + static_cast<long>(first), rule.transforms.end()}, v)) continue;
      out.insert(out.end(), v.begin(), v.end());
    }
    return out;
  }

  // Whether the rule can give an attribute more than one value.
  static bool may_be_multi_valued(const Rule& rule) {
    bool multi = rule.all;
    for (const auto& alternative : rule.alternatives) {
      if (const auto* constants = std::get_if<Values>(&alternative.source)) multi |= constants->size() > 1;
    }
    for (const auto& step : rule.transforms) {
      if (step.count == Transform::Count::may_grow) multi = true;
      if (step.count == Transform::Count::at_most_one) multi = false;
    }
    return multi;
  }

  void check_limits(const Rule& rule, const YAML::Node& name, const std::string& context) {
    if (!rule.limits) return;
    if (!rule.limits->multi_valued && may_be_multi_valued(rule)) {
      error(name.Mark(), context + ": can produce several values, but the target's schema holds one "
                                   "(set multi_valued: true, or join them)");
    }
    if (auto outputs = known_outputs(rule)) {
      for (const auto& v : *outputs) {
        if (auto why = check_value(*rule.limits, v, rule.secret)) {
          error(name.Mark(), context + ": can produce a value the target refuses: " + *why);
          return;
        }
      }
    }
  }

  // Every path of the key and the rules gets the slot of the attribute it starts at.
  static void assign_slots(TargetMapping::Compiled& c) {
    auto assign = [&](Path& p) { p.slot = c.slots.add(p.path); };
    auto assign_template = [&](Template& t) {
      for (auto& piece : t.pieces) {
        if (piece.path) assign(*piece.path);
      }
    };
    assign_template(c.key);
    for (auto& rule : c.rules) {
      for (auto& alternative : rule.alternatives) {
        if (auto* p = std::get_if<Path>(&alternative.source)) assign(*p);
        if (auto* t = std::get_if<Template>(&alternative.source)) assign_template(*t);
      }
    }
  }

  void target(const TargetRef& ref, const YAML::Node& node) {
    const std::string context = "target '" + ref.name + "'";
    // LDAP accounts are keyed by a DN with object classes; other targets by a plain key.
    const bool ldap = ref.type == "ldap";
    const std::string key_name = ldap ? "dn" : "key";
    const std::string known = ldap ? "dn, object_classes, scope, correlate, schema, attributes, groups"
                                   : "key, scope, correlate, schema, attributes";
    if (!node.IsMap()) {
      error(node.Mark(), context + " must be a mapping with '" + key_name + "' and 'attributes'");
      return;
    }
    auto c = std::make_shared<TargetMapping::Compiled>();
    c->target = ref.name;
    c->key_escape = ref.key_escape;
    std::optional<Template> key;
    bool key_written = false;  // an invalid key is reported once, not also as missing
    std::map<std::string, YAML::Node> parts;
    for (const auto& entry : node) {
      const std::string k = text(entry.first);
      if (k == key_name || ((k == "object_classes" || k == "groups") && ldap) || k == "scope" || k == "correlate" || k == "schema" ||
          k == "attributes") {
        parts.emplace(k, entry.second);
      } else {
        error(entry.first.Mark(), context + ": unknown key '" + k + "' (known: " + known + ")");
      }
    }
    if (parts.count(key_name)) {
      key_written = true;
      const YAML::Node& k = parts.at(key_name);
      if (!k.IsScalar()) {
        error(k.Mark(), context + ": '" + key_name + "' must be a template string");
      } else if (auto s = source(k, true, context + " " + key_name)) {
        key = std::get<Template>(std::move(*s));
      }
    }
    if (parts.count("object_classes")) string_list(parts.at("object_classes"), context + ": 'object_classes'", c->object_classes);
    if (parts.count("scope")) c->scope = condition(parts.at("scope"), context + " scope");
    if (c->scope) check_reachable(parts.at("scope"), *c->scope, std::nullopt, context + " scope");
    if (parts.count("groups")) {
      c->groups = parse_group_mapping(parts.at("groups"), file_, context, ref.key_escape, result_.errors);
    }
    std::map<std::string, YAML::Node, CaseInsensitiveLess> schema_nodes;
    if (parts.count("schema")) {
      const YAML::Node& s = parts.at("schema");
      if (!s.IsMap()) {
        error(s.Mark(), context + ": 'schema' must be a mapping from target attribute to its limits");
      } else {
        for (const auto& entry : s) {
          const std::string name = text(entry.first);
          if (auto it = schema_nodes.find(name); it != schema_nodes.end()) {
            error(entry.first.Mark(), context + ": duplicate schema attribute '" + name + "' (first at line " +
                                          std::to_string(it->second.Mark().line + 1) + ")");
            continue;
          }
          schema_nodes.emplace(name, entry.first);
          if (auto l = limits(entry.second, context + " schema '" + name + "'")) c->schema.emplace(name, std::move(*l));
        }
      }
    }
    std::map<std::string, YAML::Mark, CaseInsensitiveLess> defined;
    if (parts.count("attributes")) {
      const YAML::Node& attributes = parts.at("attributes");
      if (!attributes.IsMap()) {
        error(attributes.Mark(), context + ": 'attributes' must be a mapping from target attribute to rule");
      } else {
        for (const auto& attr : attributes) {
          const std::string name = text(attr.first);
          if (auto [it, fresh] = defined.emplace(name, attr.first.Mark()); !fresh) {
            error(attr.first.Mark(), context + ": duplicate attribute '" + name + "' (first at line " +
                                         std::to_string(it->second.line + 1) + ")");
            continue;
          }
          const std::string where = context + " attribute '" + name + "'";
          Rule r = rule(name, attr.first, attr.second, where);
          c->secrets.mark(name, r.secret);
          if (auto l = c->schema.find(name); l != c->schema.end()) r.limits = &l->second;
          if (r.when) check_reachable(attr.second["when"], *r.when, c->scope, where + " 'when'");
          check_limits(r, attr.first, where);
          c->rules.push_back(std::move(r));
        }
      }
    }
    if (!c->object_classes.empty() && defined.count("objectClass")) {
      error(defined.at("objectClass"), context + ": objectClass is set by 'object_classes'; remove one of them");
    }
    for (const auto& [name, l] : c->schema) {
      if (l.required && !defined.count(name)) {
        error(schema_nodes.at(name).Mark(), context + ": the schema requires '" + name + "' but no rule maps it");
      }
    }
    if (parts.count("correlate")) {
      const YAML::Node& node_keys = parts.at("correlate");
      Values keys;
      if (string_list(node_keys, context + ": 'correlate'", keys)) {
        std::set<std::string, CaseInsensitiveLess> seen;
        for (size_t i = 0; i < keys.size(); ++i) {
          const YAML::Mark mark = node_keys.IsSequence() ? node_keys[i].Mark() : node_keys.Mark();
          if (!defined.count(keys[i])) {
            error(mark, context + ": correlation key '" + keys[i] + "' is not an attribute of this mapping");
          } else if (!seen.insert(keys[i]).second) {
            error(mark, context + ": correlation key '" + keys[i] + "' is listed twice");
          } else {
            c->correlation_keys.push_back(keys[i]);
          }
        }
      }
    }
    if (!key) {
      if (!key_written) error(node.Mark(), context + ": missing required key '" + key_name + "'");
      return;
    }
    c->key = std::move(*key);
    assign_slots(*c);
    if (!c->object_classes.empty()) c->managed.push_back("objectClass");
    for (const auto& r : c->rules) c->managed.push_back(r.attribute);
    c->output_order.resize(c->rules.size());
    std::iota(c->output_order.begin(), c->output_order.end(), size_t{0});
    std::sort(c->output_order.begin(), c->output_order.end(),
              [&](size_t a, size_t b) { return CaseInsensitiveLess{}(c->rules[a].attribute, c->rules[b].attribute); });
    result_.targets.emplace(ref.name, TargetMapping(std::move(c)));
  }

  std::string file_;
  const std::vector<TargetRef>& targets_;
  LoadResult result_;
};

}  // namespace

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
