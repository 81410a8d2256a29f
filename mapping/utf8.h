#pragma once
// UTF-8 text handling for transforms. Values are UTF-8 (SCIM is JSON); every
// transform must pass characters it does not understand through untouched and
// must never cut a multi-byte sequence in two.
#include <string>
#include <string_view>

namespace idb::mapping::utf8 {

// Number of code points in valid UTF-8 (bytes that start a sequence).
size_t length(std::string_view text);

// The substring of `count` code points starting at code point `start`; clipped to the text.
std::string_view substr(std::string_view text, size_t start, size_t count);

// Code points to and from UTF-8, as wchar_t (UTF-32 on the platforms we build for),
// so std::wregex can match whole characters. Malformed input decodes as best it can.
std::wstring widen(std::string_view text);
std::string narrow(std::wstring_view text);

// ASCII letters changed, every other byte (so all non-ASCII characters) left as is:
// locale-independent and byte-safe. Full Unicode case mapping is deliberately not
// attempted: it depends on language (Turkish dotless i) and would change lengths.
// In place: mapping changes every user's values, and a copy per value per step showed in profiles.
void ascii_lower(std::string& text);
void ascii_upper(std::string& text);

// Removes leading and trailing white space: ASCII space, tab, CR, LF, VT, FF,
// U+00A0 NO-BREAK SPACE, U+2000..U+200A, U+202F, U+205F, U+3000 IDEOGRAPHIC SPACE, U+FEFF.
std::string_view trim(std::string_view text);

}  // namespace idb::mapping::utf8
