#include "mapping/phone.h"

#include <array>

#include "mapping/utf8.h"

namespace idb::mapping::phone {
namespace {

constexpr std::array kRegions = {
    Region{"AT", "43", "0"},  Region{"AU", "61", "0"},  Region{"BE", "32", "0"},  Region{"BR", "55", "0"},
    Region{"CA", "1", "1"},   Region{"CH", "41", "0"},  Region{"CN", "86", "0"},  Region{"DE", "49", "0"},
    Region{"DK", "45", ""},   Region{"ES", "34", ""},   Region{"FI", "358", "0"}, Region{"FR", "33", "0"},
    Region{"GB", "44", "0"},  Region{"HK", "852", ""},  Region{"IE", "353", "0"}, Region{"IN", "91", "0"},
    Region{"IT", "39", ""},   Region{"JP", "81", "0"},  Region{"KR", "82", "0"},  Region{"MX", "52", ""},
    Region{"NL", "31", "0"},  Region{"NO", "47", ""},   Region{"NZ", "64", "0"},  Region{"PL", "48", ""},
    Region{"SE", "46", "0"},  Region{"SG", "65", ""},   Region{"TW", "886", "0"}, Region{"US", "1", "1"},
};

bool separator(char c) { return c == ' ' || c == '-' || c == '.' || c == '(' || c == ')' || c == '/'; }

}  // namespace

const Region* find_region(std::string_view iso) {
  std::string upper(iso);
  utf8::ascii_upper(upper);
  for (const auto& r : kRegions) {
    if (r.iso == upper) return &r;
  }
  return nullptr;
}

std::string supported_regions() {
  std::string out;
  for (const auto& r : kRegions) out += (out.empty() ? "" : ", ") + std::string(r.iso);
  return out;
}

std::variant<std::string, Error> to_e164(std::string_view text, const Region& region) {
  std::string digits;
  bool plus = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c >= '0' && c <= '9') {
      digits += c;
    } else if (c == '+' && digits.empty() && !plus) {
      plus = true;
    } else if (!separator(c)) {
      return Error{"'" + std::string(text) + "' is not a phone number: unexpected character at byte " + std::to_string(i + 1)};
    }
  }
  const bool nanp = region.calling_code == "1";
  std::string international;
  if (plus) {
    international = digits;
  } else if (digits.starts_with("00")) {
    international = digits.substr(2);
  } else if (nanp && digits.starts_with("011")) {
    international = digits.substr(3);
  } else {
    std::string national = digits;
    if (!region.trunk_prefix.empty() && national.starts_with(region.trunk_prefix) &&
        (!nanp || national.size() == 11)) {
      national.erase(0, region.trunk_prefix.size());
    }
    if (nanp && national.size() != 10) {
      return Error{"'" + std::string(text) + "' is not a phone number: a North American number has 10 digits"};
    }
    international = std::string(region.calling_code) + national;
  }
  if (international.empty() || international[0] == '0') {
    return Error{"'" + std::string(text) + "' is not a phone number: no country calling code"};
  }
  if (international.size() < 8 || international.size() > 15) {
    return Error{"'" + std::string(text) + "' is not a phone number: E.164 numbers have 8 to 15 digits, this has " +
                 std::to_string(international.size())};
  }
  return "+" + international;
}

}  // namespace idb::mapping::phone
