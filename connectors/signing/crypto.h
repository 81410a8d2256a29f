#pragma once
// The primitives every cloud signer is built from: digests, HMACs and the
// encodings their outputs travel in. Pure functions over bytes (OpenSSL libcrypto).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "connectors/signing/text.h"

namespace idb::connectors::signing {

// Raw digest bytes; pass them through hex() or base64() for the wire.
std::string sha256(std::string_view data);
std::string hmac_sha1(std::string_view key, std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);

std::string hex(std::string_view bytes);  // lower-case
std::string base64(std::string_view bytes);
// Standard or URL-safe alphabet, padding optional; nullopt when malformed.
std::optional<std::string> base64_decode(std::string_view text);

// RFC 3986 percent-encoding: only A-Z a-z 0-9 - _ . ~ stay raw; upper-case hex digits.
std::string uri_encode(std::string_view text);
// Each '/'-separated segment of a path encoded as above, the slashes kept.
std::string uri_encode_path(std::string_view path);
// The inverse; '+' stays '+'. A malformed escape is kept as it is.
std::string uri_decode(std::string_view text);

// Parameters RFC 3986-encoded, sorted by encoded name then value, "name=value" joined by '&'.
std::string canonical_query(const Params& params);

// `n` random bytes as 2n lower-case hex digits, for signature nonces.
std::string random_hex(std::size_t n);

using Clock = std::chrono::system_clock;
// "Sun, 22 Nov 2026 13:44:32 GMT" (RFC 1123, English names whatever the locale).
std::string http_date(Clock::time_point t);
// "2026-11-22T13:44:12Z" (Alibaba x-acs-date).
std::string iso8601(Clock::time_point t);
// "20261122T134500Z" (Huawei X-Sdk-Date).
std::string iso8601_basic(Clock::time_point t);
// Parses an RFC 1123 date as written by http_date(); nullopt-like: false when malformed.
bool parse_http_date(std::string_view text, Clock::time_point& out);

// Compares without leaking the position of the first difference through timing.
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace idb::connectors::signing
