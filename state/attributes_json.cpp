#include "state/attributes_json.h"

#include "state/json_scanner.h"

namespace idb::state {
namespace {

class Reader : JsonScanner {
 public:
  using JsonScanner::JsonScanner;

  std::optional<mapping::Attributes> attributes(std::string& error) {
    mapping::Attributes out;
    if (read_object(out) && (at_end() || fail("text after the object"))) return out;
    error = this->error();
    return std::nullopt;
  }

 private:
  bool read_object(mapping::Attributes& out) {
    if (!expect('{', "expected an object")) return false;
    if (next_is('}')) return true;
    do {
      skip_space();
      if (!read_string(name_)) return false;
      if (!expect(':', "expected ':' after a name")) return false;
      // Names arrive mostly in order: the hint makes each insert constant time.
      auto& values = out.emplace_hint(out.end(), name_, mapping::Values{})->second;
      values.clear();  // the last of a repeated name wins
      if (!read_array(values)) return false;
    } while (next_is(','));
    return expect('}', "expected ',' or '}' in the object");
  }

  bool read_array(mapping::Values& out) {
    if (!expect('[', "expected an array of strings")) return false;
    if (next_is(']')) return true;
    do {
      skip_space();
      if (!read_string(out.emplace_back())) return false;
    } while (next_is(','));
    return expect(']', "expected ',' or ']' in an array");
  }

  std::string name_;  // reused for every name
};

}  // namespace

std::optional<mapping::Attributes> parse_attributes_json(std::string_view text, std::string& error) {
  return Reader(text).attributes(error);
}

}  // namespace idb::state
