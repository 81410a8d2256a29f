// The /metrics page: Prometheus text exposition format, stable order.
#include "daemon/metrics.h"

#include <gtest/gtest.h>

using idb::daemon::Metrics;

TEST(Metrics, RendersFamiliesInNameOrderWithHelpAndType) {
  Metrics m;
  m.describe("b_total", Metrics::Type::counter, "Things done.");
  m.describe("a_pending", Metrics::Type::gauge, "Things waiting.");
  m.add("b_total", {{"target", "ldap"}}, 2);
  m.add("b_total", {{"target", "ldap"}});
  m.add("b_total", {{"target", "authing"}});
  m.set("a_pending", {}, 7);
  EXPECT_EQ(m.render(),
            "# HELP a_pending Things waiting.\n"
            "# TYPE a_pending gauge\n"
            "a_pending 7\n"
            "# HELP b_total Things done.\n"
            "# TYPE b_total counter\n"
            "b_total{target=\"authing\"} 1\n"
            "b_total{target=\"ldap\"} 3\n");
}

TEST(Metrics, ADescribedCounterReadsZeroBeforeItsFirstEvent) {
  Metrics m;
  m.describe("x_total", Metrics::Type::counter, "X.");
  m.describe("y", Metrics::Type::gauge, "Y.");
  EXPECT_EQ(m.render(), "# HELP x_total X.\n# TYPE x_total counter\nx_total 0\n# HELP y Y.\n# TYPE y gauge\n");
}

TEST(Metrics, EscapesLabelValuesAndHelp) {
  Metrics m;
  m.describe("g", Metrics::Type::gauge, "line\\one\nline two \"quoted\"");
  m.set("g", {{"name", "a\"b\\c\nd"}, {"z", "中文"}}, 1.5);
  EXPECT_EQ(m.render(),
            "# HELP g line\\\\one\\nline two \"quoted\"\n"
            "# TYPE g gauge\n"
            "g{name=\"a\\\"b\\\\c\\nd\",z=\"中文\"} 1.5\n");
}

TEST(Metrics, GaugesReadAtScrapeTimeAreCurrent) {
  Metrics m;
  int depth = 1;
  m.on_scrape([&depth](Metrics& self) { self.set("depth", {}, depth); });
  EXPECT_NE(m.render().find("depth 1\n"), std::string::npos);
  depth = 42;
  EXPECT_NE(m.render().find("depth 42\n"), std::string::npos);
}

TEST(Metrics, SpecialValues) {
  Metrics m;
  m.set("nan", {}, std::numeric_limits<double>::quiet_NaN());
  m.set("inf", {}, std::numeric_limits<double>::infinity());
  m.set("big", {}, 12345678901.0);
  const std::string page = m.render();
  EXPECT_NE(page.find("nan NaN\n"), std::string::npos);
  EXPECT_NE(page.find("inf +Inf\n"), std::string::npos);
  EXPECT_NE(page.find("big 12345678901\n"), std::string::npos);
}
