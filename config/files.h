#pragma once
// The only places the config library touches the filesystem.
#include <filesystem>
#include <optional>
#include <string>

namespace idb::config {

// Text, or why it could not be had (a message fit to follow "cannot read ...: ").
struct TextOrError {
  std::string text;
  std::optional<std::string> error;
};

TextOrError read_file(const std::filesystem::path& path);

// Paths written in the config mean "next to the config", not "in the daemon's
// working directory", which is "/" under systemd.
std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::filesystem::path& path);

}  // namespace idb::config
