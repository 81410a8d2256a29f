#pragma once
// A located error in a file the administrator wrote (config or mapping).
#include <string>

namespace idb::diag {

struct Location {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown
  int column = 0;  // 1-based; 0 when unknown
};

struct Diagnostic {
  Location where;
  std::string message;
  // "FILE:LINE:COL: message" (FILE: message when the position is unknown).
  std::string to_string() const {
    if (where.line <= 0) return where.file + ": " + message;
    return where.file + ":" + std::to_string(where.line) + ":" + std::to_string(where.column) + ": " + message;
  }
};

}  // namespace idb::diag
