#include "mapping/date.h"

#include <algorithm>
#include <cstdint>

namespace idb::mapping::date {
namespace {

constexpr std::string_view kIso = "iso8601";
constexpr std::string_view kIsoOut = "%Y-%m-%dT%H:%M:%SZ";

struct Fields {
  int year = 1970, month = 1, day = 1, hour = 0, minute = 0, second = 0;
  int offset_seconds = 0;  // east of UTC
};

// Howard Hinnant's civil-calendar algorithms (proleptic Gregorian).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, Fields& f) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  f.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  f.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  f.year = static_cast<int>(static_cast<int64_t>(yoe) + era * 400 + (f.month <= 2));
}

int days_in_month(int y, int m) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

class Reader {
 public:
  explicit Reader(std::string_view text) : s_(text) {}

  bool digits(int count, int& out) {
    out = 0;
    for (int i = 0; i < count; ++i, ++pos_) {
      if (pos_ >= s_.size() || s_[pos_] < '0' || s_[pos_] > '9') return false;
      out = out * 10 + (s_[pos_] - '0');
    }
    return true;
  }
  bool literal(char c) {
    if (pos_ < s_.size() && s_[pos_] == c) return ++pos_, true;
    return false;
  }
  bool offset(int& seconds) {
    if (literal('Z') || literal('z')) return seconds = 0, true;
    const int sign = literal('+') ? 1 : literal('-') ? -1 : 0;
    int h = 0, m = 0;
    if (sign == 0 || !digits(2, h)) return false;
    literal(':');
    if (!digits(2, m) || h > 23 || m > 59) return false;
    seconds = sign * (h * 3600 + m * 60);
    return true;
  }
  bool at_end() const { return pos_ == s_.size(); }
  size_t pos() const { return pos_; }

 private:
  std::string_view s_;
  size_t pos_ = 0;
};

bool parse_iso(Reader& r, Fields& f) {
  if (!r.digits(4, f.year) || !r.literal('-') || !r.digits(2, f.month) || !r.literal('-') || !r.digits(2, f.day)) {
    return false;
  }
  if (r.at_end()) return true;
  if (!(r.literal('T') || r.literal('t') || r.literal(' '))) return false;
  if (!r.digits(2, f.hour) || !r.literal(':') || !r.digits(2, f.minute)) return false;
  if (r.literal(':') && !r.digits(2, f.second)) return false;
  if (r.literal('.') || r.literal(',')) {
    int digit = 0;
    if (!r.digits(1, digit)) return false;
    while (r.digits(1, digit)) {
    }
  }
  return r.at_end() || r.offset(f.offset_seconds);
}

bool parse_pattern(Reader& r, std::string_view pattern, Fields& f) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      if (!r.literal(pattern[i])) return false;
      continue;
    }
    const char d = pattern[++i];
    const bool ok = d == 'Y' ? r.digits(4, f.year)
                    : d == 'm' ? r.digits(2, f.month)
                    : d == 'd' ? r.digits(2, f.day)
                    : d == 'H' ? r.digits(2, f.hour)
                    : d == 'M' ? r.digits(2, f.minute)
                    : d == 'S' ? r.digits(2, f.second)
                    : d == 'z' ? r.offset(f.offset_seconds)
                               : r.literal('%');
    if (!ok) return false;
  }
  return true;
}

std::string print(std::string_view pattern, const Fields& f) {
  std::string out;
  // Fields are in range here (years 0-9999), so zero-padded digits need no snprintf.
  auto put = [&](int width, int v) {
    char digits[4];
    for (int i = width; i-- > 0; v /= 10) digits[i] = static_cast<char>('0' + v % 10);
    out.append(digits, static_cast<size_t>(width));
  };
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') {
      out += pattern[i];
      continue;
    }
    switch (pattern[++i]) {
      case 'Y': put(4, f.year); break;
      case 'm': put(2, f.month); break;
      case 'd': put(2, f.day); break;
      case 'H': put(2, f.hour); break;
      case 'M': put(2, f.minute); break;
      case 'S': put(2, f.second); break;
      case 'z': out += "+0000"; break;
      default: out += '%';
    }
  }
  return out;
}

}  // namespace

std::optional<std::string> check(std::string_view pattern) {
  if (pattern == kIso) return std::nullopt;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') continue;
    if (i + 1 == pattern.size()) return "date format '" + std::string(pattern) + "' ends with a lone '%'";
    const char d = pattern[++i];
    if (std::string_view("YmdHMSz%").find(d) == std::string_view::npos) {
      return "date format '" + std::string(pattern) + "' uses unknown directive '%" + d +
             "' (known: %Y %m %d %H %M %S %z %%, or the word iso8601)";
    }
  }
  return std::nullopt;
}

std::variant<std::string, Error> convert(std::string_view text, const Format& from, const Format& to) {
  Fields f;
  Reader r(text);
  const bool iso = from.pattern == kIso;
  if (!(iso ? parse_iso(r, f) : parse_pattern(r, from.pattern, f)) || !r.at_end()) {
    return Error{"'" + std::string(text) + "' does not match the date format '" + from.pattern + "'"};
  }
  if (f.month < 1 || f.month > 12 || f.day < 1 || f.day > days_in_month(f.year, f.month) || f.hour > 23 ||
      f.minute > 59 || f.second > 60) {
    return Error{"'" + std::string(text) + "' is not a valid date"};
  }
  // A leap second is kept as :59 so every output format can represent it.
  const int64_t seconds = days_from_civil(f.year, f.month, f.day) * 86400 + f.hour * 3600 + f.minute * 60 +
                          std::min(f.second, 59) - f.offset_seconds;
  int64_t days = seconds / 86400, rest = seconds % 86400;
  if (rest < 0) rest += 86400, --days;
  Fields utc;
  civil_from_days(days, utc);
  utc.hour = static_cast<int>(rest / 3600);
  utc.minute = static_cast<int>(rest % 3600 / 60);
  utc.second = static_cast<int>(rest % 60);
  if (utc.year < 0 || utc.year > 9999) return Error{"'" + std::string(text) + "' is outside years 0000-9999"};
  return print(to.pattern == kIso ? kIsoOut : std::string_view(to.pattern), utc);
}

}  // namespace idb::mapping::date
