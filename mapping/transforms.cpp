#include "mapping/transforms.h"

#include <algorithm>
#include <regex>

#include <openssl/evp.h>

#include "mapping/date.h"
#include "mapping/phone.h"
#include "mapping/utf8.h"
#include "scim/ascii.h"

namespace idb::mapping {
namespace {

// A step applied to each value on its own. `f` rewrites the value in place and
// returns an error message or nullopt; values left empty are dropped.
template <typename F>
std::function<std::optional<std::string>(Values&)> each(F f) {
  return [f = std::move(f)](Values& values) -> std::optional<std::string> {
    for (auto& v : values) {
      if (auto error = f(v)) return error;
    }
    std::erase_if(values, [](const std::string& v) { return v.empty(); });
    return std::nullopt;
  };
}

std::string quoted(const std::string& s) { return "'" + s + "'"; }

// Shrinks `v` to `part`, a view into it, without a new allocation.
void keep_only(std::string& v, std::string_view part) {
  const size_t begin = static_cast<size_t>(part.data() - v.data());
  v.erase(begin + part.size());
  v.erase(0, begin);
}

bool ascii(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

}  // namespace

std::optional<std::string> run_all(const std::vector<Transform>& steps, Values& values, bool secret) {
  for (const auto& step : steps) {
    if (auto error = step.run(values)) {
      if (secret) {
        return "transform '" + std::string(transform_name(step.text)) + "' failed on the value (a secret, not shown)";
      }
      return "transform '" + step.text + "': " + *error;
    }
  }
  return std::nullopt;
}

std::string_view transform_name(std::string_view text) { return text.substr(0, text.find(' ')); }

Transform lower() {
  return {"lower", each([](std::string& v) -> std::optional<std::string> {
            utf8::ascii_lower(v);
            return std::nullopt;
          }),
          std::nullopt};
}

Transform upper() {
  return {"upper", each([](std::string& v) -> std::optional<std::string> {
            utf8::ascii_upper(v);
            return std::nullopt;
          }),
          std::nullopt};
}

Transform trim() {
  return {"trim", each([](std::string& v) -> std::optional<std::string> {
            keep_only(v, utf8::trim(v));
            return std::nullopt;
          }),
          std::nullopt};
}

Transform sha256() {
  return {"sha256", each([](std::string& v) -> std::optional<std::string> {
            unsigned char digest[EVP_MAX_MD_SIZE];
            unsigned int size = 0;
            if (EVP_Digest(v.data(), v.size(), digest, &size, EVP_sha256(), nullptr) != 1) return "OpenSSL SHA-256 failed";
            static constexpr char kHex[] = "0123456789abcdef";
            v.clear();
            for (unsigned i = 0; i < size; ++i) (v += kHex[digest[i] >> 4]) += kHex[digest[i] & 15];
            return std::nullopt;
          }),
          std::nullopt};
}

Made replace(const std::string& pattern, const std::string& with) {
  // Matching runs on code points (UTF-32), so '.', classes and lengths see whole characters.
  std::shared_ptr<const std::wregex> re;
  try {
    re = std::make_shared<const std::wregex>(utf8::widen(pattern), std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    return "invalid regular expression " + quoted(pattern) + ": " + e.what();
  }
  // Most values and patterns are ASCII, where bytes are code points and a byte regex
  // matches exactly as the wide one does, without widening and narrowing each value;
  // libstdc++ also caches a byte class's answers, where it asks the wide locale per
  // character (most of the cost of `\D` on an employee number). \u and \x escapes
  // can name code points a byte cannot hold, so such patterns keep the wide form only.
  std::shared_ptr<const std::regex> narrow;
  if (ascii(pattern) && pattern.find("\\u") == std::string::npos && pattern.find("\\x") == std::string::npos) {
    try {
      narrow = std::make_shared<const std::regex>(pattern, std::regex::ECMAScript);
    } catch (const std::regex_error&) {
      // The wide form compiled, so it alone serves.
    }
  }
  return Transform{"replace " + quoted(pattern) + " with " + quoted(with),
                   each([re, narrow, with, wide_with = utf8::widen(with)](std::string& v) -> std::optional<std::string> {
                     // libstdc++'s regex recurses per character: a long enough value overflows the stack.
                     constexpr size_t kMaxLength = 2048;
                     if (const size_t n = utf8::length(v); n > kMaxLength) {
                       return "the value is " + std::to_string(n) + " characters long; replace handles at most " +
                              std::to_string(kMaxLength);
                     }
                     if (narrow && ascii(v)) {
                       v = std::regex_replace(v, *narrow, with);
                     } else {
                       v = utf8::narrow(std::regex_replace(utf8::widen(v), *re, wide_with));
                     }
                     return std::nullopt;
                   }),
                   std::nullopt};
}

Transform split(const std::string& separator) {
  return {"split " + quoted(separator),
          [separator](Values& values) -> std::optional<std::string> {
            Values out;
            for (const auto& v : values) {
              size_t start = 0;
              while (true) {
                const size_t at = v.find(separator, start);
                std::string part = v.substr(start, at == std::string::npos ? std::string::npos : at - start);
                if (!part.empty()) out.push_back(std::move(part));
                if (at == std::string::npos) break;
                start = at + separator.size();
              }
            }
            values = std::move(out);
            return std::nullopt;
          },
          std::nullopt, Transform::Count::may_grow};
}

Transform join(const std::string& separator) {
  return {"join " + quoted(separator),
          [separator](Values& values) -> std::optional<std::string> {
            if (values.size() < 2) return std::nullopt;
            std::string out = values[0];
            for (size_t i = 1; i < values.size(); ++i) (out += separator) += values[i];
            values = {std::move(out)};
            return std::nullopt;
          },
          std::nullopt, Transform::Count::at_most_one};
}

Transform substring(size_t start, size_t length) {
  return {"substring " + std::to_string(start) + ", " + std::to_string(length),
          each([start, length](std::string& v) -> std::optional<std::string> {
            keep_only(v, utf8::substr(v, start, length));
            return std::nullopt;
          }),
          std::nullopt};
}

Transform truncate(size_t max) {
  return {"truncate " + std::to_string(max), each([max](std::string& v) -> std::optional<std::string> {
            keep_only(v, utf8::substr(v, 0, max));
            return std::nullopt;
          }),
          std::nullopt};
}

Transform default_value(const std::string& value) {
  return {"default " + quoted(value),
          [value](Values& values) -> std::optional<std::string> {
            if (values.empty()) values.push_back(value);
            return std::nullopt;
          },
          std::nullopt};
}

Transform lookup(std::map<std::string, std::string> table, std::optional<std::string> fallback, Missing missing) {
  std::optional<Values> outputs;
  if (fallback || missing != Missing::keep) {
    outputs.emplace();
    for (const auto& [key, value] : table) outputs->push_back(value);
    if (fallback) outputs->push_back(*fallback);
  }
  auto shared = std::make_shared<const std::map<std::string, std::string>>(std::move(table));
  return {"lookup",
          [shared, fallback, missing](Values& values) -> std::optional<std::string> {
            Values out;
            for (auto& v : values) {
              if (auto it = shared->find(v); it != shared->end()) {
                out.push_back(it->second);
              } else if (fallback) {
                out.push_back(*fallback);
              } else if (missing == Missing::keep) {
                out.push_back(std::move(v));
              } else if (missing == Missing::error) {
                return quoted(v) + " is not in the table (give a 'default' or set 'missing: keep' or 'missing: drop')";
              }
            }
            std::erase_if(out, [](const std::string& v) { return v.empty(); });
            values = std::move(out);
            return std::nullopt;
          },
          std::move(outputs)};
}

Made date_format(const std::string& from, const std::string& to) {
  for (const auto* f : {&from, &to}) {
    if (auto error = date::check(*f)) return *error;
  }
  return Transform{"date " + quoted(from) + " -> " + quoted(to),
                   each([from = date::Format{from}, to = date::Format{to}](std::string& v) -> std::optional<std::string> {
                     auto out = date::convert(v, from, to);
                     if (auto* e = std::get_if<date::Error>(&out)) return e->message;
                     v = std::get<std::string>(std::move(out));
                     return std::nullopt;
                   }),
                   std::nullopt};
}

Made phone_e164(const std::string& default_region) {
  const phone::Region* region = phone::find_region(default_region);
  if (!region) {
    return "unknown phone region " + quoted(default_region) + " (known: " + phone::supported_regions() + ")";
  }
  return Transform{"phone " + std::string(region->iso), each([region](std::string& v) -> std::optional<std::string> {
                     auto out = phone::to_e164(v, *region);
                     if (auto* e = std::get_if<phone::Error>(&out)) return e->message;
                     v = std::get<std::string>(std::move(out));
                     return std::nullopt;
                   }),
                   std::nullopt};
}

Transform boolean(const std::string& if_true, const std::string& if_false) {
  return {"boolean " + quoted(if_true) + "/" + quoted(if_false),
          each([if_true, if_false](std::string& v) -> std::optional<std::string> {
            if (scim::iequals(v, "true")) v = if_true;
            else if (scim::iequals(v, "false")) v = if_false;
            else return quoted(v) + " is not a boolean (true or false)";
            return std::nullopt;
          }),
          Values{if_true, if_false}};
}

}  // namespace idb::mapping
