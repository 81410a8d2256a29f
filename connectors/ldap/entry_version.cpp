#include "connectors/ldap/entry_version.h"

#include <lber.h>
#include <strings.h>

#include <memory>

#include "connectors/ldap/attribute_list.h"

namespace idb::connectors::ldap {
namespace {

bool same_name(std::string_view a, const char* b) {
  return a.size() == std::char_traits<char>::length(b) && strncasecmp(a.data(), b, a.size()) == 0;
}

}  // namespace

std::string version_of(const EntryView::Attributes& attributes) {
  for (const char* name : kVersionAttributes) {  // in order of preference
    for (const auto& [type, values] : attributes) {
      if (same_name(type, name) && !values.empty()) return std::string(values.front());
    }
  }
  return {};
}

std::string take_version(mapping::Attributes& attributes) {
  std::string version;
  for (const char* name : kVersionAttributes) {  // the map folds case
    const auto it = attributes.find(name);
    if (it == attributes.end()) continue;
    if (version.empty() && !it->second.empty()) version = std::move(it->second.front());
    attributes.erase(it);
  }
  return version;
}

std::string_view post_read_request() {
  static const std::string encoded = [] {
    std::unique_ptr<BerElement, void (*)(BerElement*)> ber(ber_alloc_t(LBER_USE_DER),
                                                           [](BerElement* b) { ber_free(b, 1); });
    const char* names[] = {kVersionAttributes[0], kVersionAttributes[1], nullptr};
    berval flat{};
    if (!ber || ber_printf(ber.get(), "{v}", names) == -1 || ber_flatten2(ber.get(), &flat, 0) == -1) {
      return std::string();  // out of memory: the writes go without the control
    }
    return std::string(flat.bv_val, flat.bv_len);
  }();
  return encoded;
}

std::string post_read_version(std::string_view control_value) {
  EntryView entry;
  if (!read_entry(control_value, entry)) return {};
  return version_of(entry.attributes);
}

}  // namespace idb::connectors::ldap
