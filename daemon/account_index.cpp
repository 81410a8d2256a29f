#include "daemon/account_index.h"

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <utility>

#include <ldap.h>
#include <spdlog/spdlog.h>

#include "connectors/ldap/entry_version.h"
#include "connectors/ldap/errors.h"
#include "connectors/ldap/ldap_connector.h"

namespace idb::daemon {
namespace {

// Lengths and counts as 32-bit numbers in host order: the string never leaves the process.
char* put(char* out, std::size_t n) {
  const auto v = static_cast<std::uint32_t>(n);
  std::memcpy(out, &v, sizeof v);
  return out + sizeof v;
}

char* put(char* out, std::string_view bytes) {
  out = put(out, bytes.size());
  std::memcpy(out, bytes.data(), bytes.size());
  return out + bytes.size();
}

std::size_t take(std::string_view& in) {
  std::uint32_t v = 0;
  std::memcpy(&v, in.data(), sizeof v);
  in.remove_prefix(sizeof v);
  return v;
}

std::string_view take_bytes(std::string_view& in) {
  const std::size_t n = take(in);
  const std::string_view bytes = in.substr(0, n);
  in.remove_prefix(n);
  return bytes;
}

std::string normalized(std::string_view dn) {
  if (auto plain = connectors::ldap::plain_normalized(dn)) return std::move(*plain);
  auto parsed = connectors::ldap::parse_dn(dn);
  return parsed ? connectors::ldap::normalize(parsed.value()) : std::string();
}

// `dn` and `base` normalized: `dn` is `base` or below it. Normalized RDNs
// escape ',' in values, so an unescaped ',' before the suffix is a boundary.
bool below(std::string_view dn, std::string_view base) {
  if (base.empty()) return true;
  return dn == base || (dn.size() > base.size() && dn.ends_with(base) && dn[dn.size() - base.size() - 1] == ',' &&
                        (dn.size() - base.size() < 2 || dn[dn.size() - base.size() - 2] != '\\'));
}

}  // namespace

std::size_t packed_size(const connectors::ldap::EntryView::Attributes& attributes) {
  std::size_t size = sizeof(std::uint32_t);
  for (const auto& [name, values] : attributes) {
    size += 2 * sizeof(std::uint32_t) + name.size();
    for (const auto& v : values) size += sizeof(std::uint32_t) + v.size();
  }
  return size;
}

void pack_into(const connectors::ldap::EntryView::Attributes& attributes, char* out) {
  out = put(out, attributes.size());
  for (const auto& [name, values] : attributes) {
    out = put(out, name);
    out = put(out, values.size());
    for (const auto& v : values) out = put(out, v);
  }
}

char* AccountIndex::Arena::allocate(std::size_t size) {
  if (size > left_) {
    constexpr std::size_t kBlock = std::size_t{1} << 20;
    left_ = std::max(size, kBlock);
    blocks_.push_back(std::make_unique_for_overwrite<char[]>(left_));
    next_ = blocks_.back().get();
  }
  char* out = next_;
  next_ += size;
  left_ -= size;
  return out;
}

std::string_view AccountIndex::Arena::copy(std::string_view bytes) {
  char* out = allocate(bytes.size());
  std::memcpy(out, bytes.data(), bytes.size());
  return {out, bytes.size()};
}

mapping::Attributes unpack(std::string_view packed) {
  mapping::Attributes out;
  for (std::size_t attributes = take(packed); attributes > 0; --attributes) {
    // As ldap::to_entry makes an entry of the same attributes.
    auto& values = out[std::string(take_bytes(packed))];
    for (std::size_t n = take(packed); n > 0; --n) values.emplace_back(take_bytes(packed));
  }
  return out;
}

namespace {

// The accounts' base DN on `binding`'s target; empty when it is not read in one go.
std::string accounts_base(const TargetBinding& binding, const config::Config& config) {
  const auto target = std::find_if(config.targets.begin(), config.targets.end(),
                                   [&](const config::Target& t) { return t.name == binding.connector->name(); });
  return target == config.targets.end() ? std::string() : target->ldap.base_dn;
}

std::vector<std::string> account_attributes(const TargetBinding& binding) {
  std::vector<std::string> attributes = binding.mapping->managed_attributes();
  if (!binding.disable.attribute.empty()) attributes.push_back(binding.disable.attribute);
  return attributes;
}

}  // namespace

AccountIndex::AccountIndex(const TargetBinding& binding, const config::Config& config)
    : AccountIndex(binding, accounts_base(binding, config), account_attributes(binding)) {}

AccountIndex::AccountIndex(const TargetBinding& binding, const std::string& base_dn,
                           std::vector<std::string> attributes)
    : binding_(binding) {
  auto* ldap = dynamic_cast<connectors::ldap::LdapConnector*>(binding.connector);
  if (!ldap || base_dn.empty()) return;
  // Each account's version too, as a read of one account has it.
  attributes.insert(attributes.end(), connectors::ldap::kVersionAttributes.begin(),
                    connectors::ldap::kVersionAttributes.end());
  // A base the lookups cannot be placed against: every account is read on its own.
  auto base = connectors::ldap::parse_dn(base_dn);
  if (!base) return;
  read_ = std::make_shared<Read>();
  read_->base = std::move(base.value());
  read_->normalized_base = connectors::ldap::normalize(read_->base);
  // The connector serialises its calls: a lookup's own read on the target
  // waits for this one to end (never made while holding `mu`).
  Read* read = read_.get();
  read->reading = std::async(std::launch::async, [read, ldap, base_dn,
                                                  attributes = std::move(attributes)] {
    // Handed over in batches: one lock and one wake-up per batch, not per entry.
    constexpr std::size_t kBatch = 256;
    std::vector<std::pair<std::string_view, std::string_view>> batch;
    const auto hand_over = [&](std::optional<State> end) {
      {
        std::lock_guard lock(read->mu);
        for (const auto& [dn, packed] : batch) read->accounts.emplace(dn, packed);
        if (end) read->state = *end;
      }
      batch.clear();
      read->grew.notify_all();
    };
    const auto status =
        ldap->read_all_views(base_dn, "(objectClass=*)", attributes, [&](const connectors::ldap::EntryView& e) {
          const std::string dn = normalized(e.dn);
          // What the server counts in its subtree but our matching would not
          // (a non-ASCII case difference) is left to a read of its own, as
          // every lookup outside the subtree is.
          if (dn.empty() || !below(dn, read->normalized_base)) return;
          const std::size_t size = packed_size(e.attributes);
          char* packed = read->arena.allocate(size);
          pack_into(e.attributes, packed);
          batch.emplace_back(read->arena.copy(dn), std::string_view(packed, size));
          if (batch.size() == kBatch) hand_over(std::nullopt);
        });
    // No base entry, nothing below it (a groups' subtree not made yet): read, and empty.
    const bool read_all = status || status.failure().code == connectors::ldap::code_of(LDAP_NO_SUCH_OBJECT);
    if (!read_all) {
      spdlog::warn("{}: paged read of its accounts failed ({}); reading them one by one", ldap->name(),
                   status.failure().message);
    }
    hand_over(read_all ? State::done : State::failed);
  });
}

AccountReader AccountIndex::reader() const {
  if (!read_) return nullptr;
  return [read = read_, &binding = binding_](const std::string& key, const std::vector<std::string>& attrs)
             -> connectors::Result<std::optional<connectors::Observed>> {
    const std::string dn = normalized(key);
    // Outside the subtree read (a disabled OU elsewhere), or not a DN: asked one by one.
    if (dn.empty() || !below(dn, read->normalized_base)) return binding.connector->read(key, attrs);
    const std::string_view* packed = nullptr;
    State state;
    {
      std::unique_lock lock(read->mu);
      read->grew.wait(lock, [&] {
        const auto it = read->accounts.find(dn);
        if (it != read->accounts.end()) packed = &it->second;
        return packed != nullptr || read->state != State::reading;
      });
      state = read->state;
    }
    // Keyed as asked, like a read: the server's own spelling of the DN is no rename.
    if (packed) {
      auto attributes = unpack(*packed);
      std::string version = connectors::ldap::take_version(attributes);
      return std::optional<connectors::Observed>(connectors::Observed{key, std::move(attributes), std::move(version)});
    }
    if (state == State::failed) return binding.connector->read(key, attrs);
    return std::optional<connectors::Observed>();
  };
}

}  // namespace idb::daemon
