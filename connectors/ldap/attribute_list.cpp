#include "connectors/ldap/attribute_list.h"

#include <cstdint>

namespace idb::connectors::ldap {
namespace {

constexpr unsigned char kOctetString = 0x04, kSequence = 0x30, kSet = 0x31, kSearchResultEntry = 0x64;

// The next element's tag and contents, taken off the front of `in`. LDAP
// sends single-byte tags and definite lengths only (RFC 4511 5.1); anything
// else, or a length past the end, is malformed.
bool take_element(std::string_view& in, unsigned char& tag, std::string_view& contents) {
  if (in.size() < 2) return false;
  tag = static_cast<unsigned char>(in[0]);
  if ((tag & 0x1f) == 0x1f) return false;
  std::size_t length = static_cast<unsigned char>(in[1]);
  std::size_t header = 2;
  if (length & 0x80) {
    const std::size_t bytes = length & 0x7f;
    if (bytes == 0 || bytes > 4 || in.size() < 2 + bytes) return false;
    length = 0;
    for (std::size_t i = 0; i < bytes; ++i) length = (length << 8) | static_cast<unsigned char>(in[2 + i]);
    header += bytes;
  }
  if (length > in.size() - header) return false;
  contents = in.substr(header, length);
  in.remove_prefix(header + length);
  return true;
}

}  // namespace

bool read_attribute_list(std::string_view ber, EntryView::Attributes& out) {
  std::size_t n = 0;
  bool well_formed = true;
  unsigned char tag = 0;
  std::string_view attribute;
  while (!ber.empty() && static_cast<unsigned char>(ber[0]) == kSequence) {
    std::string_view type, values;
    if (!take_element(ber, tag, attribute) || !take_element(attribute, tag, type) || tag != kOctetString ||
        !take_element(attribute, tag, values) || tag != kSet) {
      well_formed = false;
      break;
    }
    if (n == out.size()) out.emplace_back();
    auto& [name, vals] = out[n++];
    name = type;
    vals.clear();
    std::string_view value;
    while (!values.empty()) {
      if (!take_element(values, tag, value) || tag != kOctetString) {
        well_formed = false;
        break;
      }
      vals.push_back(value);
    }
    if (!well_formed) {
      --n;  // not half an attribute
      break;
    }
  }
  out.resize(n);
  return well_formed;
}

bool read_entry(std::string_view ber, EntryView& out) {
  unsigned char tag = 0;
  std::string_view entry, dn, attributes;
  if (!take_element(ber, tag, entry) || tag != kSearchResultEntry || !take_element(entry, tag, dn) ||
      tag != kOctetString || !take_element(entry, tag, attributes) || tag != kSequence) {
    return false;
  }
  out.dn = dn;
  return read_attribute_list(attributes, out.attributes);
}

}  // namespace idb::connectors::ldap
