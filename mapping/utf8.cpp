#include "mapping/utf8.h"

#include <algorithm>

namespace idb::mapping::utf8 {
namespace {

bool continuation(unsigned char c) { return (c & 0xC0) == 0x80; }

// Decodes the code point at `i` of valid UTF-8 and advances `i` past it.
char32_t decode(std::string_view s, size_t& i) {
  const auto c = static_cast<unsigned char>(s[i]);
  const int extra = c < 0x80 ? 0 : c < 0xE0 ? 1 : c < 0xF0 ? 2 : 3;
  char32_t cp = extra == 0 ? c : c & (0x3F >> extra);
  for (int k = 1; k <= extra && i + k < s.size(); ++k) cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
  i = std::min(i + 1 + extra, s.size());  // never past the end, even on malformed input
  return cp;
}

bool space(char32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x202F ||
         cp == 0x205F || cp == 0x3000 || cp == 0xFEFF;
}

}  // namespace

size_t length(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += !continuation(c);
  return n;
}

std::string_view substr(std::string_view s, size_t start, size_t count) {
  size_t i = 0;
  for (size_t cp = 0; cp < start && i < s.size(); ++cp) decode(s, i);
  size_t end = i;
  for (size_t cp = 0; cp < count && end < s.size(); ++cp) decode(s, end);
  return s.substr(i, end - i);
}

static_assert(sizeof(wchar_t) == 4, "wchar_t must hold any code point (UTF-32)");

std::wstring widen(std::string_view s) {
  std::wstring out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size();) out.push_back(static_cast<wchar_t>(decode(s, i)));
  return out;
}

std::string narrow(std::wstring_view w) {
  std::string out;
  out.reserve(w.size());
  for (const wchar_t wc : w) {
    const auto cp = static_cast<char32_t>(wc);
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  return out;
}

void ascii_lower(std::string& s) {
  for (auto& c : s) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
}

void ascii_upper(std::string& s) {
  for (auto& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
}

std::string_view trim(std::string_view s) {
  size_t begin = 0;
  while (begin < s.size()) {
    size_t next = begin;
    if (!space(decode(s, next))) break;
    begin = next;
  }
  size_t end = begin;  // one past the last non-space code point
  for (size_t i = begin; i < s.size();) {
    if (!space(decode(s, i))) end = i;
  }
  return s.substr(begin, end - begin);
}

}  // namespace idb::mapping::utf8
