// libFuzzer target for the mapping language: any bytes as a mapping file must
// give either located errors or compiled mappings, and applying and explaining
// those on a few users (Chinese, emoji, RTL, empty, odd types) must not crash.
// Build and run: fuzz/run [seconds]
#include <cstddef>
#include <cstdint>
#include <string>

#include "mapping/mapping.h"

namespace {

const std::vector<idb::mapping::TargetRef> kTargets = {
    {"ldap", "ldap", [](std::string_view v) { return std::string(v); }},
    {"t", "cloud", nullptr},
};

const nlohmann::json& users() {
  static const nlohmann::json all = nlohmann::json::parse(R"([
    {"userName": "li.wei", "active": true, "name": {"givenName": "伟", "familyName": "李"},
     "emails": [{"value": "li@x.org", "type": "work", "primary": true}, {"value": ""}, {"type": "home"}],
     "phoneNumbers": [{"value": "+86-10-5555-0105", "type": "work"}],
     "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "研发部", "employeeNumber": "E1"}},
    {"userName": "🚀", "displayName": "مهندس", "active": false, "title": "", "meta": {"created": "2024-02-29T23:30:00Z"}},
    {"userName": 7, "name": [], "emails": {"value": true}, "active": "yes"},
    {}
  ])");
  return all;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string yaml(reinterpret_cast<const char*>(data), size);
  auto loaded = idb::mapping::parse(yaml, "fuzz.yaml", kTargets);
  for (const auto& error : loaded.errors) {
    if (error.message.empty()) __builtin_trap();  // every error says what is wrong
  }
  for (const auto& [name, mapping] : loaded.targets) {
    for (const auto& user : users()) {
      auto applied = mapping.apply(user);
      auto explained = mapping.explain(user);
      // explain() and apply() are one evaluation: they must agree on failure and on the scope.
      if (std::holds_alternative<idb::mapping::Desired>(applied) != explained.error.empty()) __builtin_trap();
      if (std::holds_alternative<idb::mapping::OutOfScope>(applied) == explained.in_scope) __builtin_trap();
    }
  }
  return 0;
}
