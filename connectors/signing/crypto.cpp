#include "connectors/signing/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <ctime>
#include <stdexcept>

namespace idb::connectors::signing {
namespace {

std::string as_string(const unsigned char* data, std::size_t size) {
  return std::string(reinterpret_cast<const char*>(data), size);
}

std::string hmac(const EVP_MD* md, std::string_view key, std::string_view data) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> out{};
  unsigned int size = 0;
  if (!HMAC(md, key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(data.data()),
            data.size(), out.data(), &size)) {
    throw std::runtime_error("OpenSSL HMAC failed");
  }
  return as_string(out.data(), size);
}

constexpr std::array<const char*, 7> kDays{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
constexpr std::array<const char*, 12> kMonths{"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

std::tm utc(Clock::time_point t) {
  std::time_t seconds = Clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  return tm;
}

}  // namespace

std::string sha256(std::string_view data) {
  std::array<unsigned char, 32> out{};
  unsigned int size = 0;
  if (!EVP_Digest(data.data(), data.size(), out.data(), &size, EVP_sha256(), nullptr)) {
    throw std::runtime_error("OpenSSL SHA-256 failed");
  }
  return as_string(out.data(), size);
}

std::string hmac_sha1(std::string_view key, std::string_view data) { return hmac(EVP_sha1(), key, data); }
std::string hmac_sha256(std::string_view key, std::string_view data) { return hmac(EVP_sha256(), key, data); }

std::string hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kDigits[c >> 4];
    out += kDigits[c & 0xf];
  }
  return out;
}

std::string base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  int size = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                             reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(size));
  return out;
}

std::optional<std::string> base64_decode(std::string_view text) {
  std::string normal(text);
  std::replace(normal.begin(), normal.end(), '-', '+');
  std::replace(normal.begin(), normal.end(), '_', '/');
  while (normal.size() % 4) normal += '=';
  const std::size_t padding = normal.size() - std::min(normal.size(), normal.find_last_not_of('=') + 1);
  if (padding > 2) return std::nullopt;
  std::string out(normal.size() / 4 * 3, '\0');
  const int size = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                   reinterpret_cast<const unsigned char*>(normal.data()), static_cast<int>(normal.size()));
  if (size < 0) return std::nullopt;
  out.resize(static_cast<std::size_t>(size) - padding);
  return out;
}

std::string uri_encode(std::string_view text) {
  static constexpr char kDigits[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                      c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kDigits[c >> 4];
      out += kDigits[c & 0xf];
    }
  }
  return out;
}

std::string uri_encode_path(std::string_view path) {
  std::string out;
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = path.find('/', start);
    out += uri_encode(path.substr(start, slash - start));
    if (slash == std::string_view::npos) return out;
    out += '/';
    start = slash + 1;
  }
}

std::string canonical_query(const Params& params) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (const auto& [name, value] : params) encoded.emplace_back(uri_encode(name), uri_encode(value));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) out += (out.empty() ? "" : "&") + name + "=" + value;
  return out;
}

std::string uri_decode(std::string_view text) {
  auto value = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && value(text[i + 1]) >= 0 && value(text[i + 2]) >= 0) {
      out += static_cast<char>(value(text[i + 1]) * 16 + value(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string random_hex(std::size_t n) {
  std::string bytes(n, '\0');
  if (RAND_bytes(reinterpret_cast<unsigned char*>(bytes.data()), static_cast<int>(n)) != 1) {
    throw std::runtime_error("OpenSSL RAND_bytes failed");
  }
  return hex(bytes);
}

std::string http_date(Clock::time_point t) {
  std::tm tm = utc(t);
  char out[80];
  std::snprintf(out, sizeof out, "%s, %02d %s %04d %02d:%02d:%02d GMT", kDays[tm.tm_wday], tm.tm_mday,
                kMonths[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
  return out;
}

// Numeric strftime conversions do not depend on the locale (day and month names would).
static std::string numeric_utc(Clock::time_point t, const char* format) {
  const std::tm tm = utc(t);
  char out[64];
  return std::string(out, std::strftime(out, sizeof out, format, &tm));
}

std::string iso8601(Clock::time_point t) { return numeric_utc(t, "%Y-%m-%dT%H:%M:%SZ"); }

std::string iso8601_basic(Clock::time_point t) { return numeric_utc(t, "%Y%m%dT%H%M%SZ"); }

bool parse_http_date(std::string_view text, Clock::time_point& out) {
  char day[4]{}, month[4]{};
  int mday = 0, year = 0, hour = 0, minute = 0, second = 0, consumed = 0;
  std::string copy(text);
  if (std::sscanf(copy.c_str(), "%3s, %d %3s %d %d:%d:%d GMT%n", day, &mday, month, &year, &hour, &minute, &second,
                  &consumed) != 7 ||
      static_cast<std::size_t>(consumed) != copy.size()) {
    return false;
  }
  std::tm tm{};
  tm.tm_mon = -1;
  for (int i = 0; i < 12; ++i) {
    if (std::string_view(kMonths[i]) == month) tm.tm_mon = i;
  }
  if (tm.tm_mon < 0 || mday < 1 || mday > 31 || hour > 23 || minute > 59 || second > 60) return false;
  tm.tm_mday = mday, tm.tm_year = year - 1900, tm.tm_hour = hour, tm.tm_min = minute, tm.tm_sec = second;
  out = Clock::from_time_t(timegm(&tm));
  return true;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace idb::connectors::signing
