#pragma once
// Log setup for the daemon: human text or JSON lines on stderr, and a last
// line of defence that masks every known secret value wherever it would appear.
#include <string>
#include <vector>

namespace idb::logging {

enum class Format { text, json };

// Throws std::invalid_argument on an unknown level or format name.
Format parse_format(const std::string& name);

// Replaces the default logger's sinks and formatter. `secrets` are masked as
// "***" in every line (callers never log them on purpose; this catches slips,
// e.g. a server echoing a credential back in a diagnostic).
void setup(const std::string& level, Format format, std::vector<std::string> secrets);

}  // namespace idb::logging
