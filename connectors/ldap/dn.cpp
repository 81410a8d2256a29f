#include "connectors/ldap/dn.h"

#include <ldap.h>

#include <algorithm>
#include <cctype>

#include "connectors/ldap/errors.h"

namespace idb::connectors::ldap {
namespace {

bool is_special(char c) {
  return std::string_view(",+\"\\<>;=").find(c) != std::string_view::npos;
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// ASCII only, whatever the process's locale: a DN's normal form may not
// depend on it (and a call into libc per character cost a tenth of reading
// 100k entries).
std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string join(const Rdn& rdn, bool normalized) {
  std::vector<std::string> parts;
  for (const Ava& ava : rdn) {
    parts.push_back(normalized ? lower(ava.type) + "=" + escape_value(lower(ava.value))
                               : ava.type + "=" + escape_value(ava.value));
  }
  // The order of AVAs in an RDN carries no meaning, so equal RDNs must agree on one.
  if (normalized) std::sort(parts.begin(), parts.end());
  std::string out;
  for (const std::string& part : parts) out += (out.empty() ? "" : "+") + part;
  return out;
}

std::string join(const Dn& dn, bool normalized) {
  std::string out;
  for (const Rdn& rdn : dn.rdns) out += (out.empty() ? "" : ",") + join(rdn, normalized);
  return out;
}

// A cursor over the DN text that reports errors with their offset.
class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  Result<Dn> dn() {
    Dn dn;
    skip_blanks();
    if (at_end()) return dn;
    while (true) {
      Rdn rdn;
      while (true) {
        auto ava = this->ava();
        if (!ava) return ava.failure();
        rdn.push_back(std::move(ava.value()));
        if (!eat('+')) break;
      }
      dn.rdns.push_back(std::move(rdn));
      if (at_end()) return dn;
      if (!eat(',')) return error("',' or '+' expected");
    }
  }

 private:
  Result<Ava> ava() {
    skip_blanks();
    Ava ava;
    std::size_t start = pos_;
    if (!at_end() && std::isalpha(static_cast<unsigned char>(peek()))) {
      while (!at_end() && (std::isalnum(static_cast<unsigned char>(peek())) || peek() == '-')) ++pos_;
    } else {
      while (!at_end() && (std::isdigit(static_cast<unsigned char>(peek())) || peek() == '.')) ++pos_;
    }
    if (pos_ == start) return error("attribute type expected");
    ava.type = std::string(text_.substr(start, pos_ - start));
    skip_blanks();
    if (!eat('=')) return error("'=' expected");
    skip_blanks();
    if (!at_end() && peek() == '#') return error("hex-string values are not supported");
    auto value = this->value();
    if (!value) return value.failure();
    ava.value = std::move(value.value());
    if (ava.value.empty()) return error("empty value");
    return ava;
  }

  Result<std::string> value() {
    std::string value;
    std::size_t significant = 0;  // length without unescaped trailing blanks
    while (!at_end() && peek() != ',' && peek() != '+') {
      char c = text_[pos_++];
      if (c == '\\') {
        if (at_end()) return error("escape at the end");
        char next = text_[pos_++];
        if (is_special(next) || next == ' ' || next == '#') {
          value += next;
        } else {
          int hi = hex_digit(next), lo = at_end() ? -1 : hex_digit(peek());
          if (hi < 0 || lo < 0) return error("'\\' must precede a special character or two hex digits");
          ++pos_;
          value += static_cast<char>(hi * 16 + lo);
        }
        significant = value.size();
      } else if (c == '"' || c == ';' || c == '<' || c == '>' || c == '\0') {
        --pos_;
        return error("this character must be escaped");
      } else {
        value += c;
        if (c != ' ') significant = value.size();
      }
    }
    value.resize(significant);
    return value;
  }

  bool at_end() const { return pos_ >= text_.size(); }
  char peek() const { return text_[pos_]; }
  void skip_blanks() {
    while (!at_end() && peek() == ' ') ++pos_;
  }
  bool eat(char c) {
    skip_blanks();
    if (at_end() || peek() != c) return false;
    ++pos_;
    return true;
  }
  Failure error(std::string_view reason) const {
    return to_failure(LDAP_INVALID_DN_SYNTAX,
                      "parse DN \"" + std::string(text_) + "\" at offset " + std::to_string(pos_) + ": " +
                          std::string(reason));
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

}  // namespace

std::string escape_value(std::string_view value) {
  std::string out;
  out.reserve(value.size());
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    bool edge = (i == 0 && (c == '#' || c == ' ')) || (i + 1 == value.size() && c == ' ');
    if (c == '\0') {
      out += "\\00";
    } else if (is_special(c) || edge) {
      out += '\\';
      out += c;
    } else {
      out += c;
    }
  }
  return out;
}

std::string str(const Rdn& rdn) { return join(rdn, false); }

Dn Dn::parent() const {
  Dn up;
  if (!rdns.empty()) up.rdns.assign(rdns.begin() + 1, rdns.end());
  return up;
}

std::string Dn::str() const { return join(*this, false); }

Result<Dn> parse_dn(std::string_view text) { return Parser(text).dn(); }

std::string normalize(const Dn& dn) { return join(dn, true); }

std::optional<std::string> plain_normalized(std::string_view text) {
  const auto alpha = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  const auto digit = [](char c) { return c >= '0' && c <= '9'; };
  const auto plain = [&](char c) { return alpha(c) || digit(c) || c == '.' || c == '-' || c == '_' || c == '@'; };
  std::size_t i = 0;
  const std::size_t n = text.size();
  if (n == 0) return std::nullopt;
  while (true) {
    // The type, as the parser reads one: a name, or a numeric OID.
    const std::size_t type = i;
    if (i < n && alpha(text[i])) {
      while (i < n && (alpha(text[i]) || digit(text[i]) || text[i] == '-')) ++i;
    } else {
      while (i < n && (digit(text[i]) || text[i] == '.')) ++i;
    }
    if (i == type || i == n || text[i] != '=') return std::nullopt;
    const std::size_t value = ++i;
    while (i < n && plain(text[i])) ++i;
    if (i == value) return std::nullopt;
    if (i == n) break;
    if (text[i] != ',') return std::nullopt;
    ++i;
  }
  return lower(text);
}

bool within(const Dn& dn, const Dn& base) {
  if (dn.rdns.size() < base.rdns.size()) return false;
  auto offset = dn.rdns.size() - base.rdns.size();
  for (std::size_t i = 0; i < base.rdns.size(); ++i) {
    if (join(dn.rdns[offset + i], true) != join(base.rdns[i], true)) return false;
  }
  return true;
}

std::string moved_below(const std::string& dn, const std::string& parent) {
  const auto parsed = parse_dn(dn);
  if (!parsed || parsed.value().empty()) return dn;
  return str(parsed.value().rdns.front()) + "," + parent;
}

}  // namespace idb::connectors::ldap
