#include "daemon/kept_change.h"

#include <cstdint>
#include <cstring>

namespace idb::daemon {
namespace {

class Writer {
 public:
  // Sizes and counts: 32 bits (a value of 4 GiB is not planned).
  void number(std::size_t n) { put(static_cast<uint32_t>(n)); }
  void byte(int b) { out.push_back(static_cast<char>(b)); }
  void text(std::string_view s) {
    number(s.size());
    out += s;
  }
  void optional_number(const std::optional<int64_t>& n) {
    byte(n ? 1 : 0);
    if (n) put(*n);
  }
  void values(const mapping::Values& values) {
    number(values.size());
    for (const auto& v : values) text(v);
  }
  void attributes(const mapping::Attributes& attributes) {
    number(attributes.size());
    for (const auto& [name, vs] : attributes) {
      text(name);
      values(vs);
    }
  }
  std::string out;

 private:
  template <class T>
  void put(T n) {
    out.append(reinterpret_cast<const char*>(&n), sizeof n);
  }
};

class Reader {
 public:
  explicit Reader(std::string_view in) : in_(in) {}
  std::size_t number() { return take<uint32_t>(); }
  template <class Enum>
  Enum byte() {
    const auto b = static_cast<unsigned char>(in_.front());
    in_.remove_prefix(1);
    return static_cast<Enum>(b);
  }
  std::string text() {
    const auto n = number();
    std::string s(in_.substr(0, n));
    in_.remove_prefix(n);
    return s;
  }
  std::optional<int64_t> optional_number() {
    if (!byte<bool>()) return std::nullopt;
    return take<int64_t>();
  }
  mapping::Values values() {
    mapping::Values out(number());
    for (auto& v : out) v = text();
    return out;
  }
  mapping::Attributes attributes() {
    mapping::Attributes out;
    for (auto n = number(); n > 0; --n) {
      auto name = text();
      out.emplace_hint(out.end(), std::move(name), values());  // packed in the map's order
    }
    return out;
  }

 private:
  template <class T>
  T take() {
    T n;
    std::memcpy(&n, in_.data(), sizeof n);
    in_.remove_prefix(sizeof n);
    return n;
  }
  std::string_view in_;
};

}  // namespace

std::string pack_change(const state::User& user, const UserPlan& plan) {
  Writer w;
  w.text(user.user_name);
  w.byte(static_cast<int>(plan.kind));
  w.byte(plan.disabled ? 1 : 0);
  w.text(plan.desired.key);
  w.byte(plan.observed ? 1 : 0);
  if (plan.observed) w.text(plan.observed->key);
  w.text(plan.correlated_by);
  w.optional_number(plan.disabled_since_ms);
  w.optional_number(plan.delete_due_ms);
  w.number(plan.operations.size());
  for (const auto& op : plan.operations) {
    w.byte(static_cast<int>(op.kind));
    w.text(op.key);
    w.text(op.new_key);
    w.attributes(op.attributes);
    w.number(op.changes.size());
    for (const auto& c : op.changes) {
      w.text(c.attribute);
      w.byte(static_cast<int>(c.kind));
      w.values(c.values);
    }
  }
  // The next baseline is desired's values but where the target's stay: as
  // many bytes as packing it whole, and the plan's own next_baseline(version) then
  // makes it.
  w.attributes(plan.desired.attributes);
  w.byte(plan.decision.conflict ? 1 : 0);
  std::size_t stays = 0;
  for (const auto& a : plan.decision.attributes) stays += reconcile::target_stays(a.verdict);
  w.number(stays);
  for (const auto& a : plan.decision.attributes) {
    if (!reconcile::target_stays(a.verdict)) continue;
    w.text(a.attribute);
    w.byte(static_cast<int>(a.authority));
    w.byte(static_cast<int>(a.verdict));
    w.byte(a.baseline ? 1 : 0);
    if (a.baseline) w.values(*a.baseline);
    w.values(a.observed);
    w.values(a.desired);
    w.values(a.result);
  }
  w.out.shrink_to_fit();
  return std::move(w.out);
}

UnpackedChange unpack_change(std::string_view packed, const std::string& user_id) {
  Reader r(packed);
  UnpackedChange out;
  out.user.id = user_id;
  out.user.user_name = r.text();
  UserPlan& plan = out.plan;
  plan.kind = r.byte<UserPlan::Kind>();
  plan.disabled = r.byte<bool>();
  plan.desired.key = r.text();
  if (r.byte<bool>()) plan.observed = reconcile::Account{r.text(), {}};
  plan.correlated_by = r.text();
  plan.disabled_since_ms = r.optional_number();
  plan.delete_due_ms = r.optional_number();
  plan.operations.resize(r.number());
  for (auto& op : plan.operations) {
    op.kind = r.byte<reconcile::Operation::Kind>();
    op.key = r.text();
    op.new_key = r.text();
    op.attributes = r.attributes();
    op.changes.resize(r.number());
    for (auto& c : op.changes) {
      c.attribute = r.text();
      c.kind = r.byte<reconcile::ChangeKind>();
      c.values = r.values();
    }
  }
  plan.desired.attributes = r.attributes();
  plan.decision.conflict = r.byte<bool>();
  plan.decision.attributes.resize(r.number());
  for (auto& a : plan.decision.attributes) {
    a.attribute = r.text();
    a.authority = r.byte<reconcile::Authority>();
    a.verdict = r.byte<reconcile::Verdict>();
    if (r.byte<bool>()) a.baseline = r.values();
    a.observed = r.values();
    a.desired = r.values();
    a.result = r.values();
  }
  return out;
}

}  // namespace idb::daemon
