#include "mapping/template.h"

#include <cstdio>

namespace idb::mapping {

bool looks_like_template(std::string_view text) { return text.find('{') != std::string_view::npos; }

std::variant<Template, TemplateError> parse_template(std::string_view text) {
  Template t;
  std::string literal;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '}') && i + 1 < text.size() && text[i + 1] == c) {
      literal += c;
      ++i;
    } else if (c == '}') {
      return TemplateError{"unmatched '}' (write '}}' for a literal brace)", i};
    } else if (c == '{') {
      const size_t close = text.find('}', i + 1);
      if (close == std::string_view::npos) return TemplateError{"unterminated '{'", i};
      auto path = scim::parse_path(text.substr(i + 1, close - i - 1));
      if (auto* err = std::get_if<scim::ParseError>(&path)) {
        return TemplateError{err->message, i + 1 + err->offset};
      }
      if (!literal.empty()) t.pieces.push_back({std::move(literal), std::nullopt});
      literal.clear();
      t.pieces.push_back({"", Path{std::get<scim::AttributePath>(std::move(path))}});
      i = close;
    } else {
      literal += c;
    }
  }
  if (!literal.empty()) t.pieces.push_back({std::move(literal), std::nullopt});
  return t;
}

std::optional<std::string> scalar_text(const nlohmann::json& value) {
  if (value.is_string()) {
    const auto& s = value.get_ref<const std::string&>();
    return s.empty() ? std::nullopt : std::optional<std::string>(s);
  }
  if (value.is_boolean()) return value.get<bool>() ? "TRUE" : "FALSE";
  if (value.is_number()) return value.dump();
  return std::nullopt;
}

std::optional<std::string> render(const Template& t, const UserView& user, const Escape& escape) {
  std::string out;
  for (const auto& piece : t.pieces) {
    if (!piece.path) {
      out += piece.literal;
      continue;
    }
    std::optional<std::string> value;
    for (const auto* v : user.resolve(*piece.path)) {
      if ((value = scalar_text(*v))) break;
    }
    if (!value) return std::nullopt;
    out += escape ? escape(*value) : *value;
  }
  return out;
}

}  // namespace idb::mapping
