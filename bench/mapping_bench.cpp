// Users mapped per second on one core for a realistic 30-rule mapping (paths,
// filters, templates, alternatives, conditions, lookups, phones, dates, limits).
// Prints throughput, per-user latency percentiles and peak RSS.
//   mapping_bench [seconds=3]
//
// The users are held as JSON text, as the store holds them, and each is parsed
// just before it is mapped, as the daemon does (plan_user gets the resource
// state::Store has just parsed from its row). Holding 10000 users parsed for the
// whole run instead made every apply() start on a cold 100 MB heap, a cost the
// daemon never pays. Only apply() is timed for the mapping figures; parsing is
// reported apart.
#include <algorithm>
#include <chrono>
#include <ctime>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "mapping/mapping.h"

namespace {

constexpr const char* kMapping = R"(targets:
  ldap:
    dn: "uid={userName},ou=people,dc=example,dc=org"
    object_classes: [top, person, organizationalPerson, inetOrgPerson, posixAccount]
    scope: 'active eq true or userType eq "Employee"'
    correlate: [employeeNumber, uid]
    schema:
      uid: {max_length: 64, required: true}
      uidNumber: {type: integer, required: true}
      gidNumber: {type: integer}
      mail: {multi_valued: true}
      employeeType: {enum: [staff, contractor, intern]}
      description: {max_length: 256}
    attributes:
      uid: userName
      cn: ["{name.givenName} {name.familyName}", displayName, userName]
      sn: [name.familyName, userName]
      givenName: name.givenName
      displayName: [displayName, "{name.givenName} {name.familyName}"]
      initials: {from: name.givenName, transform: [{truncate: 1}, upper]}
      mail: {from: emails.value, all: true, transform: [trim, lower]}
      mailPrimary: ['emails[primary eq true].value', 'emails[type eq "work"].value', emails.value]
      telephoneNumber: {from: 'phoneNumbers[type eq "work"].value', transform: [{phone: US}]}
      mobile: {from: 'phoneNumbers[type eq "mobile"].value', transform: [{phone: US}]}
      title: {from: title, when: 'userType eq "Employee"'}
      employeeNumber: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber
      departmentNumber: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department
      ou:
        from: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department
        transform: [{lookup: {table: {Engineering: R&D, Research: R&D, Sales: Sales, Support: Services}, default: Other}}]
      o: {value: Example Org}
      businessCategory: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:division
      employeeType:
        from: userType
        transform: [lower, {lookup: {table: {employee: staff, contractor: contractor, intern: intern}, default: staff}}, {default: staff}]
      manager: {template: "uid={urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value},ou=people,dc=example,dc=org"}
      preferredLanguage: {from: preferredLanguage, transform: [lower]}
      street: 'addresses[type eq "work"].streetAddress'
      l: 'addresses[type eq "work"].locality'
      postalCode: 'addresses[type eq "work"].postalCode'
      c: {from: 'addresses[type eq "work"].country', transform: [upper, {truncate: 2}]}
      uidNumber: {from: urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber, transform: [{replace: {pattern: '\D', with: ''}}]}
      gidNumber: {value: "100"}
      homeDirectory: "/home/{userName}"
      loginShell: {value: /bin/bash, authoritative: create_only}
      description: {from: [title, displayName], transform: [trim, {truncate: 256}], authoritative: target}
      status: {from: active, transform: [{boolean: {true: active, false: suspended}}]}
      hireDate: {from: meta.created, transform: [{date: {from: iso8601, to: '%Y%m%d%H%M%SZ'}}]}
)";

nlohmann::json user(int i) {
  static const char* kGiven[] = {"Ada", "伟", "Zoë", "محمد", "Grace", "芳", "Алексей", "Siobhán"};
  static const char* kFamily[] = {"Lovelace", "李", "Ångström", "علي", "Hopper", "王", "Иванов", "Ó Briain"};
  static const char* kDept[] = {"Engineering", "Research", "Sales", "Support", "研发部"};
  static const char* kType[] = {"Employee", "Employee", "Contractor", "Intern"};
  const std::string n = std::to_string(i);
  const std::string name = std::string("user") + n;
  return {
      {"userName", name},
      {"externalId", "X" + n},
      {"userType", kType[i % 4]},
      {"active", i % 10 != 0},
      {"title", i % 3 ? "Engineer " + n : ""},
      {"preferredLanguage", i % 2 ? "en-US" : "zh-CN"},
      {"name", {{"givenName", kGiven[i % 8]}, {"familyName", kFamily[(i / 8) % 8]}}},
      {"emails",
       {{{"value", " " + name + "@Example.org"}, {"type", "work"}, {"primary", true}},
        {{"value", name + "@home.example"}, {"type", "home"}}}},
      {"phoneNumbers",
       {{{"value", "+1 (415) 555-" + std::to_string(1000 + i % 9000)}, {"type", "work"}},
        {{"value", "415 555 " + std::to_string(1000 + (i * 7) % 9000)}, {"type", "mobile"}}}},
      {"addresses", {{{"type", "work"}, {"streetAddress", "1 Main St"}, {"locality", "Springfield"},
                      {"postalCode", "12345"}, {"country", "us"}}}},
      {"meta", {{"created", "2024-02-29T23:30:00-01:00"}}},
      {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
       {{"employeeNumber", "E" + std::to_string(100000 + i)},
        {"department", kDept[i % 5]},
        {"division", "Division " + std::to_string(i % 7)},
        {"manager", {{"value", "user" + std::to_string(i / 10)}}}}},
  };
}

double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

long peak_rss_kb() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stol(line.substr(6));
  }
  return -1;
}

}  // namespace

int main(int argc, char** argv) {
  using Clock = std::chrono::steady_clock;
  const double seconds = argc > 1 ? std::stod(argv[1]) : 3.0;
  auto loaded = idb::mapping::parse(kMapping, "bench.yaml", {{"ldap", "ldap", nullptr}});
  if (!loaded.errors.empty()) {
    for (const auto& e : loaded.errors) std::fprintf(stderr, "%s\n", e.to_string().c_str());
    return 1;
  }
  const auto& mapping = loaded.targets.at("ldap");
  const size_t rules = mapping.managed_attributes().size() - 1;  // objectClass is not a rule
  std::vector<std::string> users;
  for (int i = 0; i < 10000; ++i) users.push_back(user(i).dump());

  size_t mapped = 0, failed = 0, attributes = 0;
  std::vector<double> latency_ns;
  latency_ns.reserve(4'000'000);
  double mapping_ns = 0;
  const double cpu_start = thread_cpu_seconds();
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration<double>(seconds);
  while (Clock::now() < deadline) {
    for (const auto& text : users) {
      const auto u = nlohmann::json::parse(text);
      const auto t0 = Clock::now();
      auto result = mapping.apply(u);
      const auto t1 = Clock::now();
      latency_ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
      mapping_ns += latency_ns.back();
      if (auto* d = std::get_if<idb::mapping::Desired>(&result)) {
        ++mapped;
        attributes += d->attributes.size();
      } else {
        ++failed;
      }
    }
  }
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = thread_cpu_seconds() - cpu_start;
  std::sort(latency_ns.begin(), latency_ns.end());
  auto pct = [&](double p) { return latency_ns[static_cast<size_t>(p * (latency_ns.size() - 1))]; };
  const size_t total = mapped + failed;
  const double mapping_s = mapping_ns / 1e9;
  // Time inside apply() is wall time: on a quiet machine it is the thread's CPU time; the
  // whole loop (parse + map) is given per CPU-second too, which a shared machine does not skew.
  std::printf("mapping_bench: %zu-rule mapping, %zu distinct users (JSON text, parsed before each map), %.1f s wall, "
              "%.1f s CPU, one thread\n",
              rules, users.size(), elapsed, cpu);
  std::printf("  users mapped/s     %.0f per second inside apply()  (%zu mapped, %zu refused: out of scope)\n",
              total / mapping_s, mapped, failed);
  std::printf("  attributes/s       %.0f per second inside apply()\n", attributes / mapping_s);
  std::printf("  parse + map        %.0f users per CPU-second (%.0f%% of the CPU time in apply())\n", total / cpu,
              100 * mapping_s / cpu);
  std::printf("  latency per user   p50 %.2f us  p99 %.2f us  max %.2f us\n", pct(0.50) / 1000, pct(0.99) / 1000,
              latency_ns.back() / 1000);
  std::printf("  peak RSS           %ld KiB\n", peak_rss_kb());
  return 0;
}
