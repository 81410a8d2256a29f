#include "state/json_scanner.h"

#include <array>

namespace idb::state {
namespace {

void append_utf8(std::string& out, uint32_t code) {
  if (code < 0x80) {
    out += static_cast<char>(code);
  } else if (code < 0x800) {
    out += static_cast<char>(0xC0 | code >> 6);
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else if (code < 0x10000) {
    out += static_cast<char>(0xE0 | code >> 12);
    out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | code >> 18);
    out += static_cast<char>(0x80 | (code >> 12 & 0x3F));
    out += static_cast<char>(0x80 | (code >> 6 & 0x3F));
    out += static_cast<char>(0x80 | (code & 0x3F));
  }
}

// The bytes a string's unescaped run copies as they are: ASCII but the
// quote, the backslash and control characters. One lookup per byte instead
// of four comparisons: every byte of every stored user and baseline passes here.
constexpr auto kPlain = [] {
  std::array<bool, 256> plain{};
  for (int c = 0x20; c < 0x80; ++c) plain[c] = c != '"' && c != '\\';
  return plain;
}();

}  // namespace

bool JsonScanner::fail(const char* what) {
  if (error_.empty()) {
    error_ = what;
    error_at_ = p_;
  }
  return false;
}

std::string JsonScanner::error() const { return error_ + " at byte " + std::to_string(error_at_ - begin_); }

bool JsonScanner::read_string(std::string& out) {
  out.clear();
  if (p_ == end_ || *p_ != '"') return fail("expected a string");
  ++p_;
  for (;;) {
    const char* run = p_;
    while (p_ != end_ && kPlain[static_cast<unsigned char>(*p_)]) ++p_;
    out.append(run, p_);
    if (p_ == end_) return fail("unterminated string");
    const auto c = static_cast<unsigned char>(*p_);
    if (c == '"') {
      ++p_;
      return true;
    }
    if (c < 0x20) return fail("control character in a string");
    if (c == '\\') {
      if (!read_escape(out)) return false;
    } else if (!read_utf8(out)) {
      return false;
    }
  }
}

bool JsonScanner::read_escape(std::string& out) {
  if (++p_ == end_) return fail("unterminated string");
  switch (*p_++) {
    case '"': out += '"'; return true;
    case '\\': out += '\\'; return true;
    case '/': out += '/'; return true;
    case 'b': out += '\b'; return true;
    case 'f': out += '\f'; return true;
    case 'n': out += '\n'; return true;
    case 'r': out += '\r'; return true;
    case 't': out += '\t'; return true;
    case 'u': break;
    default: --p_; return fail("invalid escape");
  }
  uint32_t code = 0;
  if (!read_hex4(code)) return false;
  if (code >= 0xDC00 && code <= 0xDFFF) return fail("low surrogate without a high one");
  if (code >= 0xD800 && code <= 0xDBFF) {
    uint32_t low = 0;
    if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u') return fail("high surrogate without a low one");
    p_ += 2;
    if (!read_hex4(low)) return false;
    if (low < 0xDC00 || low > 0xDFFF) return fail("high surrogate without a low one");
    code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00);
  }
  append_utf8(out, code);
  return true;
}

bool JsonScanner::read_hex4(uint32_t& code) {
  if (end_ - p_ < 4) return fail("truncated \\u escape");
  for (int i = 0; i < 4; ++i, ++p_) {
    const char c = *p_;
    const int digit = c >= '0' && c <= '9'   ? c - '0'
                      : c >= 'a' && c <= 'f' ? c - 'a' + 10
                      : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                             : -1;
    if (digit < 0) return fail("invalid \\u escape");
    code = code << 4 | static_cast<uint32_t>(digit);
  }
  return true;
}


// One multi-byte UTF-8 sequence at p_, checked as RFC 3629 §4 defines it
// (no overlong forms, no surrogates, nothing above U+10FFFF).
bool JsonScanner::read_utf8(std::string& out) {
  const auto byte = [&](int i) { return static_cast<unsigned char>(p_[i]); };
  const unsigned char lead = byte(0);
  int length = 0;
  unsigned char low = 0x80, high = 0xBF;  // the second byte's range
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return fail("ill-formed UTF-8");
  }
  if (end_ - p_ < length || byte(1) < low || byte(1) > high) return fail("ill-formed UTF-8");
  for (int i = 2; i < length; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xBF) return fail("ill-formed UTF-8");
  }
  out.append(p_, static_cast<size_t>(length));
  p_ += length;
  return true;
}

}  // namespace idb::state
