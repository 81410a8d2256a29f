#pragma once
// ${kind:arg} references inside config strings.
#include <filesystem>
#include <functional>
#include <string_view>

#include "config/config.h"
#include "config/files.h"

namespace idb::config {

// Gives the text of one reference, e.g. kind "env", arg "LDAP_PW".
using Resolver = std::function<TextOrError(std::string_view kind, std::string_view arg)>;

// Replaces every ${kind:arg} in `text` through `resolve`; "$${" stands for a
// literal "${". Stops at the first reference that cannot be resolved.
TextOrError expand(std::string_view text, const Resolver& resolve);

// True when `text` is one reference and nothing else, as secrets must be: a
// secret written inline would end up in version control and in backups.
bool is_single_reference(std::string_view text);

// Resolves ${env:NAME} through `env` and ${file:PATH} by reading the file
// (PATH relative to `base_dir`, one trailing line break dropped).
Resolver reference_resolver(const EnvLookup& env, const std::filesystem::path& base_dir);

}  // namespace idb::config
