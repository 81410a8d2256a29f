#include "mapping/attributes.h"

#include <array>
#include <cctype>

namespace idb::mapping {

bool is_secret_attribute(std::string_view name) {
  std::string folded;
  for (char c : name) {
    if (c != '_' && c != '-') folded += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  static constexpr std::array<std::string_view, 6> kEndings{"password", "passwd", "pwd", "secret", "token",
                                                            "passphrase"};
  return std::any_of(kEndings.begin(), kEndings.end(), [&](std::string_view e) { return folded.ends_with(e); });
}

Values shown_values(std::string_view attribute, const Values& values) {
  if (!is_secret_attribute(attribute)) return values;
  return Values(values.size(), std::string(kSecretValue));
}

}  // namespace idb::mapping
