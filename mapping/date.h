#pragma once
// Date and time conversion between text formats, in UTC, without the clock,
// the locale or the local time zone (so the same input always maps the same way).
//
// A format is either `iso8601` or a pattern of literal characters and:
//   %Y year (4 digits)  %m month  %d day  %H hour  %M minute  %S second (2 digits each)
//   %z offset: parses Z, +hh:mm, +hhmm (and -); prints +0000
//   %% a literal %
// `iso8601` parses a date (2024-03-01), or a date-time with optional fraction and
// optional offset (2024-03-01T09:30:00.5+01:00, ...Z); it prints 2024-03-01T08:30:00Z.
// A time without an offset is taken as UTC. Parsed offsets are applied, so the
// output is always the same instant in UTC; fractions of a second are dropped.
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace idb::mapping::date {

struct Format {
  std::string pattern;  // "iso8601" or a pattern as above
};

// An error message when `pattern` uses an unknown directive, else nullopt.
std::optional<std::string> check(std::string_view pattern);

struct Error {
  std::string message;
};
// Reads `text` in format `from` and writes it in format `to`.
std::variant<std::string, Error> convert(std::string_view text, const Format& from, const Format& to);

}  // namespace idb::mapping::date
