#include "config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <chrono>
#include <concepts>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <string_view>
#include <type_traits>
#include <utility>

#include "config/files.h"
#include "config/references.h"

namespace idb::config {

namespace {

namespace fs = std::filesystem;
using Message = std::optional<std::string>;

std::string quote(std::string_view key) { return "'" + std::string(key) + "'"; }

std::string join(const std::vector<std::string>& items, std::string_view separator) {
  std::string out;
  for (const std::string& item : items) out += (out.empty() ? "" : std::string(separator)) + item;
  return out;
}

std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// " (did you mean 'tokens'?)" when a known key is a likely typo of `key`.
std::string suggestion(std::string_view key, const std::vector<std::string_view>& known) {
  std::string_view best;
  std::size_t best_distance = std::max<std::size_t>(2, key.size() / 3) + 1;
  for (std::string_view candidate : known) {
    std::size_t distance = edit_distance(key, candidate);
    if (distance < best_distance) best = candidate, best_distance = distance;
  }
  return best.empty() ? "" : " (did you mean " + quote(best) + "?)";
}

// State shared by everything that reads one config file.
struct Walker {
  std::string file;
  fs::path dir;
  Resolver resolve;
  std::vector<diag::Diagnostic> errors;
  std::map<std::string, diag::Location> target_names;
  std::map<std::string, diag::Location> scim_urns{};  // lower-cased
  std::map<std::string, diag::Location> source_names{};

  diag::Location at(const YAML::Mark& mark) const { return {file, mark.line + 1, mark.column + 1}; }
  diag::Location at(const YAML::Node& node) const { return at(node.Mark()); }
  void error(const diag::Location& where, std::string message) { errors.push_back({where, std::move(message)}); }
  void error(const YAML::Node& node, std::string message) { error(at(node), std::move(message)); }
};

// Per-field validation run after conversion: the error message, or nothing.
template <class T>
using Check = std::function<Message(std::string_view key, const T& value)>;

enum class Need { optional, required };

// ---- conversion of one YAML value into one C++ type; false after reporting why not

bool convert(Walker& w, const YAML::Node& node, std::string_view key, std::string& out) {
  if (!node.IsScalar()) {
    w.error(node, quote(key) + " must be a string");
    return false;
  }
  TextOrError expanded = expand(node.Scalar(), w.resolve);
  if (expanded.error) {
    w.error(node, *expanded.error);
    return false;
  }
  out = std::move(expanded.text);
  return true;
}

template <std::integral I>
bool convert(Walker& w, const YAML::Node& node, std::string_view key, I& out) {
  // A quoted "10" is a string in YAML; accepting it would hide a typo'd type.
  std::string text = node.IsScalar() && node.Tag() != "!" ? node.Scalar() : "";
  auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (problem == std::errc::result_out_of_range) {
    w.error(node, quote(key) + " is out of range");
    return false;
  }
  if (text.empty() || problem != std::errc() || end != text.data() + text.size()) {
    w.error(node, quote(key) + " must be an integer");
    return false;
  }
  return true;
}

bool convert(Walker& w, const YAML::Node& node, std::string_view key, bool& out) {
  // Only YAML's plain true/false: "yes", "on" or a quoted "true" are more likely mistakes.
  const std::string text = node.IsScalar() && node.Tag() != "!" ? node.Scalar() : "";
  if (text != "true" && text != "false") {
    w.error(node, quote(key) + " must be true or false");
    return false;
  }
  out = text == "true";
  return true;
}

bool convert(Walker& w, const YAML::Node& node, std::string_view key, fs::path& out) {
  std::string text;
  if (!convert(w, node, key, text)) return false;
  out = resolve_path(w.dir, text);
  return true;
}

bool convert(Walker& w, const YAML::Node& node, std::string_view key, Secret& out) {
  if (!node.IsScalar() || !is_single_reference(node.Scalar())) {
    w.error(node, quote(key) + " must be a secret reference like ${env:NAME} or ${file:/path}, not an inline value");
    return false;
  }
  out.reference = node.Scalar();
  if (!convert(w, node, key, out.value)) return false;
  if (out.value.empty()) {
    w.error(node, quote(key) + " is empty (" + out.reference + ")");
    return false;
  }
  return true;
}

bool convert(Walker& w, const YAML::Node& node, std::string_view key, Target& out);
bool convert(Walker& w, const YAML::Node& node, std::string_view key, ScimAttribute& out);
bool convert(Walker& w, const YAML::Node& node, std::string_view key, ScimExtension& out);
bool convert(Walker& w, const YAML::Node& node, std::string_view key, ScimSource& out);

template <class T>
bool convert(Walker& w, const YAML::Node& node, std::string_view key, std::vector<T>& out) {
  if (!node.IsSequence()) {
    w.error(node, quote(key) + " must be a list");
    return false;
  }
  bool ok = true;
  for (std::size_t i = 0; i < node.size(); ++i) {
    T item{};
    // Converting every item, not stopping at a bad one, reports all errors at once.
    if (convert(w, node[i], std::string(key) + "[" + std::to_string(i) + "]", item)) {
      out.push_back(std::move(item));
    } else {
      ok = false;
    }
  }
  return ok;
}

// ---- one YAML mapping of the config, with its known keys

class Section {
 public:
  // `where` names the mapping in messages: "'scim'", "target 'ldap'", or "" at the top.
  Section(Walker& w, const YAML::Node& node, std::string where, std::vector<std::string_view> known)
      : w_(w), mark_(node.Mark()), where_(std::move(where)), in_(where_.empty() ? "" : " in " + where_) {
    for (const auto& entry : node) {
      const YAML::Node& key = entry.first;
      if (!key.IsScalar()) {
        w_.error(key, "keys must be strings" + in_);
        continue;
      }
      const std::string& name = key.Scalar();
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        w_.error(key, "unknown key " + quote(name) + in_ + suggestion(name, known));
      } else if (auto first = entries_.find(name); first != entries_.end()) {
        w_.error(key, "duplicate key " + quote(name) + in_ + " (first at line " +
                          std::to_string(w_.at(first->second.first).line) + ")");
      } else {
        entries_.emplace(name, std::pair{key, entry.second});
      }
    }
  }

  // Reads `key` into `out` when it is written and valid; returns where its value is.
  template <class T>
  std::optional<diag::Location> field(std::string_view key, T& out, Need need = Need::optional,
                                      const std::type_identity_t<Check<T>>& check = {}) {
    std::optional<YAML::Node> value = find(key, need);
    if (!value) return std::nullopt;
    T parsed{};
    if (!convert(w_, *value, key, parsed)) return std::nullopt;
    if (Message problem = check ? check(key, parsed) : std::nullopt) {
      w_.error(*value, std::move(*problem));
      return std::nullopt;
    }
    out = std::move(parsed);
    return w_.at(*value);
  }

  // A problem that involves several keys of this mapping, reported at `where`.
  void error(const diag::Location& where, std::string message) { w_.error(where, std::move(message)); }

  // The mapping under `key`, checked against its own known keys.
  std::optional<Section> section(std::string_view key, Need need, std::vector<std::string_view> known) {
    std::optional<YAML::Node> value = find(key, need);
    if (!value) return std::nullopt;
    if (!value->IsMap()) {
      w_.error(*value, quote(key) + " must be a mapping");
      return std::nullopt;
    }
    return Section(w_, *value, quote(key) + (where_.empty() ? "" : " of " + where_), std::move(known));
  }

 private:
  // The value of `key`; an empty value (`log:`) counts as not written at all.
  std::optional<YAML::Node> find(std::string_view key, Need need) {
    auto entry = entries_.find(std::string(key));
    bool written = entry != entries_.end() && !entry->second.second.IsNull();
    if (written) return entry->second.second;
    if (need == Need::required) {
      if (entry == entries_.end()) {
        w_.error(w_.at(mark_), "missing required key " + quote(key) + in_);
      } else {
        w_.error(entry->second.first, "missing value for required key " + quote(key) + in_);
      }
    }
    return std::nullopt;
  }

  Walker& w_;
  YAML::Mark mark_;
  std::string where_;
  std::string in_;  // " in " + where_, to end messages
  std::map<std::string, std::pair<YAML::Node, YAML::Node>> entries_;
};

// ---- checks

const auto positive = [](std::string_view key, auto value) -> Message {
  if (value > 0) return std::nullopt;
  return quote(key) + " must be a positive integer";
};

const auto non_negative = [](std::string_view key, auto value) -> Message {
  if (value >= 0) return std::nullopt;
  return quote(key) + " must not be negative";
};

const auto not_empty = [](std::string_view key, const auto& value) -> Message {
  if (!value.empty()) return std::nullopt;
  return quote(key) + " must not be empty";
};

Check<std::string> one_of(std::vector<std::string> allowed) {
  return [allowed = std::move(allowed)](std::string_view key, const std::string& value) -> Message {
    if (std::find(allowed.begin(), allowed.end(), value) != allowed.end()) return std::nullopt;
    return quote(key) + " must be one of " + join(allowed, ", ");
  };
}

Message listen_address(std::string_view key, const std::string& value) {
  std::size_t colon = value.rfind(':');
  std::string_view host = std::string_view(value).substr(0, colon == std::string::npos ? 0 : colon);
  std::string_view port = colon == std::string::npos ? "" : std::string_view(value).substr(colon + 1);
  bool bracketed = host.size() > 2 && host.front() == '[' && host.back() == ']';
  bool host_ok = bracketed || (!host.empty() && host.find_first_of(":[]") == std::string_view::npos);
  unsigned number = 0;
  auto [end, problem] = std::from_chars(port.data(), port.data() + port.size(), number);
  // Port 0 asks the kernel for a free port, which tests rely on.
  bool port_ok = !port.empty() && problem == std::errc() && end == port.data() + port.size() && number <= 65535;
  if (host_ok && port_ok) return std::nullopt;
  return quote(key) + " must be HOST:PORT (IPv6 as [::1]:8080)";
}

Message ldap_url(std::string_view key, const std::string& value) {
  if (value.starts_with("ldap://") || value.starts_with("ldaps://")) return std::nullopt;
  return quote(key) + " must start with ldap:// or ldaps://";
}

// Target names are keys in the mapping file and labels in metrics.
Message target_name(std::string_view key, const std::string& value) {
  auto allowed = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  if (!value.empty() && std::all_of(value.begin(), value.end(), allowed)) return std::nullopt;
  return quote(key) + " must be made of letters, digits, '_' and '-' only";
}

Message target_type(std::string_view, const std::string& value) {
  for (const char* known : {"ldap", "authing", "pds", "eiam", "huawei", "sensecore"}) {
    if (value == known) return std::nullopt;
  }
  return "unknown target type " + quote(value) + " (known: ldap, authing, pds, eiam, huawei, sensecore)";
}

// scheme://host[:port] and nothing more: API paths are the connector's business.
Message base_url(std::string_view key, const std::string& value) {
  const auto sep = value.find("://");
  const std::string scheme = sep == std::string::npos ? "" : value.substr(0, sep);
  std::string rest = sep == std::string::npos ? "" : value.substr(sep + 3);
  if (!rest.empty() && rest.back() == '/') rest.pop_back();
  if ((scheme == "https" || scheme == "http") && !rest.empty() && rest.find_first_of("/?#@ ") == std::string::npos) {
    return std::nullopt;
  }
  return quote(key) + " must be https://HOST[:PORT] (http:// only for local servers), with no path";
}

// PDS domain IDs and EIAM regions are host labels: they become part of the endpoint's name.
Message host_label(std::string_view key, const std::string& value) {
  auto allowed = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '-'; };
  if (!value.empty() && std::all_of(value.begin(), value.end(), allowed)) return std::nullopt;
  return quote(key) + " must be made of letters, digits and '-' only";
}

Message readable_file(std::string_view key, const fs::path& path) {
  // Reading the whole file is the one test of readability that holds for
  // directories, permissions and root alike; mapping files are small.
  TextOrError content = read_file(path);
  if (!content.error) return std::nullopt;
  return "cannot read " + quote(key) + " file '" + path.string() + "': " + *content.error;
}

// RFC 7643 §2.1: ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA.
Message scim_attribute_name(std::string_view key, const std::string& value) {
  auto allowed = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '-'; };
  if (!value.empty() && std::isalpha(static_cast<unsigned char>(value[0])) && std::all_of(value.begin(), value.end(), allowed)) {
    return std::nullopt;
  }
  return quote(key) + " must start with a letter and hold only letters, digits, '_' and '-' (RFC 7643 §2.1)";
}

Message extension_urn(std::string_view key, const std::string& value) {
  std::string lowered = value;
  for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const bool shaped = lowered.starts_with("urn:") && lowered.find(':', 4) != std::string::npos && lowered.back() != ':' &&
                     lowered.find("::") == std::string::npos;
  if (!shaped || value.find_first_of(" \t\"/?#") != std::string::npos) {
    return quote(key) + " must be a URN such as urn:example:params:scim:schemas:extension:acme:2.0:User";
  }
  for (const char* builtin : {"urn:ietf:params:scim:schemas:core:2.0:user", "urn:ietf:params:scim:schemas:core:2.0:group",
                              "urn:ietf:params:scim:schemas:extension:enterprise:2.0:user"}) {
    if (lowered == builtin) return quote(key) + " names a schema idbridge already serves";
  }
  return std::nullopt;
}

// Attribute names are case-insensitive in SCIM (RFC 7643 §2.1).
void check_unique_names(Section& s, const diag::Location& where, const std::vector<ScimAttribute>& attributes,
                        std::string_view what) {
  std::set<std::string> seen;
  for (const auto& a : attributes) {
    std::string lowered = a.name;
    for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (!seen.insert(lowered).second) s.error(where, std::string(what) + " declares '" + a.name + "' twice");
  }
}

bool convert(Walker& w, const YAML::Node& node, std::string_view key, ScimAttribute& out) {
  if (!node.IsMap()) {
    w.error(node, quote(key) + " must be a mapping");
    return false;
  }
  const std::size_t errors_before = w.errors.size();
  Section s(w, node, quote(key),
            {"name", "type", "multi_valued", "required", "case_exact", "mutability", "returned", "description",
             "canonical_values", "sub_attributes"});
  s.field("name", out.name, Need::required, scim_attribute_name);
  s.field("type", out.type, Need::optional,
          one_of({"string", "boolean", "decimal", "integer", "dateTime", "reference", "complex"}));
  s.field("multi_valued", out.multi_valued);
  s.field("required", out.required);
  s.field("case_exact", out.case_exact);
  s.field("mutability", out.mutability, Need::optional, one_of({"readOnly", "readWrite", "immutable", "writeOnly"}));
  s.field("returned", out.returned, Need::optional, one_of({"always", "never", "default", "request"}));
  s.field("description", out.description);
  s.field("canonical_values", out.canonical_values);
  const auto subs_at = s.field("sub_attributes", out.sub_attributes);
  if (w.errors.size() != errors_before) return false;
  if (out.type == "complex") {
    if (out.sub_attributes.empty()) s.error(w.at(node), quote(key) + ": a complex attribute needs 'sub_attributes'");
    for (const auto& sub : out.sub_attributes) {
      if (sub.type == "complex") s.error(*subs_at, quote(key) + ": sub-attribute '" + sub.name + "' cannot be complex (RFC 7643 §2.3.8)");
    }
    if (subs_at) check_unique_names(s, *subs_at, out.sub_attributes, quote(key));
  } else if (subs_at) {
    s.error(*subs_at, quote(key) + ": 'sub_attributes' are only for type complex");
  }
  if (!out.canonical_values.empty() && out.type != "string" && out.type != "reference") {
    s.error(w.at(node), quote(key) + ": 'canonical_values' are only for string attributes");
  }
  return w.errors.size() == errors_before;
}

bool convert(Walker& w, const YAML::Node& node, std::string_view key, ScimExtension& out) {
  if (!node.IsMap()) {
    w.error(node, quote(key) + " must be a mapping");
    return false;
  }
  const std::size_t errors_before = w.errors.size();
  out.location = w.at(node);
  Section s(w, node, quote(key), {"urn", "name", "description", "resource_type", "required", "attributes"});
  if (auto at = s.field("urn", out.urn, Need::required, extension_urn)) {
    std::string lowered = out.urn;
    for (auto& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (auto [first, fresh] = w.scim_urns.emplace(lowered, *at); !fresh) {
      w.error(*at, "extension " + quote(out.urn) + " is declared twice (first at line " + std::to_string(first->second.line) + ")");
    }
  }
  s.field("name", out.name);
  s.field("description", out.description);
  s.field("resource_type", out.resource_type, Need::optional, one_of({"User", "Group"}));
  s.field("required", out.required);
  if (auto at = s.field("attributes", out.attributes, Need::required, not_empty)) {
    check_unique_names(s, *at, out.attributes, "extension " + quote(out.urn));
  }
  if (out.name.empty()) out.name = out.urn.substr(out.urn.rfind(':') + 1);
  return w.errors.size() == errors_before;
}

// ---- the schema

// A file setting: checked readable, kept as text for libldap.
void file_field(Section& s, std::string_view key, std::string& out, Need need = Need::optional) {
  fs::path path;
  if (s.field(key, path, need, readable_file)) out = path.string();
}

void read_ldap_tuning(Section& s, LdapTarget& ldap) {
  LdapTuning& t = ldap.tuning;
  s.field("window", t.window, Need::optional, positive);
  s.field("connections", t.connections, Need::optional, positive);
  s.field("page_size", t.page_size, Need::optional, positive);
  s.field("record_versions", t.record_versions);
  if (auto r = s.section("reconnect", Need::optional, {"attempts", "initial_ms", "max_ms"})) {
    r->field("attempts", t.reconnect_attempts, Need::optional, non_negative);
    r->field("initial_ms", t.backoff_initial_ms, Need::optional, positive);
    r->field("max_ms", t.backoff_max_ms, Need::optional, positive);
  }
  if (auto tls = s.section("tls", Need::optional, {"ca_file", "start_tls", "client_cert", "client_key"})) {
    file_field(*tls, "ca_file", t.ca_file);
    if (auto at = tls->field("start_tls", t.start_tls) ; at && t.start_tls && ldap.url.starts_with("ldaps://")) {
      s.error(*at, "'start_tls' upgrades an ldap:// connection; " + ldap.url.substr(0, 8) + " is TLS already");
    }
    file_field(*tls, "client_cert", t.client_cert_file);
    file_field(*tls, "client_key", t.client_key_file);
  }
  if (auto at = s.field("sasl_external", t.sasl_external);
      at && t.sasl_external && (t.client_cert_file.empty() || t.client_key_file.empty())) {
    s.error(*at, "'sasl_external' needs 'tls.client_cert' and 'tls.client_key'");
  }
}

void read_ldap(Section& s, LdapTarget& ldap) {
  s.field("url", ldap.url, Need::required, ldap_url);
  read_ldap_tuning(s, ldap);
  // With SASL EXTERNAL the client certificate is the credential.
  const Need credentials = ldap.tuning.sasl_external ? Need::optional : Need::required;
  s.field("bind_dn", ldap.bind_dn, credentials, not_empty);
  s.field("bind_password", ldap.bind_password, credentials);
  s.field("base_dn", ldap.base_dn, Need::required, not_empty);
  s.field("timeout_ms", ldap.timeout_ms, Need::optional, positive);
  if (auto disable = s.section("disable", Need::optional, {"attribute", "value", "move_to"})) {
    const auto attribute = disable->field("attribute", ldap.disable.attribute, Need::optional, not_empty);
    disable->field("value", ldap.disable.value, Need::optional, not_empty);
    // With a move the place is the mark: an attribute is set too only when asked for.
    if (disable->field("move_to", ldap.disable.move_to, Need::optional, not_empty) && !attribute) {
      ldap.disable.attribute.clear();
      ldap.disable.value.clear();
    }
  }
}

const std::vector<std::string_view> kHttpKeys{"base_url", "ca_file", "timeout_ms", "connect_timeout_ms", "rate_limit",
                                              "max_attempts"};

void read_http(Section& s, HttpSettings& http, Need base_url_need) {
  s.field("base_url", http.base_url, base_url_need, base_url);
  s.field("ca_file", http.ca_file, Need::optional, readable_file);
  s.field("timeout_ms", http.timeout_ms, Need::optional, positive);
  s.field("connect_timeout_ms", http.connect_timeout_ms, Need::optional, positive);
  s.field("rate_limit", http.rate_limit, Need::optional, non_negative);
  s.field("max_attempts", http.max_attempts, Need::optional, positive);
}

void read_authing(Section& s, AuthingTarget& a) {
  read_http(s, a.http, Need::optional);
  s.field("auth", a.auth, Need::optional, one_of({"signature", "token"}));
  s.field("access_key_id", a.access_key_id, Need::required, not_empty);
  s.field("access_key_secret", a.access_key_secret, Need::required);
  s.field("key_type", a.key_type, Need::optional, one_of({"external_id", "username", "email", "phone"}));
  s.field("disabled_status", a.disabled_status, Need::optional, one_of({"Suspended", "Deactivated", "Resigned", "Archived"}));
  s.field("conflict_api_codes", a.conflict_api_codes);
}

void read_pds(Section& s, PdsTarget& p) {
  read_http(s, p.http, Need::optional);
  s.field("domain_id", p.domain_id, Need::required, host_label);
  s.field("auth", p.auth, Need::optional, one_of({"signature", "token"}));
  const Need signed_by_key = p.auth == "signature" ? Need::required : Need::optional;
  const Need by_token = p.auth == "token" ? Need::required : Need::optional;
  s.field("access_key_id", p.access_key_id, signed_by_key, not_empty);
  s.field("access_key_secret", p.access_key_secret, signed_by_key);
  s.field("client_id", p.client_id, by_token, not_empty);
  s.field("private_key", p.private_key, by_token);
  if (p.http.base_url.empty() && !p.domain_id.empty()) p.http.base_url = pds_endpoint(p.domain_id);
}

void read_eiam(Section& s, EiamTarget& e) {
  read_http(s, e.http, Need::optional);
  s.field("region", e.region, Need::optional, host_label);
  s.field("instance_id", e.instance_id, Need::required, not_empty);
  s.field("organizational_unit_id", e.organizational_unit_id, Need::required, not_empty);
  s.field("access_key_id", e.access_key_id, Need::required, not_empty);
  s.field("access_key_secret", e.access_key_secret, Need::required);
  if (e.http.base_url.empty()) e.http.base_url = eiam_endpoint(e.region);
}

void read_huawei(Section& s, HuaweiTarget& h) {
  read_http(s, h.http, Need::optional);
  s.field("region", h.region, Need::optional, host_label);
  s.field("project_id", h.project_id, Need::required, host_label);
  s.field("auth", h.auth, Need::optional, one_of({"signature", "token"}));
  const Need signed_by_key = h.auth == "signature" ? Need::required : Need::optional;
  const Need by_token = h.auth == "token" ? Need::required : Need::optional;
  s.field("access_key_id", h.access_key_id, signed_by_key, not_empty);
  s.field("access_key_secret", h.access_key_secret, signed_by_key);
  s.field("iam_url", h.iam_url, Need::optional, base_url);
  s.field("iam_domain", h.iam_domain, by_token, not_empty);
  s.field("iam_user", h.iam_user, by_token, not_empty);
  s.field("iam_password", h.iam_password, by_token);
  if (h.http.base_url.empty()) h.http.base_url = huawei_endpoint(h.region);
  if (h.iam_url.empty()) h.iam_url = huawei_iam_endpoint(h.region);
}

void read_sensecore(Section& s, SenseCoreTarget& c) {
  read_http(s, c.http, Need::optional);
  s.field("access_key_id", c.access_key_id, Need::required, not_empty);
  s.field("access_key_secret", c.access_key_secret, Need::required);
  s.field("update_method", c.update_method, Need::optional, one_of({"PATCH", "PUT"}));
  s.field("disabled_field", c.disabled_field, Need::optional,
          one_of({"console_state", "open_api_state", "mfa_state"}));
  s.field("disabled_value", c.disabled_value, Need::optional, not_empty);
  s.field("enabled_value", c.enabled_value, Need::optional, not_empty);
}

// The keys a target of `type` may have; an unknown type gets the LDAP ones (its type is reported).
std::vector<std::string_view> target_keys(const std::string& type) {
  std::vector<std::string_view> keys{"name", "type", "guards", "delete", "leaving_scope"};
  auto add = [&](const std::vector<std::string_view>& more) { keys.insert(keys.end(), more.begin(), more.end()); };
  if (type == "authing") {
    add(kHttpKeys);
    add({"auth", "access_key_id", "access_key_secret", "key_type", "disabled_status", "conflict_api_codes"});
  } else if (type == "pds") {
    add(kHttpKeys);
    add({"domain_id", "auth", "access_key_id", "access_key_secret", "client_id", "private_key"});
  } else if (type == "sensecore") {
    add(kHttpKeys);
    add({"access_key_id", "access_key_secret", "update_method", "disabled_field", "disabled_value", "enabled_value"});
  } else if (type == "huawei") {
    add(kHttpKeys);
    add({"region", "project_id", "auth", "access_key_id", "access_key_secret", "iam_url", "iam_domain", "iam_user",
         "iam_password"});
  } else if (type == "eiam") {
    add(kHttpKeys);
    add({"region", "instance_id", "organizational_unit_id", "access_key_id", "access_key_secret"});
  } else {
    add({"url", "bind_dn", "bind_password", "base_dn", "timeout_ms", "disable", "window", "connections", "page_size",
         "record_versions", "reconnect", "tls", "sasl_external"});
  }
  return keys;
}

// Messages name a target by its name once it has a usable one.
std::string target_label(const YAML::Node& node, std::string_view key) {
  // A missing key gives an invalid node, which throws on any question but this one.
  YAML::Node name = node["name"];
  if (name && name.IsScalar() && !target_name("", name.Scalar())) return "target " + quote(name.Scalar());
  return quote(key);
}

bool convert(Walker& w, const YAML::Node& node, std::string_view key, Target& out) {
  if (!node.IsMap()) {
    w.error(node, quote(key) + " must be a mapping");
    return false;
  }
  std::size_t errors_before = w.errors.size();
  YAML::Node type = node["type"];
  Section s(w, node, target_label(node, key), target_keys(type && type.IsScalar() ? type.Scalar() : ""));
  if (auto at = s.field("name", out.name, Need::required, target_name)) {
    if (auto [first, fresh] = w.target_names.emplace(out.name, *at); !fresh) {
      w.error(*at, "duplicate target name " + quote(out.name) + " (first at line " +
                       std::to_string(first->second.line) + ")");
    }
  }
  s.field("type", out.type, Need::required, target_type);
  if (auto g = s.section("guards", Need::optional,
                         {"max_disables", "max_disable_percent", "max_modifies", "max_modify_percent",
                          "percent_floor"})) {
    g->field("max_disables", out.guards.max_disables, Need::optional, non_negative);
    g->field("max_disable_percent", out.guards.max_disable_percent, Need::optional, non_negative);
    g->field("max_modifies", out.guards.max_modifies, Need::optional, non_negative);
    g->field("max_modify_percent", out.guards.max_modify_percent, Need::optional, non_negative);
    g->field("percent_floor", out.guards.percent_floor, Need::optional, non_negative);
  }
  if (auto d = s.section("delete", Need::optional, {"policy", "grace_days"})) {
    d->field("policy", out.deletion.policy, Need::optional, one_of({"never", "after_delete", "after_disable"}));
    d->field("grace_days", out.deletion.grace_days, Need::optional, non_negative);
  }
  s.field("leaving_scope", out.leaving_scope, Need::optional, one_of({"disable", "keep"}));
  if (out.type == "ldap") read_ldap(s, out.ldap);
  if (out.type == "authing") read_authing(s, out.authing);
  if (out.type == "pds") read_pds(s, out.pds);
  if (out.type == "eiam") read_eiam(s, out.eiam);
  if (out.type == "huawei") read_huawei(s, out.huawei);
  if (out.type == "sensecore") read_sensecore(s, out.sensecore);
  return w.errors.size() == errors_before;
}

// scheme://host[:port] followed by the SCIM base path, if any.
Message scim_url(std::string_view key, const std::string& value) {
  const auto sep = value.find("://");
  const auto slash = sep == std::string::npos ? std::string::npos : value.find('/', sep + 3);
  if (base_url(key, value.substr(0, slash)) || value.find_first_of("?# ") != std::string::npos) {
    return quote(key) + " must be https://HOST[:PORT]/PATH (http:// only for local servers)";
  }
  return std::nullopt;
}

// "90", "90s", "15m", "2h": a duration in seconds.
bool convert(Walker& w, const YAML::Node& node, std::string_view key, std::chrono::seconds& out) {
  std::string text = node.IsScalar() ? node.Scalar() : "";
  int64_t unit = 1;
  if (!text.empty() && std::string_view("smh").find(text.back()) != std::string_view::npos) {
    unit = text.back() == 's' ? 1 : text.back() == 'm' ? 60 : 3600;
    text.pop_back();
  }
  int64_t n = 0;
  auto [end, problem] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (text.empty() || problem != std::errc() || end != text.data() + text.size() || n <= 0 || n > (int64_t{1} << 32)) {
    w.error(node, quote(key) + " must be a positive duration like 300, 90s, 15m or 2h");
    return false;
  }
  out = std::chrono::seconds(n * unit);
  return true;
}

bool convert(Walker& w, const YAML::Node& node, std::string_view key, ScimSource& out) {
  if (!node.IsMap()) {
    w.error(node, quote(key) + " must be a mapping");
    return false;
  }
  const std::size_t errors_before = w.errors.size();
  YAML::Node name = node["name"];
  const std::string label = name && name.IsScalar() && !target_name("", name.Scalar()) ? "source " + quote(name.Scalar())
                                                                                       : quote(key);
  Section s(w, node, label, {"name", "type", "base_url", "auth", "interval", "page_size", "incremental",
                             "deletion_guard", "tls", "timeout_ms"});
  if (auto at = s.field("name", out.name, Need::required, target_name)) {
    if (auto [first, fresh] = w.source_names.emplace(out.name, *at); !fresh) {
      w.error(*at, "duplicate source name " + quote(out.name) + " (first at line " + std::to_string(first->second.line) + ")");
    }
  }
  s.field("type", out.type, Need::required, one_of({"scim"}));
  s.field("base_url", out.base_url, Need::required, scim_url);
  if (auto auth = s.section("auth", Need::required, {"bearer", "oauth2"})) {
    auth->field("bearer", out.bearer);
    if (auto oauth2 = auth->section("oauth2", Need::optional, {"token_url", "client_id", "client_secret", "scope"})) {
      oauth2->field("token_url", out.oauth2.token_url, Need::required, scim_url);
      oauth2->field("client_id", out.oauth2.client_id, Need::required, not_empty);
      oauth2->field("client_secret", out.oauth2.client_secret, Need::required);
      oauth2->field("scope", out.oauth2.scope);
    }
    // Judged on what is written, so a bad value is not also reported as missing.
    const YAML::Node written = node["auth"];
    if (static_cast<bool>(written["bearer"]) == static_cast<bool>(written["oauth2"])) {
      w.error(written, "'auth' of " + label + " needs exactly one of 'bearer' and 'oauth2'");
    }
  }
  std::chrono::seconds interval{out.interval_s};
  if (s.field("interval", interval)) out.interval_s = interval.count();
  s.field("page_size", out.page_size, Need::optional, positive);
  s.field("incremental", out.incremental, Need::optional, one_of({"auto", "always", "never"}));
  if (auto guard = s.section("deletion_guard", Need::optional, {"max_count", "max_percent"})) {
    guard->field("max_count", out.deletion_max_count, Need::optional, non_negative);
    guard->field("max_percent", out.deletion_max_percent, Need::optional, [](std::string_view k, int v) -> Message {
      if (v >= 0 && v <= 100) return std::nullopt;
      return quote(k) + " must be between 0 and 100";
    });
  }
  if (auto tls = s.section("tls", Need::optional, {"ca_file"})) tls->field("ca_file", out.ca_file, Need::optional, readable_file);
  s.field("timeout_ms", out.timeout_ms, Need::optional, positive);
  return w.errors.size() == errors_before;
}

Config read_config(Walker& w, const YAML::Node& root) {
  Config c;
  Section top(w, root, "",
              {"listen", "state_dir", "log", "scim", "mapping", "retry", "full_sync", "audit", "targets", "sources"});
  top.field("listen", c.listen, Need::optional, listen_address);
  top.field("state_dir", c.state_dir);
  if (auto log = top.section("log", Need::optional, {"level", "format"})) {
    log->field("level", c.log_level, Need::optional, one_of({"trace", "debug", "info", "warn", "error"}));
    log->field("format", c.log_format, Need::optional, one_of({"text", "json"}));
  }
  if (auto scim = top.section("scim", Need::required, {"tokens", "max_body_bytes", "bulk", "extensions", "tls"})) {
    scim->field("tokens", c.scim_tokens, Need::required, not_empty);
    scim->field("max_body_bytes", c.scim_max_body_bytes, Need::optional, positive);
    if (auto bulk = scim->section("bulk", Need::optional, {"max_operations", "max_payload_bytes"})) {
      bulk->field("max_operations", c.scim_bulk_max_operations, Need::optional, positive);
      bulk->field("max_payload_bytes", c.scim_bulk_max_payload_bytes, Need::optional, positive);
    }
    scim->field("extensions", c.scim_extensions);
    if (auto tls = scim->section("tls", Need::optional, {"cert_file", "key_file", "client_ca_file"})) {
      file_field(*tls, "cert_file", c.scim_tls_cert_file, Need::required);
      file_field(*tls, "key_file", c.scim_tls_key_file, Need::required);
      file_field(*tls, "client_ca_file", c.scim_tls_client_ca_file);
    }
  }
  if (auto at = top.field("mapping", c.mapping_file, Need::required, readable_file)) {
    c.mapping_location = *at;
  }
  if (auto retry = top.section("retry", Need::optional, {"initial_ms", "max_ms", "max_attempts"})) {
    std::size_t errors_before = w.errors.size();
    retry->field("initial_ms", c.retry.initial_ms, Need::optional, positive);
    auto max_at = retry->field("max_ms", c.retry.max_ms, Need::optional, positive);
    // Compared only when both are valid, so one bad value gives one error.
    if (max_at && w.errors.size() == errors_before && c.retry.max_ms < c.retry.initial_ms) {
      w.error(*max_at, "'max_ms' must be at least 'initial_ms' (" + std::to_string(c.retry.initial_ms) + ")");
    }
    retry->field("max_attempts", c.retry.max_attempts, Need::optional, non_negative);
  }
  if (auto full_sync = top.section("full_sync", Need::optional, {"interval_s"})) {
    full_sync->field("interval_s", c.full_sync_interval_s, Need::optional, non_negative);
  }
  if (auto audit = top.section("audit", Need::optional, {"retention_days"})) {
    audit->field("retention_days", c.audit_retention_days, Need::optional, non_negative);
  }
  top.field("targets", c.targets, Need::required, not_empty);
  top.field("sources", c.sources);
  return c;
}

}  // namespace

std::string pds_endpoint(const std::string& domain_id) { return "https://" + domain_id + ".api.aliyunpds.com"; }

std::string eiam_endpoint(const std::string& region) { return "https://eiam." + region + ".aliyuncs.com"; }

std::string huawei_endpoint(const std::string& region) { return "https://workspace." + region + ".myhuaweicloud.com"; }
std::string huawei_iam_endpoint(const std::string& region) { return "https://iam." + region + ".myhuaweicloud.com"; }

EnvLookup process_env() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value) return std::nullopt;
    return std::string(value);
  };
}

LoadResult load(const fs::path& file, const EnvLookup& env) {
  std::error_code ignored;
  fs::path dir = fs::absolute(file, ignored).parent_path();
  Walker w{file.string(), dir, reference_resolver(env, dir), {}, {}};
  LoadResult result;
  TextOrError text = read_file(file);
  if (text.error) {
    w.error(diag::Location{w.file}, "cannot read: " + *text.error);
    result.errors = std::move(w.errors);
    return result;
  }
  YAML::Node root;
  try {
    root = YAML::Load(text.text);
  } catch (const YAML::Exception& e) {
    w.error(w.at(e.mark), e.msg);
  }
  if (w.errors.empty() && root.IsNull()) w.error(diag::Location{w.file}, "the config file is empty");
  if (w.errors.empty() && !root.IsMap()) w.error(root, "the config file must be a mapping of keys to values");
  if (w.errors.empty()) {
    Config config = read_config(w, root);
    config.file = file;
    if (w.errors.empty()) result.config = std::move(config);
  }
  // Checks run section by section; the reader wants them in the order of the file.
  std::stable_sort(w.errors.begin(), w.errors.end(), [](const diag::Diagnostic& a, const diag::Diagnostic& b) {
    return std::pair(a.where.line, a.where.column) < std::pair(b.where.line, b.where.column);
  });
  result.errors = std::move(w.errors);
  return result;
}

namespace {

std::string disable_text(const DisableRule& rule) {
  std::string out = rule.attribute.empty() ? "" : rule.attribute + "=" + rule.value;
  if (!rule.move_to.empty()) out += (out.empty() ? "" : ", ") + std::string("moved to ") + rule.move_to;
  return out;
}

}  // namespace

std::string summarize(const Config& c) {
  std::ostringstream out;
  std::vector<std::string> tokens;
  for (const Secret& token : c.scim_tokens) tokens.push_back(token.reference);
  out << "config file: " << c.file.string() << "\n"
      << "listen: " << c.listen << "\n"
      << "state dir: " << c.state_dir.string() << "\n"
      << "log: " << c.log_level << " (" << c.log_format << ")\n"
      << "mapping file: " << c.mapping_file.string() << "\n"
      << "scim tokens: " << c.scim_tokens.size() << " (" << join(tokens, ", ") << ")\n"
      << "retry: first after " << c.retry.initial_ms << " ms, at most " << c.retry.max_ms << " ms apart, "
      << (c.retry.max_attempts == 0 ? std::string("no attempt limit")
                                    : std::to_string(c.retry.max_attempts) + " attempts")
      << "\n"
      << "full sync: "
      << (c.full_sync_interval_s ? "every " + std::to_string(c.full_sync_interval_s) + " s" : std::string("on demand only"))
      << "\n";
  for (const ScimSource& s : c.sources) {
    out << "source " << s.name << ": type " << s.type << ", " << s.base_url << ", every " << s.interval_s
        << " s, page size " << s.page_size << ", incremental " << s.incremental << "\n"
        << "  auth: "
        << (s.uses_oauth2() ? "oauth2 " + s.oauth2.token_url + " client " + s.oauth2.client_id + ", secret " +
                                  s.oauth2.client_secret.reference + " (set)"
                            : "bearer " + s.bearer.reference + " (set)")
        << "\n  deletion guard: at most " << s.deletion_max_count << " users or " << s.deletion_max_percent
        << "% absent\n";
  }
  auto http = [&](const HttpSettings& h) {
    out << "  base_url: " << h.base_url << "\n";
    if (!h.ca_file.empty()) out << "  ca_file: " << h.ca_file.string() << "\n";
    out << "  timeout: " << h.timeout_ms << " ms (connect " << h.connect_timeout_ms << " ms), " << h.max_attempts
        << " attempts per request\n"
        << "  rate limit: " << (h.rate_limit ? std::to_string(h.rate_limit) + " requests/s" : std::string("none")) << "\n";
  };
  for (const Target& t : c.targets) {
    out << "target " << t.name << ": type " << t.type << "\n";
    if (t.deletion.policy != "never") {
      out << "  delete: " << t.deletion.policy << ", " << t.deletion.grace_days << " day(s) after the disable\n";
    }
    out << "  leaving_scope: " << t.leaving_scope << "\n";
    if (t.type == "authing") {
      http(t.authing.http);
      out << "  auth: " << t.authing.auth << "\n"
          << "  access_key_id: " << t.authing.access_key_id << "\n"
          << "  access_key_secret: " << t.authing.access_key_secret.reference << " (set)\n"
          << "  key_type: " << t.authing.key_type << "\n"
          << "  disabled_status: " << t.authing.disabled_status << "\n";
      continue;
    }
    if (t.type == "pds") {
      http(t.pds.http);
      out << "  domain_id: " << t.pds.domain_id << "\n"
          << "  auth: " << t.pds.auth << "\n";
      if (t.pds.auth == "token") {
        out << "  client_id: " << t.pds.client_id << "\n"
            << "  private_key: " << t.pds.private_key.reference << " (set)\n";
      } else {
        out << "  access_key_id: " << t.pds.access_key_id << "\n"
            << "  access_key_secret: " << t.pds.access_key_secret.reference << " (set)\n";
      }
      continue;
    }
    if (t.type == "eiam") {
      http(t.eiam.http);
      out << "  region: " << t.eiam.region << "\n"
          << "  instance_id: " << t.eiam.instance_id << "\n"
          << "  organizational_unit_id: " << t.eiam.organizational_unit_id << "\n"
          << "  access_key_id: " << t.eiam.access_key_id << "\n"
          << "  access_key_secret: " << t.eiam.access_key_secret.reference << " (set)\n";
      continue;
    }
    if (t.type == "huawei") {
      http(t.huawei.http);
      out << "  region: " << t.huawei.region << "\n"
          << "  project_id: " << t.huawei.project_id << "\n"
          << "  auth: " << t.huawei.auth << "\n";
      if (t.huawei.auth == "token") {
        out << "  iam_url: " << t.huawei.iam_url << "\n"
            << "  iam_user: " << t.huawei.iam_user << " (domain " << t.huawei.iam_domain << ")\n"
            << "  iam_password: " << t.huawei.iam_password.reference << " (set)\n";
      } else {
        out << "  access_key_id: " << t.huawei.access_key_id << "\n"
            << "  access_key_secret: " << t.huawei.access_key_secret.reference << " (set)\n";
      }
      continue;
    }
    if (t.type == "sensecore") {
      http(t.sensecore.http);
      out << "  access_key_id: " << t.sensecore.access_key_id << "\n"
          << "  access_key_secret: " << t.sensecore.access_key_secret.reference << " (set)\n"
          << "  update_method: " << t.sensecore.update_method << "\n"
          << "  disable: " << t.sensecore.disabled_field << "=" << t.sensecore.disabled_value << " (active: "
          << t.sensecore.enabled_value << ")\n";
      continue;
    }
    out << "  url: " << t.ldap.url << "\n"
        << "  bind_dn: " << t.ldap.bind_dn << "\n"
        << "  bind_password: " << t.ldap.bind_password.reference << " (set)\n"
        << "  base_dn: " << t.ldap.base_dn << "\n"
        << "  timeout: " << t.ldap.timeout_ms << " ms\n"
        << "  disable: " << disable_text(t.ldap.disable) << "\n"
        << "  window: " << t.ldap.tuning.window << " x " << t.ldap.tuning.connections << " connection(s), page size "
        << t.ldap.tuning.page_size << ", record_versions " << (t.ldap.tuning.record_versions ? "true" : "false")
        << "\n";
    if (!t.ldap.tuning.ca_file.empty() || t.ldap.tuning.start_tls || t.ldap.tuning.sasl_external) {
      out << "  tls: " << (t.ldap.tuning.start_tls ? "StartTLS" : "as the URL says")
          << (t.ldap.tuning.ca_file.empty() ? "" : ", CA " + t.ldap.tuning.ca_file)
          << (t.ldap.tuning.sasl_external ? ", SASL EXTERNAL with " + t.ldap.tuning.client_cert_file : "") << "\n";
    }
  }
  return out.str();
}

}  // namespace idb::config
