// Every mapping in examples/mappings/ loads without errors and maps the sample
// users; those recorded in data/examples.golden.json map exactly as recorded, so
// the examples never rot. After an intended change, IDB_UPDATE_GOLDEN=1 rewrites
// the golden file; review its diff.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "mapping/mapping.h"

using namespace idb::mapping;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const fs::path kSource = IDB_SOURCE_DIR;

// The targets a mapping file maps, as a config would declare them: `dn:` marks LDAP.
std::vector<TargetRef> targets_of(const fs::path& file) {
  std::vector<TargetRef> refs;
  for (const auto& entry : YAML::LoadFile(file.string())["targets"]) {
    refs.push_back({entry.first.Scalar(), entry.second["dn"] ? "ldap" : "cloud", nullptr});
  }
  return refs;
}

std::vector<fs::path> example_mappings() {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kSource / "examples/mappings")) {
    if (entry.path().extension() == ".yaml") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

json read_json(const fs::path& file) {
  std::ifstream in(file);
  return json::parse(in);
}

std::map<std::string, json> sample_users() {
  std::map<std::string, json> users;
  for (const auto& dir : {kSource / "examples/users", kSource / "tests/mapping/data/users"}) {
    for (const auto& entry : fs::directory_iterator(dir)) users[entry.path().stem().string()] = read_json(entry.path());
  }
  return users;
}

json outcome(const TargetMapping& mapping, const json& user) {
  auto result = mapping.apply(user);
  if (auto* error = std::get_if<std::string>(&result)) return {{"error", *error}};
  if (auto* out = std::get_if<OutOfScope>(&result)) return {{"out_of_scope", out->scope}};
  const auto& desired = std::get<Desired>(result);
  json attributes = json::object();
  for (const auto& [name, values] : desired.attributes) attributes[name] = values;
  return {{"key", desired.key}, {"attributes", attributes}};
}

TEST(Examples, MapTheSampleUsersExactlyAsRecorded) {
  json actual = json::object();
  const auto users = sample_users();
  for (const auto& file : example_mappings()) {
    const auto refs = targets_of(file);
    auto loaded = load(file, refs);
    ASSERT_TRUE(loaded.errors.empty()) << loaded.errors.front().to_string();
    for (const auto& ref : refs) {
      for (const auto& [name, user] : users) {
        actual[file.filename().string()][ref.name][name] = outcome(loaded.targets.at(ref.name), user);
      }
    }
  }
  const fs::path golden = kSource / "tests/mapping/data/examples.golden.json";
  if (std::getenv("IDB_UPDATE_GOLDEN")) {
    std::ofstream(golden) << actual.dump(2, ' ', false) << "\n";
    GTEST_SKIP() << "rewrote " << golden;
  }
  const json expected = read_json(golden);
  for (const auto& [file, per_target] : expected.items()) {
    ASSERT_TRUE(actual.contains(file)) << file << " is recorded but gone; rewrite the golden file";
    EXPECT_EQ(actual[file], per_target) << file;
    for (const auto& [target, per_user] : per_target.items()) {
      for (const auto& [name, result] : per_user.items()) {
        EXPECT_EQ(actual[file][target][name], result) << file << " / " << target << " / " << name;
      }
    }
  }
}

}  // namespace
