#include "mapping/never_true.h"

#include "mapping/user_schema.h"
#include "scim/schema.h"

namespace idb::mapping {
namespace {

using scim::CompareOp;
using scim::Filter;

// A comparison (or value path) that must hold (positive) or must not.
struct Literal {
  const Filter* leaf;
  bool positive;
};
using Conjunction = std::vector<Literal>;

// Far more alternatives than any hand-written condition has; beyond it, give up.
constexpr size_t kMaxConjunctions = 256;

// Both sides holding: every pairing of an alternative of `out` with one of
// `inner`, into `out`. False when that grows past kMaxConjunctions.
bool conjoin(std::vector<Conjunction>& out, const std::vector<Conjunction>& inner) {
  std::vector<Conjunction> product;
  for (const auto& left : out) {
    for (const auto& right : inner) {
      Conjunction both = left;
      both.insert(both.end(), right.begin(), right.end());
      product.push_back(std::move(both));
    }
  }
  out = std::move(product);
  return out.size() <= kMaxConjunctions;
}

// `filter` (negated when asked) as alternatives of conjunctions (disjunctive
// normal form); nullopt when that would grow past kMaxConjunctions.
std::optional<std::vector<Conjunction>> alternatives(const Filter& filter, bool negated) {
  switch (filter.kind) {
    case Filter::Kind::compare:
    case Filter::Kind::value_path:
      return std::vector<Conjunction>{{{&filter, !negated}}};
    case Filter::Kind::negate:
      return alternatives(filter.operands.front(), !negated);
    case Filter::Kind::all_of:
    case Filter::Kind::any_of:
      break;
  }
  // De Morgan: a negated "and" is an "or" of the negations, and back.
  const bool every = (filter.kind == Filter::Kind::all_of) != negated;
  std::vector<Conjunction> out;
  if (every) out.push_back({});
  for (const auto& operand : filter.operands) {
    auto inner = alternatives(operand, negated);
    if (!inner) return std::nullopt;
    if (every) {
      if (!conjoin(out, *inner)) return std::nullopt;
    } else {
      out.insert(out.end(), inner->begin(), inner->end());
      if (out.size() > kMaxConjunctions) return std::nullopt;
    }
  }
  return out;
}

const char* op_name(CompareOp op) {
  switch (op) {
    case CompareOp::eq: return "eq";
    case CompareOp::ne: return "ne";
    case CompareOp::co: return "co";
    case CompareOp::sw: return "sw";
    case CompareOp::ew: return "ew";
    case CompareOp::gt: return "gt";
    case CompareOp::ge: return "ge";
    case CompareOp::lt: return "lt";
    case CompareOp::le: return "le";
    case CompareOp::pr: return "pr";
  }
  return "?";
}

std::string text(const Literal& l) {
  const scim::Comparison& c = l.leaf->comparison;
  std::string t = c.path.text;
  if (l.leaf->kind == Filter::Kind::compare) {
    t += std::string(" ") + op_name(c.op);
    if (c.op != CompareOp::pr) t += " " + c.value.dump();
  }
  return "'" + (l.positive ? t : "not (" + t + ")") + "'";
}

// The same attribute, reached the same way (value filters compared as written).
bool same_path(const scim::AttributePath& a, const scim::AttributePath& b) {
  if (a.value_filter || b.value_filter) return a.value_filter && b.value_filter && a.text == b.text;
  return a.schema == b.schema && a.names == b.names;
}

bool equal_values(const scim::AttributePath& path, const nlohmann::json& a, const nlohmann::json& b) {
  bool comparable = false;
  return scim::compare_values(a, b, scim::case_exact(path), comparable) == 0 && comparable;
}

// Holds only when the attribute has a value (so `not (pr)` contradicts it).
bool needs_a_value(const Literal& l) {
  return l.positive && l.leaf->kind == Filter::Kind::compare && l.leaf->comparison.op != CompareOp::ne;
}

// Why `a` and `b` cannot both hold, or nullopt.
std::optional<std::string> contradiction(const Literal& a, const Literal& b) {
  const scim::Comparison& x = a.leaf->comparison;
  const scim::Comparison& y = b.leaf->comparison;
  if (!same_path(x.path, y.path)) return std::nullopt;
  const std::string both = text(a) + " and " + text(b) + " cannot both hold";
  const bool compares = a.leaf->kind == Filter::Kind::compare && b.leaf->kind == Filter::Kind::compare;
  // A test and its negation: the same comparison cannot both match and not.
  if (a.positive != b.positive && a.leaf->kind == b.leaf->kind &&
      (!compares || (x.op == y.op && (x.op == CompareOp::pr || x.value == y.value)))) {
    return both;
  }
  if (!compares) return std::nullopt;
  const bool absent_a = !a.positive && x.op == CompareOp::pr, absent_b = !b.positive && y.op == CompareOp::pr;
  if ((absent_a && needs_a_value(b)) || (absent_b && needs_a_value(a))) return both;
  if (!a.positive || !b.positive) return std::nullopt;
  // `eq v` finds a value equal to v, `ne v` that none is, whatever the attribute holds.
  if (((x.op == CompareOp::eq && y.op == CompareOp::ne) || (x.op == CompareOp::ne && y.op == CompareOp::eq)) &&
      equal_values(x.path, x.value, y.value)) {
    return both;
  }
  // A single value cannot equal two different things.
  if (x.op == CompareOp::eq && y.op == CompareOp::eq && !equal_values(x.path, x.value, y.value)) {
    const auto shape = user_path_shape(x.path);
    if (shape && !shape->multi_valued && !x.path.value_filter) return both;
  }
  return std::nullopt;
}

// Whether a value of the JSON kind of `value` can be of `type` (complex values compare by their "value").
bool fits(scim::Type type, const nlohmann::json& value) {
  switch (type) {
    case scim::Type::boolean: return value.is_boolean();
    case scim::Type::string:
    case scim::Type::reference:
    case scim::Type::date_time: return value.is_string();
    case scim::Type::integer:
    case scim::Type::decimal: return value.is_number();
    case scim::Type::complex: return true;
  }
  return true;
}

// Why `l` alone never holds: it compares the attribute with a value of another type.
std::optional<std::string> mistyped(const Literal& l) {
  if (!l.positive || l.leaf->kind != Filter::Kind::compare) return std::nullopt;
  const scim::Comparison& c = l.leaf->comparison;
  if (c.op == CompareOp::pr || c.op == CompareOp::ne || c.path.value_filter) return std::nullopt;
  const auto shape = user_path_shape(c.path);
  if (!shape) return std::nullopt;
  if (!fits(shape->type, c.value)) {
    return text(l) + " never holds: '" + c.path.text + "' is a " + scim::type_name(shape->type) + ", " +
           c.value.dump() + " is not";
  }
  if (shape->type == scim::Type::boolean && c.op != CompareOp::eq) return text(l) + " never holds: a boolean has no order";
  return std::nullopt;
}

std::optional<std::string> never_holds(const Conjunction& conjunction) {
  for (size_t i = 0; i < conjunction.size(); ++i) {
    if (auto why = mistyped(conjunction[i])) return why;
    for (size_t j = i + 1; j < conjunction.size(); ++j) {
      if (auto why = contradiction(conjunction[i], conjunction[j])) return why;
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> never_true(const std::vector<const scim::Filter*>& filters) {
  std::vector<Conjunction> all{{}};
  for (const Filter* f : filters) {
    auto inner = alternatives(*f, false);
    if (!inner || !conjoin(all, *inner)) return std::nullopt;
  }
  std::string reasons;
  for (const auto& conjunction : all) {
    auto why = never_holds(conjunction);
    if (!why) return std::nullopt;
    reasons += (reasons.empty() ? "" : "; ") + *why;
  }
  return reasons;
}

}  // namespace idb::mapping
