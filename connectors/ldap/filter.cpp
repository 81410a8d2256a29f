#include "connectors/ldap/filter.h"

#include <ldap.h>

#include "connectors/ldap/errors.h"

namespace idb::connectors::ldap {
namespace {

bool alpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool digit(char c) { return c >= '0' && c <= '9'; }

// RFC 4512: descr = ALPHA *(ALPHA / DIGIT / "-"); numericoid = number 1*("." number).
bool descriptor_or_oid(std::string_view s) {
  if (s.empty()) return false;
  if (alpha(s.front())) {
    for (char c : s) {
      if (!alpha(c) && !digit(c) && c != '-') return false;
    }
    return true;
  }
  bool after_dot = true;
  for (char c : s) {
    if (c == '.') {
      if (after_dot) return false;
      after_dot = true;
    } else if (digit(c)) {
      after_dot = false;
    } else {
      return false;
    }
  }
  return !after_dot;
}

// attributedescription = attributetype options; options = *( ";" option ).
bool attribute_description(std::string_view s) {
  auto semicolon = s.find(';');
  if (!descriptor_or_oid(s.substr(0, semicolon))) return false;
  while (semicolon != std::string_view::npos) {
    s = s.substr(semicolon + 1);
    semicolon = s.find(';');
    std::string_view option = s.substr(0, semicolon);
    if (option.empty() || !alpha(option.front()) || !descriptor_or_oid(option)) return false;
  }
  return true;
}

}  // namespace

std::string escape_filter_value(std::string_view value) {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(value.size());
  for (unsigned char c : value) {
    if (c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c >= 0x7f) {
      out += '\\';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

Result<std::string> equality_filter(std::string_view attribute, std::string_view value) {
  if (!attribute_description(attribute)) {
    return to_failure(LDAP_FILTER_ERROR, "search by '" + std::string(attribute) + "': not an attribute name");
  }
  return "(" + std::string(attribute) + "=" + escape_filter_value(value) + ")";
}

}  // namespace idb::connectors::ldap
