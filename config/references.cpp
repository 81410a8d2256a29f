#include "config/references.h"

#include <string>

namespace idb::config {

namespace {

TextOrError failure(std::string message) { return {{}, std::move(message)}; }

// Files written by editors and `echo` end with a newline that is not part of the secret.
std::string without_trailing_line_break(std::string text) {
  if (text.ends_with("\r\n")) {
    text.resize(text.size() - 2);
  } else if (text.ends_with('\n')) {
    text.pop_back();
  }
  return text;
}

}  // namespace

TextOrError expand(std::string_view text, const Resolver& resolve) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::string_view rest = text.substr(i);
    if (rest.starts_with("$${")) {
      out += "${";
      i += 3;
    } else if (rest.starts_with("${")) {
      std::size_t close = rest.find('}');
      if (close == std::string_view::npos) return failure("unterminated '${' (write $${ for a literal '${')");
      std::string_view body = rest.substr(2, close - 2);
      std::size_t colon = body.find(':');
      if (colon == std::string_view::npos) return failure("malformed reference: expected ${env:NAME} or ${file:PATH}");
      TextOrError part = resolve(body.substr(0, colon), body.substr(colon + 1));
      if (part.error) return part;
      out += part.text;
      i += close + 1;
    } else {
      out += text[i++];
    }
  }
  return {std::move(out), std::nullopt};
}

bool is_single_reference(std::string_view text) {
  return text.starts_with("${") && text.find('}') == text.size() - 1;
}

Resolver reference_resolver(const EnvLookup& env, const std::filesystem::path& base_dir) {
  return [env, base_dir](std::string_view kind, std::string_view arg) -> TextOrError {
    if (kind == "env") {
      if (arg.empty()) return failure("empty variable name in ${env:}");
      std::optional<std::string> value = env(std::string(arg));
      if (!value) return failure("environment variable '" + std::string(arg) + "' is not set");
      return {std::move(*value), std::nullopt};
    }
    if (kind == "file") {
      if (arg.empty()) return failure("empty path in ${file:}");
      std::filesystem::path path = resolve_path(base_dir, arg);
      TextOrError content = read_file(path);
      if (content.error) return failure("cannot read secret file '" + path.string() + "': " + *content.error);
      return {without_trailing_line_break(std::move(content.text)), std::nullopt};
    }
    return failure("unknown reference kind '" + std::string(kind) + "' (known: env, file)");
  };
}

}  // namespace idb::config
