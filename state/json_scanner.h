#pragma once
// The lexical part of reading the JSON text the store keeps (RFC 8259):
// spaces, punctuation and strings, unescaped and UTF-8-checked. A full plan
// reads every user's resource and baseline; the readers built on this
// (attributes_json, json_document) copy unescaped runs whole instead of
// going character by character through a general parser's token buffer.
#include <cstdint>
#include <string>
#include <string_view>

namespace idb::state {

class JsonScanner {
 public:
  explicit JsonScanner(std::string_view text) : p_(text.data()), begin_(text.data()), end_(text.data() + text.size()) {}

  // Records the first failure, where it happened; always false.
  bool fail(const char* what);
  // "what at byte N" for the first failure.
  std::string error() const;

  void skip_space() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }
  // Skips spaces, then consumes `c` if it is next.
  bool next_is(char c) {
    skip_space();
    if (p_ == end_ || *p_ != c) return false;
    ++p_;
    return true;
  }
  bool expect(char c, const char* what) { return next_is(c) || fail(what); }
  // Nothing but spaces left.
  bool at_end() {
    skip_space();
    return p_ == end_;
  }
  // A string at the current position (no spaces skipped), unescaped into
  // `out` (replacing what it held).
  bool read_string(std::string& out);

 protected:
  const char* p_;
  const char* const begin_;
  const char* const end_;

 private:
  bool read_escape(std::string& out);
  bool read_hex4(uint32_t& code);
  bool read_utf8(std::string& out);

  std::string error_;
  const char* error_at_ = nullptr;
};

}  // namespace idb::state
