#pragma once
// CSV text (RFC 4180: comma-separated, fields optionally in double quotes with
// "" for a quote, CRLF or LF line ends) for lookup tables kept next to the mapping.
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace idb::mapping::csv {

struct Row {
  int line;  // 1-based line the row starts on
  std::vector<std::string> fields;
};

struct Error {
  int line;
  std::string message;
};

// Every non-blank row, or the first syntax error.
std::variant<std::vector<Row>, Error> parse(std::string_view text);

}  // namespace idb::mapping::csv
