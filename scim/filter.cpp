#include "scim/filter.h"

#include "scim/ascii.h"

#include <algorithm>
#include <cctype>
#include <optional>

namespace idb::scim {
namespace {

bool is_core_schema(std::string_view urn) {
  return iequals(urn, "urn:ietf:params:scim:schemas:core:2.0:User") ||
         iequals(urn, "urn:ietf:params:scim:schemas:core:2.0:Group");
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// An RFC 3339 dateTime (xsd:dateTime as RFC 7643 §2.3.5 uses it) as seconds
// and nanoseconds since the epoch, so filters and sorting compare instants,
// not spellings: "…T04:42:34Z" equals "…T06:42:34+02:00".
std::optional<std::pair<int64_t, int64_t>> date_time(std::string_view s) {
  auto num = [&](size_t at, size_t len) {
    int v = 0;
    for (size_t i = at; i < at + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  auto digits = [&](size_t at, size_t len) {
    if (at + len > s.size()) return false;
    return std::all_of(s.begin() + at, s.begin() + at + len, is_digit);
  };
  if (s.size() < 20 || !digits(0, 4) || s[4] != '-' || !digits(5, 2) || s[7] != '-' || !digits(8, 2) ||
      (s[10] != 'T' && s[10] != 't') || !digits(11, 2) || s[13] != ':' || !digits(14, 2) || s[16] != ':' ||
      !digits(17, 2)) {
    return std::nullopt;
  }
  size_t i = 19;
  int64_t nanos = 0;
  if (s[i] == '.') {
    size_t n = 0;
    for (++i; i < s.size() && is_digit(s[i]); ++i, ++n) {
      if (n < 9) nanos = nanos * 10 + (s[i] - '0');
    }
    if (n == 0) return std::nullopt;
    for (; n < 9; ++n) nanos *= 10;
  }
  int64_t offset = 0;
  if (i < s.size() && (s[i] == 'Z' || s[i] == 'z')) {
    ++i;
  } else if (i < s.size() && (s[i] == '+' || s[i] == '-') && digits(i + 1, 2) && i + 3 < s.size() && s[i + 3] == ':' &&
             digits(i + 4, 2)) {
    offset = (s[i] == '-' ? -1 : 1) * (num(i + 1, 2) * 3600 + num(i + 4, 2) * 60);
    i += 6;
  } else {
    return std::nullopt;
  }
  if (i != s.size()) return std::nullopt;
  // Days from civil date (H. Hinnant's algorithm).
  int y = num(0, 4);
  const int m = num(5, 2), d = num(8, 2);
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  y -= m <= 2;
  const int era = y / 400;
  const int yoe = y - era * 400;
  const int doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  const int64_t days = int64_t{era} * 146097 + doe - 719468;
  const int64_t secs = days * 86400 + num(11, 2) * 3600 + num(14, 2) * 60 + num(17, 2) - offset;
  return std::pair{secs, nanos};
}

class Parser {
 public:
  Parser(std::string_view text, const FilterLimits& limits) : s_(text), limits_(limits) {}

  std::variant<AttributePath, ParseError> whole_path() {
    AttributePath path;
    if (s_.size() > limits_.max_length) return too_long();
    if (auto err = attr_path(path)) return *err;
    skip_ws();
    if (pos_ != s_.size()) return ParseError{"unexpected text after attribute path", pos_};
    return path;
  }

  std::variant<Filter, ParseError> whole_filter() {
    if (s_.size() > limits_.max_length) return too_long();
    Filter f;
    if (auto err = or_expr(f)) return *err;
    skip_ws();
    if (pos_ != s_.size()) return ParseError{"unexpected text after filter", pos_};
    return f;
  }

 private:
  ParseError too_long() const {
    return ParseError{"the filter is longer than " + std::to_string(limits_.max_length) + " bytes", limits_.max_length};
  }

  void skip_ws() {
    while (pos_ < s_.size() && (s_[pos_] == ' ' || s_[pos_] == '\t')) ++pos_;
  }

  static bool name_char(char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-' || c == '$' || c == '.' || c == ':';
  }

  // Consumes `word` (case-insensitively) when it stands next, as a whole word.
  bool keyword(std::string_view word) {
    const size_t save = pos_;
    skip_ws();
    const size_t begin = pos_;
    if (s_.size() - begin >= word.size() && iequals(s_.substr(begin, word.size()), word)) {
      const size_t after = begin + word.size();
      if (after == s_.size() || s_[after] == ' ' || s_[after] == '\t' || s_[after] == '(') {
        pos_ = begin + word.size();
        return true;
      }
    }
    pos_ = save;
    return false;
  }

  std::optional<ParseError> enter(size_t at) {
    if (++depth_ > limits_.max_depth) {
      return ParseError{"the filter nests deeper than " + std::to_string(limits_.max_depth) + " levels", at};
    }
    return std::nullopt;
  }

  // logExp with `and` binding tighter than `or` (RFC 7644 §3.4.2.2, Table 5).
  std::optional<ParseError> or_expr(Filter& out) { return chain(out, "or", Filter::Kind::any_of, &Parser::and_expr); }
  std::optional<ParseError> and_expr(Filter& out) { return chain(out, "and", Filter::Kind::all_of, &Parser::unary); }

  std::optional<ParseError> chain(Filter& out, std::string_view word, Filter::Kind kind,
                                  std::optional<ParseError> (Parser::*operand)(Filter&)) {
    Filter first;
    if (auto err = (this->*operand)(first)) return err;
    if (!keyword(word)) {
      out = std::move(first);
      return std::nullopt;
    }
    out = Filter{};
    out.kind = kind;
    out.operands.push_back(std::move(first));
    do {
      Filter next;
      if (auto err = (this->*operand)(next)) return err;
      out.operands.push_back(std::move(next));
    } while (keyword(word));
    return std::nullopt;
  }

  std::optional<ParseError> unary(Filter& out) {
    skip_ws();
    const size_t at = pos_;
    const bool negated = keyword("not");
    skip_ws();
    if (pos_ < s_.size() && s_[pos_] == '(') {
      if (auto err = enter(pos_)) return err;
      ++pos_;
      Filter inner;
      if (auto err = or_expr(inner)) return err;
      skip_ws();
      if (pos_ >= s_.size() || s_[pos_] != ')') return ParseError{"expected ')'", pos_};
      ++pos_;
      --depth_;
      if (!negated) {
        out = std::move(inner);
      } else {
        out = Filter{};
        out.kind = Filter::Kind::negate;
        out.operands.push_back(std::move(inner));
      }
      return std::nullopt;
    }
    if (negated) return ParseError{"expected '(' after 'not'", pos_};
    pos_ = at;
    return attr_expr(out);
  }

  std::optional<ParseError> attr_expr(Filter& out) {
    out = Filter{};
    Comparison& c = out.comparison;
    if (auto err = attr_path(c.path)) return err;
    if (c.path.schema.empty() && (iequals(c.path.text, "and") || iequals(c.path.text, "or"))) {
      return ParseError{"expected an attribute name, not '" + c.path.text + "'", pos_ - c.path.text.size()};
    }
    // `emails[type eq "work"]` alone: a valuePath filter.
    if (c.path.value_filter && c.path.names.size() == 1) {
      const size_t save = pos_;
      skip_ws();
      const bool ends = pos_ == s_.size() || s_[pos_] == ')' || s_[pos_] == ']';
      pos_ = save;
      if (ends || keyword("and") || keyword("or")) {
        pos_ = save;
        out.kind = Filter::Kind::value_path;
        return std::nullopt;
      }
    }
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
      if (in_value_filter_) return ParseError{"value filters cannot be nested", pos_};
      if (auto err = enter(pos_)) return err;
      ++pos_;
      auto inner = std::make_shared<Filter>();
      in_value_filter_ = true;
      if (auto err = or_expr(*inner)) return err;
      in_value_filter_ = false;
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
    // Only scalars are values; not even handing '[' or '{' to the parser
    // keeps a hostile nesting away from its recursion.
    const bool scalar = token[0] != '[' && token[0] != '{';
    if (scalar) out = nlohmann::json::parse(token, nullptr, /*allow_exceptions=*/false);
    if (!scalar || out.is_discarded() || out.is_object() || out.is_array()) {
      return ParseError{"invalid value '" + std::string(s_.substr(begin, pos_ - begin)) + "'", begin};
    }
    return std::nullopt;
  }

  std::string_view s_;
  const FilterLimits& limits_;
  size_t pos_ = 0;
  int depth_ = 0;
  bool in_value_filter_ = false;
};

void collect(const nlohmann::json& node, const AttributePath& path, std::vector<const nlohmann::json*>& out) {
  auto push_sub = [&](const nlohmann::json& element) {
    if (path.names.size() == 1) {
      out.push_back(&element);
    } else if (const auto* sub = member(element, path.names[1]); sub && !sub->is_null()) {
      if (sub->is_array()) {
        for (const auto& v : *sub) out.push_back(&v);
      } else {
        out.push_back(sub);
      }
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

// A complex value compares by its "value" sub-attribute (`emails co "@x"`,
// `members eq "id"`), as multi-valued attributes are commonly filtered.
const nlohmann::json& comparable_part(const nlohmann::json& v) {
  if (v.is_object()) {
    if (const auto* inner = member(v, "value")) return *inner;
  }
  return v;
}

bool compare(CompareOp op, const nlohmann::json& actual_in, const nlohmann::json& expected, bool exact) {
  const nlohmann::json& actual = comparable_part(actual_in);
  if (actual.is_string() && expected.is_string() && (op == CompareOp::co || op == CompareOp::sw || op == CompareOp::ew)) {
    std::string a = actual.get<std::string>(), e = expected.get<std::string>();
    if (!exact) a = lower(a), e = lower(e);
    if (op == CompareOp::co) return a.find(e) != std::string::npos;
    if (op == CompareOp::sw) return a.starts_with(e);
    return a.ends_with(e);
  }
  bool comparable = false;
  const int order = compare_values(actual, expected, exact, comparable);
  if (!comparable) return false;
  switch (op) {
    case CompareOp::eq: return order == 0;
    case CompareOp::ne: return order != 0;
    // RFC 7644: gt/ge/lt/le are not defined for booleans.
    case CompareOp::gt: return !actual.is_boolean() && order > 0;
    case CompareOp::ge: return !actual.is_boolean() && order >= 0;
    case CompareOp::lt: return !actual.is_boolean() && order < 0;
    case CompareOp::le: return !actual.is_boolean() && order <= 0;
    default: return false;
  }
}

bool matches_comparison(const Comparison& c, const nlohmann::json& resource) {
  const auto values = resolve(c.path, resource);
  const bool exact = case_exact(c.path);
  if (c.op == CompareOp::pr) return std::any_of(values.begin(), values.end(), [](auto* v) { return present(*v); });
  // `ne` holds when no value equals (an absent attribute is "not equal" too).
  if (c.op == CompareOp::ne) {
    return std::none_of(values.begin(), values.end(), [&](auto* v) { return compare(CompareOp::eq, *v, c.value, exact); });
  }
  return std::any_of(values.begin(), values.end(), [&](auto* v) { return compare(c.op, *v, c.value, exact); });
}

template <typename Json>
Json* member_of(Json& object, std::string_view name) {
  if (!object.is_object()) return nullptr;
  // Stored resources are normalized to the schema's spellings, so the exact name
  // usually hits in O(log n); the scan serves other spellings.
  if (auto it = object.find(name); it != object.end()) return &it.value();
  for (auto it = object.begin(); it != object.end(); ++it) {
    if (iequals(it.key(), name)) return &it.value();
  }
  return nullptr;
}

}  // namespace

// RFC 7643 §2.1: attribute names are case-insensitive.
const nlohmann::json* member(const nlohmann::json& object, std::string_view name) { return member_of(object, name); }
nlohmann::json* member(nlohmann::json& object, std::string_view name) { return member_of(object, name); }

bool case_exact(const AttributePath& path) {
  if (path.case_exact) return *path.case_exact;
  const std::string& last = path.names.back();
  return iequals(last, "id") || iequals(last, "externalId") || iequals(last, "$ref") ||
         (path.names.size() == 2 && iequals(path.names[0], "meta") && iequals(last, "version"));
}

int compare_values(const nlohmann::json& a, const nlohmann::json& b, bool exact, bool& comparable) {
  comparable = true;
  if (a.is_number_integer() && b.is_number_integer()) {
    const auto x = a.get<int64_t>(), y = b.get<int64_t>();
    return x < y ? -1 : x > y;
  }
  if (a.is_number() && b.is_number()) {
    const double x = a.get<double>(), y = b.get<double>();
    return x < y ? -1 : x > y;
  }
  if (a.is_string() && b.is_string()) {
    const auto& x = a.get_ref<const std::string&>();
    const auto& y = b.get_ref<const std::string&>();
    if (const auto dx = date_time(x)) {
      if (const auto dy = date_time(y)) return *dx < *dy ? -1 : *dx > *dy;
    }
    if (exact) {
      const int c = x.compare(y);
      return c < 0 ? -1 : c > 0;
    }
    // Folded byte by byte rather than comparing lowered copies: value filters
    // (`emails[type eq "work"]`) compare once per element per user.
    const auto [ix, iy] = std::mismatch(x.begin(), x.end(), y.begin(), y.end(), [](unsigned char p, unsigned char q) {
      return fold(p) == fold(q);
    });
    if (ix == x.end()) return iy == y.end() ? 0 : -1;
    if (iy == y.end()) return 1;
    return fold(static_cast<unsigned char>(*ix)) < fold(static_cast<unsigned char>(*iy)) ? -1 : 1;
  }
  if (a.is_boolean() && b.is_boolean()) return static_cast<int>(a.get<bool>()) - static_cast<int>(b.get<bool>());
  if (a.is_null() && b.is_null()) return 0;
  comparable = false;
  return 0;
}

std::variant<AttributePath, ParseError> parse_path(std::string_view text) {
  const FilterLimits limits;
  return Parser(text, limits).whole_path();
}

std::variant<Filter, ParseError> parse_filter(std::string_view text) { return parse_filter(text, FilterLimits{}); }

std::variant<Filter, ParseError> parse_filter(std::string_view text, const FilterLimits& limits) {
  return Parser(text, limits).whole_filter();
}

std::vector<const nlohmann::json*> resolve(const AttributePath& path, const nlohmann::json& resource) {
  std::vector<const nlohmann::json*> out;
  const nlohmann::json* scope = path.schema.empty() ? &resource : member(resource, path.schema);
  resolve_below(path, scope ? member(*scope, path.names.front()) : nullptr, out);
  return out;
}

void resolve_below(const AttributePath& path, const nlohmann::json* attribute, std::vector<const nlohmann::json*>& out) {
  out.clear();
  if (attribute && !attribute->is_null()) collect(*attribute, path, out);
}

bool matches(const Filter& filter, const nlohmann::json& resource) {
  switch (filter.kind) {
    case Filter::Kind::compare: return matches_comparison(filter.comparison, resource);
    case Filter::Kind::value_path: return !resolve(filter.comparison.path, resource).empty();
    case Filter::Kind::all_of:
      return std::all_of(filter.operands.begin(), filter.operands.end(), [&](const Filter& f) { return matches(f, resource); });
    case Filter::Kind::any_of:
      return std::any_of(filter.operands.begin(), filter.operands.end(), [&](const Filter& f) { return matches(f, resource); });
    case Filter::Kind::negate: return !matches(filter.operands.front(), resource);
  }
  return false;
}

}  // namespace idb::scim
