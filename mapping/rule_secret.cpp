#include "mapping/rule_secret.h"

#include "mapping/attributes.h"

namespace idb::mapping {

bool rule_secret(std::string_view attribute, const YAML::Node* written, const std::string& file,
                 const std::string& context, std::vector<diag::Diagnostic>& errors) {
  if (!written) return is_secret_attribute(attribute);
  bool secret = false;
  if (written->IsScalar() && YAML::convert<bool>::decode(*written, secret)) return secret;
  const YAML::Mark mark = written->Mark();
  errors.push_back({{file, mark.line + 1, mark.column + 1}, context + ": 'secret' must be true or false"});
  return true;
}

}  // namespace idb::mapping
