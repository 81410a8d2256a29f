#include "state/json_document.h"

#include "state/json_scanner.h"

namespace idb::state {
namespace {

// Resources are a few levels deep; deeper text goes to nlohmann's own
// (iterative) parser rather than this recursion.
constexpr int kMaxDepth = 64;

class Reader : public JsonScanner {
 public:
  using JsonScanner::JsonScanner;

  bool read_value(nlohmann::json& out, int depth) {
    if (depth > kMaxDepth) return fail("nested too deeply");
    skip_space();
    if (p_ == end_) return fail("expected a value");
    switch (*p_) {
      case '{': return read_object(out, depth);
      case '[': return read_array(out, depth);
      case '"': {
        std::string s;
        if (!read_string(s)) return false;
        out = std::move(s);
        return true;
      }
      case 't': return read_literal("true", true, out);
      case 'f': return read_literal("false", false, out);
      case 'n': return read_literal("null", nullptr, out);
      default: return read_number(out);
    }
  }

 private:
  bool read_object(nlohmann::json& out, int depth) {
    ++p_;
    out = nlohmann::json::object();
    auto& members = out.get_ref<nlohmann::json::object_t&>();
    if (next_is('}')) return true;
    std::string name;
    do {
      skip_space();
      if (!read_string(name)) return false;
      if (!expect(':', "expected ':' after a name")) return false;
      // Stored objects are dumped in key order: the hint makes each insert
      // constant time. A repeated name keeps its last value, as in nlohmann.
      auto& value = members.emplace_hint(members.end(), std::move(name), nullptr)->second;
      if (!read_value(value, depth + 1)) return false;
    } while (next_is(','));
    return expect('}', "expected ',' or '}' in an object");
  }

  bool read_array(nlohmann::json& out, int depth) {
    ++p_;
    out = nlohmann::json::array();
    auto& items = out.get_ref<nlohmann::json::array_t&>();
    if (next_is(']')) return true;
    do {
      if (!read_value(items.emplace_back(), depth + 1)) return false;
    } while (next_is(','));
    return expect(']', "expected ',' or ']' in an array");
  }

  template <class T>
  bool read_literal(std::string_view word, T value, nlohmann::json& out) {
    if (static_cast<size_t>(end_ - p_) < word.size() || std::string_view(p_, word.size()) != word) {
      return fail("invalid literal");
    }
    p_ += word.size();
    out = value;
    return true;
  }

  // The number's characters, converted by nlohmann: integer, unsigned or
  // float exactly as its parser decides.
  bool read_number(nlohmann::json& out) {
    const char* start = p_;
    while (p_ != end_ && ((*p_ >= '0' && *p_ <= '9') || *p_ == '-' || *p_ == '+' || *p_ == '.' || *p_ == 'e' ||
                          *p_ == 'E')) {
      ++p_;
    }
    if (p_ == start) return fail("expected a value");
    out = nlohmann::json::parse(start, p_, nullptr, /*allow_exceptions=*/false);
    return !out.is_discarded() || fail("invalid number");
  }
};

}  // namespace

std::optional<nlohmann::json> parse_json_document(std::string_view text) {
  Reader reader(text);
  nlohmann::json out;
  if (!reader.read_value(out, 0) || !reader.at_end()) return std::nullopt;
  return out;
}

}  // namespace idb::state
