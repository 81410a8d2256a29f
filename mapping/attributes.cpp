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

void SecretAttributes::mark(std::string_view attribute, bool secret) {
  marked_.insert_or_assign(std::string(attribute), secret);
}

bool SecretAttributes::operator()(std::string_view attribute) const {
  const auto it = marked_.find(attribute);
  return it == marked_.end() ? is_secret_attribute(attribute) : it->second;
}

Values hidden(const Values& values) { return Values(values.size(), std::string(kSecretValue)); }

Values SecretAttributes::shown(std::string_view attribute, const Values& values) const {
  return (*this)(attribute) ? hidden(values) : values;
}

}  // namespace idb::mapping
