#include "daemon/metrics.h"

#include <cmath>
#include <cstdio>

namespace idb::daemon {
namespace {

// Backslash, double quote and newline are the only characters the format escapes in label values.
std::string escape_label_value(const std::string& value) {
  std::string out;
  out.reserve(value.size());
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// HELP text escapes backslash and newline (not quotes).
std::string escape_help(const std::string& help) {
  std::string out;
  for (char c : help) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string format_value(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // Counters are whole numbers almost always; print them without an exponent.
  if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<long long>(v));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

std::string render_labels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first + "=\"" + escape_label_value(labels[i].second) + '"';
  }
  return out + '}';
}

Metrics::Family& Metrics::family(const std::string& name, Type type) {
  auto [it, inserted] = families_.try_emplace(name);
  if (inserted) it->second.type = type;
  return it->second;
}

void Metrics::describe(const std::string& name, Type type, const std::string& help) {
  std::lock_guard lock(mu_);
  auto& f = family(name, type);
  f.type = type;
  f.help = help;
}

void Metrics::add(const std::string& name, const Labels& labels, double delta) {
  std::lock_guard lock(mu_);
  family(name, Type::counter).samples[render_labels(labels)] += delta;
}

void Metrics::set(const std::string& name, const Labels& labels, double value) {
  std::lock_guard lock(mu_);
  family(name, Type::gauge).samples[render_labels(labels)] = value;
}

void Metrics::on_scrape(std::function<void(Metrics&)> refresh) {
  std::lock_guard lock(mu_);
  refreshers_.push_back(std::move(refresh));
}

std::string Metrics::render() {
  std::vector<std::function<void(Metrics&)>> refreshers;
  {
    std::lock_guard lock(mu_);
    refreshers = refreshers_;
  }
  for (auto& refresh : refreshers) refresh(*this);

  std::lock_guard lock(mu_);
  std::string out;
  for (const auto& [name, f] : families_) {
    if (!f.help.empty()) out += "# HELP " + name + ' ' + escape_help(f.help) + '\n';
    out += "# TYPE " + name + (f.type == Type::counter ? " counter\n" : " gauge\n");
    // A described counter without samples still reads 0, so rate() works from the first scrape.
    if (f.samples.empty() && f.type == Type::counter) out += name + " 0\n";
    for (const auto& [labels, value] : f.samples) out += name + labels + ' ' + format_value(value) + '\n';
  }
  return out;
}

}  // namespace idb::daemon
