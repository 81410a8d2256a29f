#include "scim/filter.h"

#include "scim/ascii.h"

#include <algorithm>
#include <cctype>

namespace idb::scim {
namespace {

bool is_core_schema(std::string_view urn) {
  return iequals(urn, "urn:ietf:params:scim:schemas:core:2.0:User") ||
         iequals(urn, "urn:ietf:params:scim:schemas:core:2.0:Group");
}

// RFC 7643 §2.1: attribute names are case-insensitive.
const nlohmann::json* member(const nlohmann::json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (iequals(it.key(), name)) return &it.value();
  }
  return nullptr;
}

// Attributes whose values compare case-sensitively (RFC 7643 caseExact=true).
bool case_exact(const AttributePath& path) {
  const std::string& last = path.names.back();
  return iequals(last, "id") || iequals(last, "externalId") || iequals(last, "$ref");
}

class Parser {
 public:
  explicit Parser(std::string_view text) : s_(text) {}

  std::variant<AttributePath, ParseError> whole_path() {
    AttributePath path;
    if (auto err = attr_path(path)) return *err;
    skip_ws();
    if (pos_ != s_.size()) return ParseError{"unexpected text after attribute path", pos_};
    return path;
  }

  std::variant<Comparison, ParseError> whole_filter() {
    Comparison c;
    if (auto err = comparison(c)) return *err;
    skip_ws();
    if (pos_ != s_.size()) return ParseError{"unexpected text after filter", pos_};
    return c;
  }

 private:
  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }

  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$' || c == '.' || c == ':';
  }

  std::optional<ParseError> split_names(std::string_view run, size_t at, AttributePath& path) {
    std::string_view rest = run;
    if (run.size() > 4 && iequals(run.substr(0, 4), "urn:")) {
      const size_t colon = run.rfind(':');
      path.schema = std::string(run.substr(0, colon));
      rest = run.substr(colon + 1);
      if (is_core_schema(path.schema)) path.schema.clear();
    }
    size_t start = 0;
    while (true) {
      const size_t dot = rest.find('.', start);
      std::string_view name = rest.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
      if (name.empty() || !(std::isalpha(static_cast<unsigned char>(name[0])) || name[0] == '$')) {
        return ParseError{"invalid attribute name in '" + std::string(run) + "'", at};
      }
      path.names.emplace_back(name);
      if (dot == std::string_view::npos) break;
      start = dot + 1;
    }
    if (path.names.size() > 2) return ParseError{"attribute path '" + std::string(run) + "' is nested too deeply", at};
    return std::nullopt;
  }

  std::optional<ParseError> attr_path(AttributePath& path) {
    skip_ws();
    const size_t begin = pos_;
    while (pos_ < s_.size() && name_char(s_[pos_])) ++pos_;
    if (pos_ == begin) return ParseError{"expected an attribute name", begin};
    if (auto err = split_names(s_.substr(begin, pos_ - begin), begin, path)) return err;
    if (pos_ < s_.size() && s_[pos_] == '[') {
      if (path.names.size() != 1) return ParseError{"a value filter must follow a top-level attribute", pos_};
      if (depth_ > 0) return ParseError{"value filters cannot be nested", pos_};
      ++pos_;
      auto inner = std::make_shared<Comparison>();
      ++depth_;
      if (auto err = comparison(*inner)) return err;
      --depth_;
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ']') return ParseError{"expected ']'", pos_};
      ++pos_;
      path.value_filter = std::move(inner);
      if (pos_ < s_.size() && s_[pos_] == '.') {
        ++pos_;
        const size_t sub = pos_;
        while (pos_ < s_.size() && name_char(s_[pos_]) && s_[pos_] != '.' && s_[pos_] != ':') ++pos_;
        if (pos_ == sub) return ParseError{"expected a sub-attribute name after ']'", sub};
        path.names.emplace_back(s_.substr(sub, pos_ - sub));
      }
    }
    path.text = std::string(s_.substr(begin, pos_ - begin));
    return std::nullopt;
  }

  std::optional<ParseError> comparison(Comparison& c) {
    if (auto err = attr_path(c.path)) return err;
    skip_ws();
    const size_t op_at = pos_;
    while (pos_ < s_.size() && std::isalpha(static_cast<unsigned char>(s_[pos_]))) ++pos_;
    const std::string op = lower(s_.substr(op_at, pos_ - op_at));
    static const std::pair<const char*, CompareOp> kOps[] = {
        {"eq", CompareOp::eq}, {"ne", CompareOp::ne}, {"co", CompareOp::co}, {"sw", CompareOp::sw},
        {"ew", CompareOp::ew}, {"gt", CompareOp::gt}, {"ge", CompareOp::ge}, {"lt", CompareOp::lt},
        {"le", CompareOp::le}, {"pr", CompareOp::pr}};
    const auto found = std::find_if(std::begin(kOps), std::end(kOps), [&](const auto& p) { return op == p.first; });
    if (found == std::end(kOps)) {
      return ParseError{op.empty() ? "expected a comparison operator" : "unknown operator '" + op + "'", op_at};
    }
    c.op = found->second;
    if (c.op == CompareOp::pr) return std::nullopt;
    skip_ws();
    return value(c.value);
  }

  std::optional<ParseError> value(nlohmann::json& out) {
    const size_t begin = pos_;
    if (pos_ < s_.size() && s_[pos_] == '"') {
      ++pos_;
      while (pos_ < s_.size() && s_[pos_] != '"') pos_ += (s_[pos_] == '\\') ? 2 : 1;
      if (pos_ >= s_.size()) return ParseError{"unterminated string", begin};
      ++pos_;
    } else {
      while (pos_ < s_.size() && s_[pos_] != ' ' && s_[pos_] != ']' && s_[pos_] != ')') ++pos_;
    }
    std::string token(s_.substr(begin, pos_ - begin));
    if (token.empty()) return ParseError{"expected a value", begin};
    // Entra ID writes booleans as True/False; RFC 7644 says lower case.
    const std::string lowered = lower(token);
    if (lowered == "true" || lowered == "false" || lowered == "null") token = lowered;
    out = nlohmann::json::parse(token, nullptr, /*allow_exceptions=*/false);
    if (out.is_discarded() || out.is_object() || out.is_array()) {
      return ParseError{"invalid value '" + std::string(s_.substr(begin, pos_ - begin)) + "'", begin};
    }
    return std::nullopt;
  }

  std::string_view s_;
  size_t pos_ = 0;
  int depth_ = 0;
};

void collect(const nlohmann::json& node, const AttributePath& path, std::vector<const nlohmann::json*>& out) {
  auto push_sub = [&](const nlohmann::json& element) {
    if (path.names.size() == 1) {
      out.push_back(&element);
    } else if (const auto* sub = member(element, path.names[1]); sub && !sub->is_null()) {
      out.push_back(sub);
    }
  };
  if (node.is_array()) {
    for (const auto& element : node) {
      if (path.value_filter && !matches(*path.value_filter, element)) continue;
      push_sub(element);
    }
  } else if (!path.value_filter || matches(*path.value_filter, node)) {
    push_sub(node);
  }
}

bool present(const nlohmann::json& v) {
  return !(v.is_null() || (v.is_string() && v.get_ref<const std::string&>().empty()) ||
           ((v.is_array() || v.is_object()) && v.empty()));
}

bool compare(CompareOp op, const nlohmann::json& actual, const nlohmann::json& expected, bool exact) {
  if (actual.is_string() && expected.is_string()) {
    std::string a = actual.get<std::string>(), e = expected.get<std::string>();
    if (!exact) a = lower(a), e = lower(e);
    switch (op) {
      case CompareOp::eq: return a == e;
      case CompareOp::ne: return a != e;
      case CompareOp::co: return a.find(e) != std::string::npos;
      case CompareOp::sw: return a.starts_with(e);
      case CompareOp::ew: return a.ends_with(e);
      case CompareOp::gt: return a > e;
      case CompareOp::ge: return a >= e;
      case CompareOp::lt: return a < e;
      case CompareOp::le: return a <= e;
      case CompareOp::pr: return true;
    }
  }
  if (actual.is_number() && expected.is_number()) {
    const double a = actual.get<double>(), e = expected.get<double>();
    switch (op) {
      case CompareOp::eq: return a == e;
      case CompareOp::ne: return a != e;
      case CompareOp::gt: return a > e;
      case CompareOp::ge: return a >= e;
      case CompareOp::lt: return a < e;
      case CompareOp::le: return a <= e;
      default: return false;
    }
  }
  if (op == CompareOp::eq) return actual == expected;
  if (op == CompareOp::ne) return actual != expected;
  return false;
}

}  // namespace

std::variant<AttributePath, ParseError> parse_path(std::string_view text) { return Parser(text).whole_path(); }

std::variant<Comparison, ParseError> parse_filter(std::string_view text) { return Parser(text).whole_filter(); }

std::vector<const nlohmann::json*> resolve(const AttributePath& path, const nlohmann::json& resource) {
  std::vector<const nlohmann::json*> out;
  const nlohmann::json* scope = path.schema.empty() ? &resource : member(resource, path.schema);
  if (!scope) return out;
  if (const auto* node = member(*scope, path.names.front()); node && !node->is_null()) collect(*node, path, out);
  return out;
}

bool matches(const Comparison& filter, const nlohmann::json& resource) {
  const auto values = resolve(filter.path, resource);
  if (filter.op == CompareOp::pr) return std::any_of(values.begin(), values.end(), [](auto* v) { return present(*v); });
  // `ne` holds when no value equals (an absent attribute is "not equal" too).
  if (filter.op == CompareOp::ne) {
    return std::none_of(values.begin(), values.end(), [&](auto* v) {
      return compare(CompareOp::eq, *v, filter.value, case_exact(filter.path));
    });
  }
  return std::any_of(values.begin(), values.end(),
                     [&](auto* v) { return compare(filter.op, *v, filter.value, case_exact(filter.path)); });
}

}  // namespace idb::scim
