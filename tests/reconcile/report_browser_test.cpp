// The HTML report in a real browser: Debian's chromium, headless, opens the
// page as report.html#selftest; the page checks that its table renders, sorts
// and filters, and writes its verdict into the DOM, which chromium dumps.
// Without chromium the test is skipped, unless IDBRIDGE_REQUIRE_CHROMIUM=1
// (set by CI), where a missing browser is a failure.
#include <stdio.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "reconcile/report.h"

using namespace idb::reconcile;
using idb::mapping::Values;
namespace fs = std::filesystem;

namespace {

std::optional<fs::path> find_chromium() {
  if (const char* path = std::getenv("IDBRIDGE_CHROMIUM")) return fs::path(path);
  const char* search = std::getenv("PATH");
  std::string dirs = search ? search : "/usr/bin:/bin";
  for (size_t start = 0; start <= dirs.size();) {
    const size_t end = std::min(dirs.find(':', start), dirs.size());
    for (const char* name : {"chromium", "chromium-browser"}) {
      const fs::path candidate = fs::path(dirs.substr(start, end - start)) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

// The DOM after the page's scripts ran, as chromium serialises it.
std::string dump_dom(const fs::path& chromium, const fs::path& page, const fs::path& profile) {
  const std::string command = "'" + chromium.string() +
                              "' --headless --no-sandbox --disable-gpu --disable-background-networking"
                              " --disable-component-update --disable-sync --no-first-run --user-data-dir='" +
                              profile.string() + "' --dump-dom 'file://" + page.string() + "#selftest' 2>/dev/null";
  FILE* pipe = ::popen(command.c_str(), "r");
  if (!pipe) return "";
  std::string out;
  char buffer[4096];
  for (size_t n; (n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0;) out.append(buffer, n);
  ::pclose(pipe);
  return out;
}

Report two_targets() {
  Report r{"2026-11-22T00:00:00Z", "/etc/idbridge/idbridge.yaml", {}};
  TargetEntry ldap{"ldap", {}, std::nullopt, {}, std::nullopt};
  for (const char* name : {"Zed", "amy", "mia", "bob"}) {
    UserEntry u{std::string("id-") + name, name, std::string("uid=") + name + ",dc=x", "update"};
    u.edit_details().attributes.push_back({"title", Authority::source, Verdict::apply_source, Values{"Old"}, {"Old"}, {"New"}, {"New"}});
    u.edit_details().attributes.push_back({"cn", Authority::source, Verdict::revert_drift, Values{"A"}, {"<b>bold</b>"}, {"A"}, {"A"}});
    ldap.users.push_back(u);
  }
  ldap.users.push_back(UserEntry{"id-eve", "eve", "", "error", {.error = "mapping: the account key needs userName"}});
  ReviewEntry review{7, "attribute", "id-amy", "amy", "mail", "uid=amy,dc=x", {"a@x"}, {"b@x"}, "manual"};
  ldap.reviews.push_back(review);
  // A group entry whose member changed by hand: one row per member added or removed.
  GroupPlan admins;
  admins.kind = GroupPlan::Kind::update;
  admins.group_id = "g-1";
  admins.name = "admins";
  admins.key = "cn=admins,dc=x";
  admins.members_added = {"uid=mia,dc=x"};
  admins.members_removed = {"uid=<i>x</i>,dc=x"};
  ldap.groups.push_back(admins);
  TargetEntry pds{"pds", {}, std::string("would disable 3 of 3 accounts (100.0%)"), {}, std::nullopt};
  pds.users.push_back(UserEntry{"id-kim", "kim", "kim", "create"});
  r.targets = {ldap, pds};
  normalize(r);
  return r;
}

TEST(ReportInBrowser, TheTableRendersSortsAndFilters) {
  const auto chromium = find_chromium();
  if (!chromium) {
    const char* required = std::getenv("IDBRIDGE_REQUIRE_CHROMIUM");
    if (required && std::string(required) == "1") FAIL() << "chromium is required (IDBRIDGE_REQUIRE_CHROMIUM=1) but not installed: scripts/install-deps installs it";
    GTEST_SKIP() << "chromium is not installed (scripts/install-deps installs it)";
  }
  const fs::path dir = fs::temp_directory_path() / ("idb-report-browser-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir / "profile");
  const fs::path page = dir / "report.html";
  std::ofstream(page) << to_html(two_targets());

  const std::string dom = dump_dom(*chromium, page, dir / "profile");
  fs::remove_all(dir);
  const size_t verdict = dom.find("<pre id=\"selftest\">");
  ASSERT_NE(verdict, std::string::npos) << "the page's self-check did not run:\n" << dom;
  // 4 users x 2 attributes, one error, one review, one in sync, two member
  // changes of a group. The filter is typed in lower case: it must find "Zed" too.
  EXPECT_EQ(dom.substr(verdict, dom.find("</pre>", verdict) - verdict),
            "<pre id=\"selftest\">PASS: 13 rows rendered; sorted by User both ways; filter \"zed\" shows 2 of 13");
  // Values are text, never markup, in the rendered page too.
  EXPECT_NE(dom.find("&lt;b&gt;bold&lt;/b&gt;"), std::string::npos);
  EXPECT_EQ(dom.find("<b>bold</b>"), std::string::npos);
  EXPECT_NE(dom.find("uid=&lt;i&gt;x&lt;/i&gt;,dc=x"), std::string::npos);
}

}  // namespace
