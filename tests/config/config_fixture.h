#pragma once
// A scratch folder holding one config file and whatever it references, and a
// fake environment, so every test is hermetic.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <concepts>
#include <filesystem>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"

namespace idb::config::testing {

// Values no message or summary may ever show.
inline const std::string kScimToken = "scim-token-s3cret-value";
inline const std::string kLdapPassword = "ldap-password-s3cret-value";

class ConfigTest : public ::testing::Test {
 protected:
  ConfigTest() {
    std::string pattern = (std::filesystem::path(::testing::TempDir()) / "idb-config-XXXXXX").string();
    dir_ = mkdtemp(pattern.data());
    config_path_ = dir_ / "idbridge.yaml";
    write("mappings/quickstart.yaml", "targets: {}\n");
  }
  ~ConfigTest() override { std::filesystem::remove_all(dir_); }

  void write(const std::filesystem::path& relative, const std::string& text) {
    std::filesystem::path path = dir_ / relative;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path, std::ios::binary) << text;
  }

  LoadResult load_text(const std::string& yaml) {
    write(config_path_.filename(), yaml);
    return load(config_path_, env());
  }

  // Every error as "FILE:LINE:COL: message".
  std::vector<std::string> errors_of(const std::string& yaml) {
    std::vector<std::string> out;
    for (const diag::Diagnostic& d : load_text(yaml).errors) out.push_back(d.to_string());
    return out;
  }

  // Expected texts write "FILE" for the config file and "DIR" for its folder.
  // One pass, left to right: a value put in is never searched again (the
  // random temp folder's name may itself hold "DIR").
  std::string placeholders(const std::string& text) const {
    const std::pair<std::string_view, std::string> kinds[] = {{"FILE", config_path_.string()}, {"DIR", dir_.string()}};
    std::string out;
    for (std::size_t at = 0; at < text.size();) {
      const auto* kind = std::find_if(std::begin(kinds), std::end(kinds),
                                      [&](const auto& k) { return std::string_view(text).substr(at).starts_with(k.first); });
      if (kind == std::end(kinds)) {
        out += text[at++];
      } else {
        out += kind->second;
        at += kind->first.size();
      }
    }
    return out;
  }

  EnvLookup env() const {
    return [vars = env_](const std::string& name) -> std::optional<std::string> {
      auto found = vars.find(name);
      if (found == vars.end()) return std::nullopt;
      return found->second;
    };
  }

  std::filesystem::path dir_;
  std::filesystem::path config_path_;
  std::map<std::string, std::string> env_ = {
      {"IDBRIDGE_SCIM_TOKEN", kScimToken},
      {"IDBRIDGE_LDAP_URL", "ldap://ldap.example.org:389"},
      {"IDBRIDGE_LDAP_PASSWORD", kLdapPassword},
      {"DOMAIN", "example"},
      {"EMPTY", ""},
      {"HTTP_URL", "http://ldap.example.org"},
  };
};

// Suite names carry a lowercase "config" so that `ctest -R config` selects them.
using config_load = ConfigTest;

// Rows of the table-driven tests are named: the name ends the test's name and
// is what a failure prints for the row.
template <class Row>
concept NamedRow = requires(const Row& row) {
  { row.name } -> std::convertible_to<std::string_view>;
};

template <NamedRow Row>
std::ostream& operator<<(std::ostream& out, const Row& row) {
  return out << row.name;
}

inline constexpr auto row_name = [](const auto& info) { return std::string(info.param.name); };

}  // namespace idb::config::testing
