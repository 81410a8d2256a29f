#include "config/files.h"

#include <cerrno>
#include <cstdio>
#include <memory>
#include <system_error>

namespace idb::config {

namespace {

std::string errno_message() { return std::error_code(errno, std::generic_category()).message(); }

}  // namespace

TextOrError read_file(const std::filesystem::path& path) {
  // stdio rather than ifstream: it keeps errno, so a directory says "Is a directory".
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) return {{}, errno_message()};
  std::string text;
  char buffer[1 << 14];
  while (std::size_t n = std::fread(buffer, 1, sizeof buffer, file.get())) text.append(buffer, n);
  if (std::ferror(file.get())) return {{}, errno_message()};
  return {std::move(text), std::nullopt};
}

std::filesystem::path resolve_path(const std::filesystem::path& base_dir, const std::filesystem::path& path) {
  return (path.is_absolute() ? path : base_dir / path).lexically_normal();
}

}  // namespace idb::config
