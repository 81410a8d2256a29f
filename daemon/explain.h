#pragma once
// `idbridge explain`: how the mapping turns one SCIM user into each target's
// account — every attribute's value and the rule, alternative, transforms and
// condition that produced it, or why it has none. Touches no network and no state.
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config.h"
#include "mapping/mapping.h"

namespace idb::daemon {

std::string explain_text(const std::vector<mapping::Explanation>& explanations);
nlohmann::json explain_json(const std::vector<mapping::Explanation>& explanations);

struct ExplainRequest {
  std::string user_file;              // a SCIM User as JSON, normalised as the SCIM endpoint would
  std::optional<std::string> target;  // only this target
  std::string format = "text";        // text or json
};

// Prints the explanation to `out`; problems with the request go to `err`.
// Returns 0 when explained, 2 when the mapping, user file, target or format is wrong.
int explain(const config::Config& config, const ExplainRequest& request, std::ostream& out, std::ostream& err);

}  // namespace idb::daemon
