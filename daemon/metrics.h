#pragma once
// The daemon's Prometheus metrics: counters and gauges kept in memory and
// rendered in the text exposition format (version 0.0.4) at /metrics.
// Thread-safe; every part of the daemon may count into the one instance.
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace idb::daemon {

// Label name -> value, e.g. {{"target", "ldap"}}.
using Labels = std::vector<std::pair<std::string, std::string>>;

class Metrics {
 public:
  enum class Type { counter, gauge };

  // Declares a family before its first sample, so a scrape shows it (with
  // HELP and TYPE) even while it is still zero.
  void describe(const std::string& name, Type type, const std::string& help);
  // Adds to a counter.
  void add(const std::string& name, const Labels& labels = {}, double delta = 1);
  // Sets a gauge.
  void set(const std::string& name, const Labels& labels, double value);
  // Runs before each render: for gauges read from elsewhere at scrape time
  // (outbox depth from the store) rather than kept up to date on every change.
  void on_scrape(std::function<void(Metrics&)> refresh);

  // Families in name order, samples in label order: a stable, diffable page.
  std::string render();

 private:
  struct Family {
    Type type = Type::gauge;
    std::string help;
    std::map<std::string, double> samples;  // rendered label set -> value
  };
  Family& family(const std::string& name, Type type);

  std::mutex mu_;
  std::map<std::string, Family> families_;
  std::vector<std::function<void(Metrics&)>> refreshers_;
};

// `{a="x",b="y"}` with values escaped as the exposition format requires; "" for no labels.
std::string render_labels(const Labels& labels);

}  // namespace idb::daemon
