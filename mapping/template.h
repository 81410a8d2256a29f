#pragma once
// `{name.givenName} {name.familyName}`-style templates: literal text with SCIM
// attribute paths in braces; `{{` and `}}` are literal braces. A template
// renders only when every path in it has a value, so a list of alternatives
// can fall back from "{givenName} {familyName}" to displayName cleanly.
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include <nlohmann/json.hpp>

#include "mapping/user_view.h"

namespace idb::mapping {

struct Template {
  struct Piece {
    std::string literal;                        // used when path is empty
    std::optional<Path> path;
  };
  std::vector<Piece> pieces;
};

struct TemplateError {
  std::string message;
  size_t offset;
};

bool looks_like_template(std::string_view text);
std::variant<Template, TemplateError> parse_template(std::string_view text);

// The first value a path reaches, as text: strings as they are, booleans as
// TRUE/FALSE (LDAP's Boolean syntax), numbers in JSON form. Complex values and
// empty strings count as no value.
std::optional<std::string> scalar_text(const nlohmann::json& value);

using Escape = std::function<std::string(std::string_view)>;
std::optional<std::string> render(const Template& t, const UserView& user, const Escape& escape = nullptr);

}  // namespace idb::mapping
