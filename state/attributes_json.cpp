#include "state/attributes_json.h"

#include <algorithm>
#include <vector>

#include <nlohmann/json.hpp>

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

void append_json_string(std::string& out, std::string_view s, BadUtf8 bad) {
  const bool plain = std::all_of(s.begin(), s.end(), [](char c) {
    return static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x80 && c != '"' && c != '\\';
  });
  if (plain) {
    out += '"';
    out += s;
    out += '"';
    return;
  }
  // Escapes are left to nlohmann, so they come out exactly as dump writes them.
  out += nlohmann::json(s).dump(-1, ' ', false,
                                bad == BadUtf8::replace ? nlohmann::json::error_handler_t::replace
                                                        : nlohmann::json::error_handler_t::strict);
}

void append_json_strings(std::string& out, const mapping::Values& values, BadUtf8 bad) {
  out += '[';
  for (std::size_t i = 0; i < values.size(); ++i) {
    if (i > 0) out += ',';
    append_json_string(out, values[i], bad);
  }
  out += ']';
}

std::string attributes_json_text(const mapping::Attributes& attributes) {
  // Attributes order names case-insensitively; a json object bytewise.
  std::vector<const mapping::Attributes::value_type*> sorted;
  sorted.reserve(attributes.size());
  for (const auto& entry : attributes) sorted.push_back(&entry);
  std::sort(sorted.begin(), sorted.end(), [](const auto* a, const auto* b) { return a->first < b->first; });
  std::string out = "{";
  for (const auto* entry : sorted) {
    if (out.size() > 1) out += ',';
    append_json_string(out, entry->first, BadUtf8::refuse);
    out += ':';
    append_json_strings(out, entry->second, BadUtf8::refuse);
  }
  out += '}';
  return out;
}

}  // namespace idb::state
