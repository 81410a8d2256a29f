#include "scim/json_body.h"

#include <string>

namespace idb::scim {

std::variant<nlohmann::json, Error> parse_json_body(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) {
        return Error{400, "invalidSyntax",
                     "the request body nests deeper than " + std::to_string(max_depth) + " levels (at byte " +
                         std::to_string(i) + ")"};
      }
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  auto body = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return Error{400, "invalidSyntax", "the request body is not valid JSON"};
  return body;
}

}  // namespace idb::scim
