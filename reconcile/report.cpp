#include "reconcile/report.h"

#include <algorithm>
#include <future>
#include <sstream>
#include <tuple>

#include "reconcile/json_writer.h"

namespace idb::reconcile {
namespace {

const char* const kActions[] = {"create", "update", "disable", "delete", "no-op", "skip", "error"};

// The values, each one quoted; a secret attribute's as kSecretValue.
std::string quoted(const mapping::Values& values, bool secret) {
  if (values.empty()) return "(none)";
  std::string out;
  for (const auto& v : values) {
    if (!out.empty()) out += ", ";
    out += nlohmann::json(secret ? std::string(mapping::kSecretValue) : v)
               .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  return out;
}

const char* kind_name(Operation::Kind kind) {
  switch (kind) {
    case Operation::Kind::create: return "create";
    case Operation::Kind::modify: return "modify";
    case Operation::Kind::rename: return "rename";
    case Operation::Kind::remove: return "delete";
  }
  return "?";
}

const char* change_name(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::add: return "add";
    case ChangeKind::remove: return "remove";
    case ChangeKind::replace: return "replace";
  }
  return "?";
}

void write_operation(JsonWriter& w, const Operation& op, const mapping::SecretAttributes& secrets) {
  w.begin_object();
  if (op.kind == Operation::Kind::create) w.key("attributes").attributes(op.attributes, secrets);
  if (op.kind == Operation::Kind::modify) {
    w.key("changes").begin_array();
    for (const auto& c : op.changes) {
      w.item().begin_object();
      w.key("attribute").string(c.attribute);
      w.key("change").string(change_name(c.kind));
      w.key("values").strings(c.values, secrets(c.attribute));
      w.end_object();
    }
    w.end_array();
  }
  w.key("key").string(op.key);
  w.key("kind").string(kind_name(op.kind));
  if (op.kind == Operation::Kind::rename) w.key("new_key").string(op.new_key);
  w.end_object();
}

void write_operations(JsonWriter& w, const std::vector<Operation>& operations,
                      const mapping::SecretAttributes& secrets) {
  w.begin_array();
  for (const auto& op : operations) write_operation(w.item(), op, secrets);
  w.end_array();
}

std::string html_escape(const std::string& s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string summary_line(const TargetEntry& t) {
  std::ostringstream out;
  const auto counts = t.counts();
  out << "target " << t.name << ":";
  bool first = true;
  for (const char* key : {"create", "update", "disable", "delete", "no-op", "skip", "error", "conflict", "review"}) {
    out << (first ? " " : ", ") << counts.at(key) << " " << key;
    first = false;
  }
  if (t.held) out << "  [HELD: " << *t.held << "; nothing will be applied until approved]";
  if (t.stopped) out << "  [STOPPED: " << *t.stopped << "; its other users were not read]";
  return out.str();
}

// The versions that show an edit on the target, for a person to read.
std::string version_evidence(const UserDetails& d) {
  const auto or_unknown = [](const std::string& v) { return v.empty() ? std::string("unknown") : v; };
  return "target version " + or_unknown(d.version_observed) + " now, " + or_unknown(d.version_written) +
         " when idbridge last wrote";
}

std::string review_line(const TargetEntry& t, const ReviewEntry& r) {
  std::ostringstream out;
  out << "[" << t.name << "] review #" << r.id << " (" << r.kind << ") " << r.key << "  (user " << r.user_name << ", "
      << r.user_id << ")";
  if (!r.attribute.empty()) {
    const bool secret = t.secrets(r.attribute);
    out << "\n    " << r.attribute << ": target holds " << quoted(r.observed, secret) << ", source wants "
        << quoted(r.source, secret);
  }
  if (!r.detail.empty()) out << "\n    " << r.detail;
  return out.str();
}

// --- group entries: a section of their own beside the users'

const GroupPlan::Kind kGroupKinds[] = {GroupPlan::Kind::create, GroupPlan::Kind::update, GroupPlan::Kind::rename,
                                       GroupPlan::Kind::remove, GroupPlan::Kind::noop,   GroupPlan::Kind::error};

std::string group_summary_line(const TargetEntry& t) {
  std::ostringstream out;
  out << "target " << t.name << " groups:";
  const auto counts = t.group_counts();
  bool first = true;
  for (const auto kind : kGroupKinds) {
    out << (first ? " " : ", ") << counts.at(to_string(kind)) << " " << to_string(kind);
    first = false;
  }
  // The daemon syncs no group entry of a held target either: said here too, as they are listed apart.
  if (t.held) out << "  [HELD with the users: applied only after approval]";
  return out.str();
}

// "OLD -> NEW" for a renamed entry, as for a renamed account.
std::string group_key(const GroupPlan& g) { return g.new_key.empty() ? g.key : g.key + " -> " + g.new_key; }

std::string group_label(const GroupPlan& g) { return g.name.empty() ? g.group_id : g.name; }

void write_group(JsonWriter& w, const GroupPlan& g, const mapping::SecretAttributes& secrets) {
  w.begin_object();
  w.key("action").string(to_string(g.kind));
  if (!g.error.empty()) w.key("error").string(g.error);
  if (!g.fingerprint.empty()) w.key("fingerprint").string(g.fingerprint);
  w.key("group_id").string(g.group_id);
  w.key("key").string(group_key(g));
  w.key("members_added").strings(g.members_added);
  w.key("members_removed").strings(g.members_removed);
  w.key("name").string(g.name);
  w.key("operations");
  write_operations(w, g.operations, secrets);
  w.end_object();
}

void write_group_text(const TargetEntry& t, std::ostream& out) {
  for (const auto& g : t.groups) {
    if (g.kind == GroupPlan::Kind::noop) continue;
    out << "\n[" << t.name << "] group " << to_string(g.kind) << " " << group_key(g) << "  (group "
        << (g.name.empty() ? g.group_id : g.name + ", " + g.group_id) << ")\n";
    if (!g.error.empty()) out << "    error: " << g.error << "\n";
    for (const auto& m : g.members_added) out << "    + member " << m << "\n";
    for (const auto& m : g.members_removed) out << "    - member " << m << "\n";
  }
}

// One row per member added or removed (an entry changed otherwise, or in
// sync, gets one row saying so), written to `rows` unless it is null;
// returns how many.
int group_rows(const TargetEntry& t, std::ostream* rows) {
  int count = 0;
  for (const auto& g : t.groups) {
    const std::string action = std::string("group ") + to_string(g.kind);
    auto row = [&](const std::string& before, const std::string& after, const std::string& why) {
      ++count;
      if (!rows) return;
      *rows << "<tr class=\"group " << html_escape(to_string(g.kind)) << "\"><td>" << html_escape(t.name)
            << "</td><td>" << html_escape(action) << "</td><td>" << html_escape(group_label(g)) << "</td><td>"
            << html_escape(group_key(g)) << "</td><td>" << (before.empty() && after.empty() ? "" : "member")
            << "</td><td>" << html_escape(before) << "</td><td>" << html_escape(after) << "</td><td>"
            << html_escape(why) << "</td></tr>\n";
    };
    if (!g.error.empty()) row("", "", "error: " + g.error);
    for (const auto& m : g.members_added) row("", m, "member added");
    for (const auto& m : g.members_removed) row(m, "", "member removed");
    if (g.error.empty() && g.members_added.empty() && g.members_removed.empty()) {
      row("", "", g.kind == GroupPlan::Kind::noop ? "in sync" : "entry " + std::string(to_string(g.kind)));
    }
  }
  return count;
}

// A user's rows of the HTML table, as group_rows.
int user_rows(const TargetEntry& t, const UserEntry& u, std::ostream* rows) {
  const UserDetails& d = u.details();
  int count = 0;
  // Values are quoted only when written: counting the rows needs none.
  auto row = [&](const std::string& attr, const mapping::Values* before, const mapping::Values* after,
                 const std::string& why) {
    ++count;
    if (!rows) return;
    *rows << "<tr class=\"" << html_escape(u.action) << (u.conflict ? " conflict" : "") << "\"><td>"
          << html_escape(t.name) << "</td><td>" << html_escape(u.action) << (u.conflict ? " (conflict)" : "")
          << "</td><td>" << html_escape(u.user_name) << "</td><td>" << html_escape(u.key) << "</td><td>"
          << html_escape(attr) << "</td><td>" << html_escape(before ? quoted(*before, t.secrets(attr)) : "")
          << "</td><td>" << html_escape(after ? quoted(*after, t.secrets(attr)) : "") << "</td><td>" << html_escape(why)
          << "</td></tr>\n";
  };
  if (!d.error.empty()) row("", nullptr, nullptr, "error: " + d.error);
  if (!d.correlation.empty()) row("", nullptr, nullptr, "correlation: " + d.correlation);
  if (!d.out_of_scope.empty()) row("", nullptr, nullptr, "out of scope: " + d.out_of_scope);
  if (!d.delete_due.empty()) row("", nullptr, nullptr, "account delete due at " + d.delete_due);
  for (const auto& a : d.attributes) {
    row(a.attribute, &a.observed, &a.result,
        std::string(to_string(a.verdict)) + ", authority " + to_string(a.authority));
  }
  if (d.has_versions()) row("", nullptr, nullptr, version_evidence(d));
  if (d.error.empty() && d.attributes.empty()) row("", nullptr, nullptr, "in sync");
  return count;
}

// Every row of the HTML table, as group_rows.
int table_rows(const Report& report, std::ostream* rows) {
  int count = 0;
  for (const auto& t : report.targets) {
    for (const auto& u : t.users) count += user_rows(t, u, rows);
    count += group_rows(t, rows);
    for (const auto& r : t.reviews) {
      ++count;
      if (!rows) continue;
      *rows << "<tr class=\"review conflict\"><td>" << html_escape(t.name) << "</td><td>review #" << r.id
            << "</td><td>" << html_escape(r.user_name) << "</td><td>" << html_escape(r.key) << "</td><td>"
            << html_escape(r.attribute) << "</td><td>" << html_escape(quoted(r.observed, t.secrets(r.attribute)))
            << "</td><td>" << html_escape(quoted(r.source, t.secrets(r.attribute))) << "</td><td>"
            << html_escape(r.kind + ": " + r.detail)
            << "</td></tr>\n";
    }
  }
  return count;
}

}  // namespace

bool UserDetails::empty() const {
  return error.empty() && attributes.empty() && operations.empty() && fingerprint.empty() && correlation.empty() &&
         delete_due.empty() && out_of_scope.empty() && !has_versions();
}

const char* to_string(SinceWritten since) {
  switch (since) {
    case SinceWritten::unknown: return "unknown";
    case SinceWritten::unchanged: return "unchanged";
    case SinceWritten::changed: return "changed";
  }
  return "unknown";
}

SinceWritten compare_versions(std::string_view written_version, std::string_view observed_version) {
  if (written_version.empty() || observed_version.empty()) return SinceWritten::unknown;
  return written_version == observed_version ? SinceWritten::unchanged : SinceWritten::changed;
}

UserEntry::UserEntry(std::string user_id, std::string user_name, std::string key, std::string action,
                     UserDetails details, bool conflict, SinceWritten since_written)
    : user_id(std::move(user_id)),
      user_name(std::move(user_name)),
      key(std::move(key)),
      action(std::move(action)),
      conflict(conflict),
      since_written(since_written),
      details_(details.empty() ? nullptr : std::make_unique<UserDetails>(std::move(details))) {}

UserEntry::UserEntry(const UserEntry& other)
    : user_id(other.user_id),
      user_name(other.user_name),
      key(other.key),
      action(other.action),
      conflict(other.conflict),
      since_written(other.since_written),
      details_(other.details_ ? std::make_unique<UserDetails>(*other.details_) : nullptr) {}

UserEntry& UserEntry::operator=(const UserEntry& other) {
  if (this != &other) *this = UserEntry(other);
  return *this;
}

const UserDetails& UserEntry::details() const {
  static const UserDetails kNone;
  return details_ ? *details_ : kNone;
}

UserDetails& UserEntry::edit_details() {
  if (!details_) details_ = std::make_unique<UserDetails>();
  return *details_;
}

std::map<std::string, int64_t> TargetEntry::counts() const {
  std::map<std::string, int64_t> out;
  for (const char* a : kActions) out[a] = 0;
  out["conflict"] = 0;
  out["review"] = static_cast<int64_t>(reviews.size());
  for (const auto& u : users) {
    ++out[u.action];
    if (u.conflict) ++out["conflict"];
  }
  return out;
}

std::map<std::string, int64_t> TargetEntry::group_counts() const {
  std::map<std::string, int64_t> out;
  for (const auto kind : kGroupKinds) out[to_string(kind)] = 0;
  for (const auto& g : groups) ++out[to_string(g.kind)];
  return out;
}

bool Report::needs_attention() const {
  return std::any_of(targets.begin(), targets.end(), [](const TargetEntry& t) {
    return t.held || !t.reviews.empty() || t.counts().at("conflict") > 0;
  });
}

bool report_order(const UserEntry& a, const UserEntry& b) {
  return std::tie(a.key, a.user_id) < std::tie(b.key, b.user_id);
}

std::vector<UserEntry> merge_in_report_order(std::vector<std::vector<UserEntry>> runs) {
  std::vector<UserEntry> out;
  std::size_t total = 0;
  for (const auto& run : runs) total += run.size();
  out.reserve(total);
  // The runs' fronts (run, position), a heap with the smallest on top.
  std::vector<std::pair<std::size_t, std::size_t>> fronts;
  for (std::size_t r = 0; r < runs.size(); ++r) {
    if (!runs[r].empty()) fronts.emplace_back(r, 0);
  }
  const auto later = [&](const auto& a, const auto& b) {
    return report_order(runs[b.first][b.second], runs[a.first][a.second]);
  };
  std::make_heap(fronts.begin(), fronts.end(), later);
  while (!fronts.empty()) {
    std::pop_heap(fronts.begin(), fronts.end(), later);
    auto& [r, i] = fronts.back();
    out.push_back(std::move(runs[r][i]));
    if (++i < runs[r].size()) {
      std::push_heap(fronts.begin(), fronts.end(), later);
    } else {
      fronts.pop_back();
    }
  }
  return out;
}

void normalize(Report& report) {
  for (auto& t : report.targets) {
    // Items not queued yet all have id 0: told apart by what they are about,
    // so the order never depends on which user was planned first.
    std::sort(t.reviews.begin(), t.reviews.end(), [](const ReviewEntry& a, const ReviewEntry& b) {
      return std::tie(a.id, a.user_id, a.kind, a.attribute, a.key) < std::tie(b.id, b.user_id, b.kind, b.attribute, b.key);
    });
    // A full plan merges its users in this order already: checked, not sorted again.
    if (!std::is_sorted(t.users.begin(), t.users.end(), report_order)) {
      std::sort(t.users.begin(), t.users.end(), report_order);
    }
    std::sort(t.groups.begin(), t.groups.end(), [](const GroupPlan& a, const GroupPlan& b) {
      return std::tie(a.key, a.group_id) < std::tie(b.key, b.group_id);
    });
    for (auto& u : t.users) {
      if (u.details().attributes.empty()) continue;
      auto& attributes = u.edit_details().attributes;
      std::sort(attributes.begin(), attributes.end(), [](const auto& a, const auto& b) {
        return mapping::CaseInsensitiveLess{}(a.attribute, b.attribute);
      });
    }
  }
}

namespace {

void write_user(JsonWriter& w, const UserEntry& u, const mapping::SecretAttributes& secrets) {
  const UserDetails& d = u.details();
  w.begin_object();
  w.key("action").string(u.action);
  w.key("attributes").begin_array();
  for (const auto& a : d.attributes) {
    const bool secret = secrets(a.attribute);
    w.item().begin_object();
    w.key("attribute").string(a.attribute);
    w.key("authority").string(to_string(a.authority));
    if (a.baseline) {
      w.key("baseline").strings(*a.baseline, secret);
    } else {
      w.key("baseline").null();
    }
    w.key("desired").strings(a.desired, secret);
    w.key("observed").strings(a.observed, secret);
    w.key("result").strings(a.result, secret);
    w.key("verdict").string(to_string(a.verdict));
    w.end_object();
  }
  w.end_array();
  w.key("conflict").boolean(u.conflict);
  if (!d.correlation.empty()) w.key("correlation").string(d.correlation);
  if (!d.delete_due.empty()) w.key("delete_due").string(d.delete_due);
  if (!d.error.empty()) w.key("error").string(d.error);
  if (!d.fingerprint.empty()) w.key("fingerprint").string(d.fingerprint);
  w.key("key").string(u.key);
  w.key("operations");
  write_operations(w, d.operations, secrets);
  if (!d.out_of_scope.empty()) w.key("out_of_scope").string(d.out_of_scope);
  w.key("since_written").string(to_string(u.since_written));
  if (d.has_versions()) {
    w.key("target_version").begin_object();
    w.key("observed").string(d.version_observed);
    w.key("written").string(d.version_written);
    w.end_object();
  }
  w.key("user_id").string(u.user_id);
  w.key("user_name").string(u.user_name);
  w.end_object();
}

void write_review(JsonWriter& w, const ReviewEntry& r, const mapping::SecretAttributes& secrets) {
  w.begin_object();
  w.key("attribute").string(r.attribute);
  w.key("detail").string(r.detail);
  w.key("id").number(r.id);
  w.key("key").string(r.key);
  w.key("kind").string(r.kind);
  const bool secret = secrets(r.attribute);
  w.key("observed").strings(r.observed, secret);
  w.key("source").strings(r.source, secret);
  w.key("user_id").string(r.user_id);
  w.key("user_name").string(r.user_name);
  w.end_object();
}

void write_counts(JsonWriter& w, const std::map<std::string, int64_t>& counts) {
  w.begin_object();
  for (const auto& [name, n] : counts) w.key(name).number(n);
  w.end_object();
}

void write_optional(JsonWriter& w, const std::optional<std::string>& s) {
  if (s) {
    w.string(*s);
  } else {
    w.null();
  }
}

}  // namespace

nlohmann::json to_json(const Report& report) {
  std::ostringstream out;
  write_json(report, out);
  return nlohmann::json::parse(out.str());
}

namespace {

// A target's users, rendered in slices on two threads and written in order.
// Once every user is planned this is the plan's one stretch on a single
// thread (a tenth of a 100k-user plan's instructions); slices keep only a
// few thousand entries' text in memory at once.
void write_users(const std::vector<UserEntry>& users, const mapping::SecretAttributes& secrets, std::size_t depth,
                 std::ostream& out) {
  constexpr std::size_t kSlice = 4096;
  const auto render = [&](std::size_t from) {
    std::string text;
    JsonWriter w(text, depth, from == 0);
    for (std::size_t i = from; i < std::min(from + kSlice, users.size()); ++i) write_user(w.item(), users[i], secrets);
    return text;
  };
  const auto write = [&](const std::string& text) { out.write(text.data(), static_cast<std::streamsize>(text.size())); };
  for (std::size_t from = 0; from < users.size(); from += 2 * kSlice) {
    auto second = from + kSlice < users.size() ? std::async(std::launch::async, render, from + kSlice)
                                               : std::future<std::string>();
    write(render(from));
    if (second.valid()) write(second.get());
  }
}

}  // namespace

void write_json(const Report& report, std::ostream& out) {
  // Out in pieces (the users in slices): a 100k-user report is never held whole.
  std::string buffer;
  const auto flush = [&] {
    out.write(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    buffer.clear();
  };
  JsonWriter w(buffer);
  w.begin_object();
  w.key("config").string(report.config);
  w.key("generated_at").string(report.generated_at);
  w.key("needs_attention").boolean(report.needs_attention());
  w.key("schema_version").number(kReportSchemaVersion);
  w.key("targets").begin_array();
  for (const auto& t : report.targets) {
    w.item().begin_object();
    w.key("counts");
    write_counts(w, t.counts());
    w.key("group_counts");
    write_counts(w, t.group_counts());
    w.key("groups").begin_array();
    for (const auto& g : t.groups) write_group(w.item(), g, t.group_secrets);
    w.end_array();
    w.key("held");
    write_optional(w, t.held);
    w.key("name").string(t.name);
    w.key("review").begin_array();
    for (const auto& r : t.reviews) write_review(w.item(), r, t.secrets);
    w.end_array();
    w.key("stopped");
    write_optional(w, t.stopped);
    w.key("users").begin_array();
    flush();
    write_users(t.users, t.secrets, w.depth(), out);
    if (!t.users.empty()) w.items_joined();
    w.end_array();
    w.end_object();
  }
  w.end_array();
  w.end_object();
  buffer += '\n';
  flush();
}

std::string to_text(const Report& report) {
  std::ostringstream out;
  write_text(report, out);
  return out.str();
}

void write_text(const Report& report, std::ostream& out) {
  out << "idbridge plan (dry run: nothing was applied) at " << report.generated_at << " from " << report.config
      << "\n";
  for (const auto& t : report.targets) {
    out << summary_line(t) << "\n";
    if (!t.groups.empty()) out << group_summary_line(t) << "\n";
  }
  for (const auto& t : report.targets) {
    for (const auto& u : t.users) {
      const UserDetails& d = u.details();
      if (u.action == "no-op" && !u.conflict && d.attributes.empty() && d.delete_due.empty()) continue;
      out << "\n[" << t.name << "] " << u.action << (u.conflict ? " (CONFLICT)" : "") << " " << u.key << "  (user "
          << u.user_name << ", " << u.user_id << ")\n";
      if (!d.error.empty()) out << "    error: " << d.error << "\n";
      if (!d.correlation.empty()) out << "    correlation: " << d.correlation << "\n";
      if (!d.out_of_scope.empty()) out << "    out of scope: " << d.out_of_scope << "\n";
      if (!d.delete_due.empty()) out << "    account delete due at " << d.delete_due << "\n";
      for (const auto& a : d.attributes) {
        const bool secret = t.secrets(a.attribute);
        out << "    " << a.attribute << ": " << quoted(a.observed, secret) << " -> " << quoted(a.result, secret)
            << "   [" << to_string(a.verdict) << ", authority " << to_string(a.authority);
        if (a.verdict == Verdict::conflict || a.verdict == Verdict::keep_target) {
          out << "; source wants " << quoted(a.desired, secret);
        }
        out << "]\n";
      }
      if (d.has_versions()) out << "    " << version_evidence(d) << "\n";
    }
  }
  for (const auto& t : report.targets) write_group_text(t, out);
  for (const auto& t : report.targets) {
    for (const auto& r : t.reviews) out << "\n" << review_line(t, r) << "\n";
  }
  if (report.needs_attention()) {
    out << "\nNeeds attention: conflicts to review ('idbridge conflicts list') or guards holding a target"
           " ('idbridge approve').\n";
  }
}

std::string to_html(const Report& report) {
  std::ostringstream out;
  write_html(report, out);
  return out.str();
}

void write_html(const Report& report, std::ostream& out) {
  // The table states its row count before its rows (the page's self-check
  // compares it with what the browser rendered): counted in a first pass, so
  // the rows need not be held.
  const int row_count = table_rows(report, nullptr);
  // One file, no external assets: it is mailed around and opened offline.
  out << R"HTML(<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>idbridge plan</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5em}table{border-collapse:collapse;width:100%}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#eee;cursor:pointer;user-select:none}tr.conflict td{background:#fde2e2}
tr.create td:nth-child(2){color:#070}tr.disable td:nth-child(2),tr.delete td:nth-child(2){color:#a00}input{padding:4px;width:30em}
</style></head><body>
<h1>idbridge plan <small>(dry run: nothing was applied)</small></h1>
<p>Generated )HTML" << html_escape(report.generated_at) << " from <code>" << html_escape(report.config) << R"HTML(</code></p>
<ul id="summary">
)HTML";
  for (const auto& t : report.targets) {
    out << "<li>" << html_escape(summary_line(t)) << "</li>\n";
    if (!t.groups.empty()) out << "<li>" << html_escape(group_summary_line(t)) << "</li>\n";
  }
  out << R"HTML(</ul>
<p><input id="filter" type="search" placeholder="Filter rows (any column)"></p>
<table id="plan" data-rows=")HTML" << row_count << R"HTML("><thead><tr><th>Target</th><th>Action</th><th>User</th><th>Key</th><th>Attribute</th><th>Before</th><th>After</th><th>Why</th></tr></thead>
<tbody>
)HTML";
  table_rows(report, &out);
  out << R"HTML(</tbody></table>
<script>
(function(){
  var table=document.getElementById('plan'),body=table.tBodies[0];
  document.getElementById('filter').addEventListener('input',function(e){
    var q=e.target.value.toLowerCase();
    Array.prototype.forEach.call(body.rows,function(r){r.style.display=r.textContent.toLowerCase().indexOf(q)<0?'none':'';});
  });
  Array.prototype.forEach.call(table.tHead.rows[0].cells,function(th,i){
    var asc=true;
    th.addEventListener('click',function(){
      var rows=Array.prototype.slice.call(body.rows);
      rows.sort(function(a,b){var x=a.cells[i].textContent,y=b.cells[i].textContent;return (x<y?-1:x>y?1:0)*(asc?1:-1);});
      asc=!asc;rows.forEach(function(r){body.appendChild(r);});
    });
  });
  // Opened as report.html#selftest (the headless browser test does), the page
  // checks that its table renders, sorts and filters, and appends its verdict
  // as a pre element with the id selftest.
  if(location.hash!=='#selftest')return;
  var out=document.createElement('pre');out.id='selftest';
  try{
    var fail=function(m){throw new Error(m);},heads=table.tHead.rows[0].cells;
    var rows=Array.prototype.slice.call(body.rows),n=rows.length,want=+table.getAttribute('data-rows');
    var shown=function(r){return r.getClientRects().length>0&&r.getBoundingClientRect().height>0;};
    if(n!==want)fail('the table has '+n+' rows, the report '+want);
    rows.forEach(function(r,k){
      if(r.cells.length!==heads.length)fail('row '+k+' has '+r.cells.length+' cells, not '+heads.length);
      if(!shown(r))fail('row '+k+' is not rendered');
    });
    var column=function(i){return Array.prototype.map.call(body.rows,function(r){return r.cells[i].textContent;});};
    var user=2,up,down;
    heads[user].click();up=column(user);
    if(up.join('\n')!==up.slice().sort().join('\n'))fail('a click on User does not sort ascending: '+up.join(', '));
    heads[user].click();down=column(user);
    if(down.join('\n')!==up.slice().reverse().join('\n'))fail('a second click does not sort descending: '+down.join(', '));
    var filter=document.getElementById('filter'),term=up[0].toLowerCase(),visible=0;
    filter.value=term;filter.dispatchEvent(new Event('input'));
    rows.forEach(function(r){
      var match=r.textContent.toLowerCase().indexOf(term)>=0;
      if(match!==shown(r))fail('filter "'+term+'": row "'+r.textContent+'" is '+(match?'hidden':'shown'));
      visible+=match?1:0;
    });
    filter.value='';filter.dispatchEvent(new Event('input'));
    if(!rows.every(shown))fail('clearing the filter does not show every row again');
    out.textContent='PASS: '+n+' rows rendered; sorted by User both ways; filter "'+term+'" shows '+visible+' of '+n;
  }catch(e){out.textContent='FAIL: '+e.message;}
  document.body.appendChild(out);
})();
</script>
</body></html>
)HTML";
}

std::string values_text(const mapping::Values& values) {
  return nlohmann::json(values).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace idb::reconcile
