#include "connectors/ldap/session.h"

#include <ldap.h>
#include <signal.h>

#include <deque>
#include <memory>
#include <mutex>
#include <utility>

#include "connectors/ldap/attribute_list.h"
#include "connectors/ldap/entry_version.h"
#include "connectors/ldap/errors.h"

namespace idb::connectors::ldap {
namespace {

// libldap takes char* for what it only reads; the strings outlive every call.
char* chars(const std::string& s) { return const_cast<char*>(s.c_str()); }

berval bytes(const std::string& s) { return berval{static_cast<ber_len_t>(s.size()), chars(s)}; }

// An LDAPMod list pointing into the caller's strings; keep those alive while it is used.
class Mods {
 public:
  void push(int op, const std::string& type, const mapping::Values& values) {
    LDAPMod& mod = mods_.emplace_back();
    mod.mod_op = op | LDAP_MOD_BVALUES;
    mod.mod_type = chars(type);
    // No values: LDAP's "the whole attribute" for delete and replace.
    if (!values.empty()) {
      auto& vals = values_.emplace_back();
      for (const std::string& v : values) vals.push_back(bytes(v));
      auto& ptrs = pointers_.emplace_back();
      for (berval& v : vals) ptrs.push_back(&v);
      ptrs.push_back(nullptr);
      mod.mod_bvalues = ptrs.data();
    }
  }

  LDAPMod** get() {
    list_.clear();
    for (LDAPMod& mod : mods_) list_.push_back(&mod);
    list_.push_back(nullptr);
    return list_.data();
  }

 private:
  // deques: pointers into earlier elements stay valid while more are pushed.
  std::deque<LDAPMod> mods_;
  std::deque<std::vector<berval>> values_;
  std::deque<std::vector<berval*>> pointers_;
  std::vector<LDAPMod*> list_;
};

// The Post-Read control every write carries, made once. libldap only reads
// it and encodes a request before returning.
class PostRead {
 public:
  PostRead() {
    const std::string_view value = post_read_request();
    control_.ldctl_oid = const_cast<char*>(LDAP_CONTROL_POST_READ);
    control_.ldctl_value = berval{static_cast<ber_len_t>(value.size()), const_cast<char*>(value.data())};
    control_.ldctl_iscritical = 0;  // a server without it still does the write
    list_[0] = value.empty() ? nullptr : &control_;
  }
  LDAPControl** list() { return list_; }

 private:
  LDAPControl control_{};
  LDAPControl* list_[2]{nullptr, nullptr};
};

LDAPControl** post_read_controls() {
  static PostRead post_read;
  return post_read.list();
}

int mod_op(reconcile::ChangeKind kind) {
  switch (kind) {
    case reconcile::ChangeKind::add: return LDAP_MOD_ADD;
    case reconcile::ChangeKind::remove: return LDAP_MOD_DELETE;
    case reconcile::ChangeKind::replace: return LDAP_MOD_REPLACE;
  }
  return LDAP_MOD_REPLACE;
}

int scope_of(Scope scope) {
  switch (scope) {
    case Scope::base: return LDAP_SCOPE_BASE;
    case Scope::one_level: return LDAP_SCOPE_ONELEVEL;
    case Scope::subtree: return LDAP_SCOPE_SUBTREE;
  }
  return LDAP_SCOPE_BASE;
}

// The entry's attributes are read from the message's bytes in place
// (read_attribute_list): liblber says where they are. ldap_get_dn_ber leaves
// its BerElement inside the attribute list, limited to the list's length;
// stepping into the first attribute and over its type (not copied, so
// pointing into the message) tells how long the two headers were, which
// places the list's first byte. `view` is refilled: its vectors keep their
// capacity.
void decode(LDAP* ld, LDAPMessage* message, EntryView& view) {
  view.dn = {};
  BerElement* ber = nullptr;
  berval dn{};
  std::string_view list;
  if (ldap_get_dn_ber(ld, message, &ber, &dn) == LDAP_SUCCESS) {
    view.dn = std::string_view(dn.bv_val, dn.bv_len);
    const auto remaining = [ber] {
      ber_len_t n = 0;
      ber_get_option(ber, LBER_OPT_BER_REMAINING_BYTES, &n);
      return n;
    };
    const ber_len_t size = remaining();
    ber_len_t len = 0;
    berval type{};
    if (size > 0 && ber_skip_tag(ber, &len) != LBER_DEFAULT) {
      const ber_len_t attribute_header = size - remaining();
      const ber_len_t before_type = remaining();
      if (ber_get_stringbv(ber, &type, LBER_BV_NOTERM) != LBER_DEFAULT) {
        const ber_len_t type_header = before_type - remaining() - type.bv_len;
        list = std::string_view(type.bv_val - type_header - attribute_header, size);
      }
    }
  }
  if (ber != nullptr) ber_free(ber, 0);
  read_attribute_list(list, view.attributes);
}

// libldap keeps the last server's diagnostic until the next server result, so
// a later client-side failure (server down) would otherwise show a stale one.
void forget_diagnostics(LDAP* ld) {
  ldap_set_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, nullptr);
  ldap_set_option(ld, LDAP_OPT_MATCHED_DN, nullptr);
}

std::string option_string(LDAP* ld, int option) {
  char* value = nullptr;
  if (ldap_get_option(ld, option, &value) != LDAP_OPT_SUCCESS || value == nullptr) return {};
  std::string out(value);
  ldap_memfree(value);
  return out;
}

// libldap writes to its socket without MSG_NOSIGNAL, so a write to a server
// that has just gone would kill the whole process with SIGPIPE instead of
// failing the operation. Ignored unless the program chose its own handler.
void ignore_sigpipe() {
  static std::once_flag once;
  std::call_once(once, [] {
    struct sigaction current {};
    if (sigaction(SIGPIPE, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) signal(SIGPIPE, SIG_IGN);
  });
}

bool uses_tls(const config::LdapTarget& settings, const LdapSettings& tuning) {
  return tuning.start_tls || settings.url.rfind("ldaps://", 0) == 0;
}

// Per-connection TLS context: the server certificate must verify against the
// CA file (or the system's store), whatever ldap.conf or the environment say.
int configure_tls(LDAP* ld, const LdapSettings& tuning) {
  int demand = LDAP_OPT_X_TLS_DEMAND;
  int rc = ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &demand);
  if (rc == LDAP_OPT_SUCCESS && !tuning.ca_file.empty()) {
    rc = ldap_set_option(ld, LDAP_OPT_X_TLS_CACERTFILE, tuning.ca_file.c_str());
  }
  if (rc == LDAP_OPT_SUCCESS && !tuning.client_cert_file.empty()) {
    rc = ldap_set_option(ld, LDAP_OPT_X_TLS_CERTFILE, tuning.client_cert_file.c_str());
  }
  if (rc == LDAP_OPT_SUCCESS && !tuning.client_key_file.empty()) {
    rc = ldap_set_option(ld, LDAP_OPT_X_TLS_KEYFILE, tuning.client_key_file.c_str());
  }
  int is_server = 0;  // NEWCTX comes last: it builds the context from the options above
  if (rc == LDAP_OPT_SUCCESS) rc = ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &is_server);
  return rc;
}

// libldap reports a failed handshake as "can't contact the server" with no
// detail, so the failure says what was checked and what usually causes it.
Failure tls_failure(const Session& session, int rc, const config::LdapTarget& settings, const LdapSettings& tuning,
                    const std::string& what) {
  Failure failure = session.failure(rc, what);
  failure.message += "; TLS: the server's certificate was not accepted (checked against " +
                     (tuning.ca_file.empty() ? std::string("the system's CA store") : "CA file " + tuning.ca_file) +
                     ", names 127.0.0.1/host of " + settings.url +
                     "), or the server does not speak TLS there, or it is down";
  return failure;
}

}  // namespace

Entry to_entry(const EntryView& view) {
  Entry entry;
  entry.dn = view.dn;
  for (const auto& [type, values] : view.attributes) {
    auto& out = entry.attributes[std::string(type)];
    for (const auto& v : values) out.emplace_back(v);
  }
  return entry;
}

Result<Session> Session::open(const config::LdapTarget& settings, const LdapSettings& tuning) {
  ignore_sigpipe();
  LDAP* ld = nullptr;
  int rc = ldap_initialize(&ld, settings.url.c_str());
  if (rc != LDAP_SUCCESS) return to_failure(rc, "connect to " + settings.url);
  Session session(ld, settings.timeout_ms, tuning.record_versions);

  int version = LDAP_VERSION3;
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  // A zero timeval would make libldap poll and fail at once; no limit is the safer reading.
  if (settings.timeout_ms > 0) {
    timeval timeout{settings.timeout_ms / 1000, (settings.timeout_ms % 1000) * 1000};
    ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &timeout);  // connect
    ldap_set_option(ld, LDAP_OPT_TIMEOUT, &timeout);          // every synchronous operation
  }
  ldap_set_option(ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF);    // a referral is an answer, not a detour
  ldap_set_option(ld, LDAP_OPT_RESTART, LDAP_OPT_ON);       // signals must not fail an operation

  const bool tls = uses_tls(settings, tuning);
  if (tls || tuning.sasl_external) {
    rc = configure_tls(ld, tuning);
    if (rc != LDAP_OPT_SUCCESS) return session.failure(rc, "TLS settings for " + settings.url + " (CA, certificate or key file)");
  }
  if (tuning.start_tls) {
    rc = ldap_start_tls_s(ld, nullptr, nullptr);
    if (rc != LDAP_SUCCESS) return tls_failure(session, rc, settings, tuning, "StartTLS with " + settings.url);
  }

  const std::string who = tuning.sasl_external ? std::string("SASL EXTERNAL (client certificate)") : settings.bind_dn;
  if (tuning.sasl_external) {
    // EXTERNAL asks nothing of us: the identity is the TLS client certificate.
    auto no_prompts = [](LDAP*, unsigned, void*, void*) { return LDAP_SUCCESS; };
    rc = ldap_sasl_interactive_bind_s(ld, nullptr, "EXTERNAL", nullptr, nullptr, LDAP_SASL_QUIET, no_prompts,
                                      nullptr);
  } else {
    berval password = bytes(settings.bind_password.value);
    rc = ldap_sasl_bind_s(ld, settings.bind_dn.c_str(), LDAP_SASL_SIMPLE, &password, nullptr, nullptr, nullptr);
  }
  if (rc == LDAP_SERVER_DOWN && tls && !tuning.start_tls) {
    return tls_failure(session, rc, settings, tuning, "bind as " + who + " to " + settings.url);
  }
  if (rc != LDAP_SUCCESS) return session.failure(rc, "bind as " + who + " to " + settings.url);
  // libldap reads each message with two reads of its own (tag and length,
  // then the body) and polls before each: a paged read of 100k entries made
  // some 400k system calls. A read-ahead buffer over the socket, as slapd
  // keeps on its connections, takes in many messages per read.
  Sockbuf* sb = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) == LDAP_OPT_SUCCESS && sb != nullptr) {
    ber_sockbuf_add_io(sb, &ber_sockbuf_io_readahead, LBER_SBIOD_LEVEL_PROVIDER, nullptr);
  }
  return session;
}

Session::Session(Session&& other) noexcept
    : ld_(std::exchange(other.ld_, nullptr)), timeout_ms_(other.timeout_ms_), record_versions_(other.record_versions_) {}

Session& Session::operator=(Session&& other) noexcept {
  std::swap(ld_, other.ld_);
  std::swap(timeout_ms_, other.timeout_ms_);
  std::swap(record_versions_, other.record_versions_);
  return *this;
}

LDAPControl** Session::write_controls() const { return record_versions_ ? post_read_controls() : nullptr; }

Session::~Session() {
  if (ld_ != nullptr) ldap_unbind_ext_s(ld_, nullptr, nullptr);
}

int Session::search(const std::string& base, Scope scope, const std::string& filter,
                    const std::vector<std::string>& attributes, std::vector<Entry>& entries) {
  std::vector<char*> names;
  for (const std::string& a : attributes) names.push_back(chars(a));
  names.push_back(nullptr);
  LDAPMessage* raw = nullptr;
  forget_diagnostics(ld_);
  int rc = ldap_search_ext_s(ld_, base.c_str(), scope_of(scope), filter.c_str(),
                             attributes.empty() ? nullptr : names.data(), 0, nullptr, nullptr, nullptr,
                             LDAP_NO_LIMIT, &raw);
  // libldap may hand back a result even when it reports a failure.
  std::unique_ptr<LDAPMessage, decltype(&ldap_msgfree)> result(raw, &ldap_msgfree);
  if (rc != LDAP_SUCCESS) return rc;
  EntryView view;
  for (LDAPMessage* m = ldap_first_entry(ld_, raw); m != nullptr; m = ldap_next_entry(ld_, m)) {
    decode(ld_, m, view);
    entries.push_back(to_entry(view));
  }
  return rc;
}

int Session::send_add(const std::string& dn, const mapping::Attributes& attributes, int& msgid) {
  Mods mods;
  for (const auto& [type, values] : attributes) mods.push(LDAP_MOD_ADD, type, values);
  // libldap encodes the request before returning, so `mods` may go now.
  return ldap_add_ext(ld_, dn.c_str(), mods.get(), write_controls(), nullptr, &msgid);
}

int Session::send_modify(const std::string& dn, const std::vector<reconcile::AttributeChange>& changes, int& msgid) {
  Mods mods;
  for (const auto& change : changes) mods.push(mod_op(change.kind), change.attribute, change.values);
  return ldap_modify_ext(ld_, dn.c_str(), mods.get(), write_controls(), nullptr, &msgid);
}

int Session::send_rename(const std::string& dn, const std::string& new_rdn, const std::string& new_superior,
                         int& msgid) {
  return ldap_rename(ld_, dn.c_str(), new_rdn.c_str(), new_superior.empty() ? nullptr : new_superior.c_str(), 1,
                     write_controls(), nullptr, &msgid);
}

int Session::send_delete(const std::string& dn, int& msgid) {
  return ldap_delete_ext(ld_, dn.c_str(), nullptr, nullptr, &msgid);
}

int Session::receive(int msgid, int timeout_ms, Reply& reply) {
  timeval timeout{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
  LDAPMessage* message = nullptr;
  int type = ldap_result(ld_, msgid, LDAP_MSG_ALL, timeout_ms > 0 ? &timeout : nullptr, &message);
  if (type == 0) return LDAP_TIMEOUT;
  if (type < 0) {
    int rc = LDAP_SERVER_DOWN;
    ldap_get_option(ld_, LDAP_OPT_RESULT_CODE, &rc);
    return rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc;
  }
  reply = Reply{ldap_msgid(message), LDAP_OTHER, {}, {}, {}};
  char* matched = nullptr;
  char* diagnostic = nullptr;
  LDAPControl** controls = nullptr;
  int rc = ldap_parse_result(ld_, message, &reply.code, &matched, &diagnostic, nullptr, &controls, 1);
  if (matched != nullptr) reply.matched_dn = matched;
  if (diagnostic != nullptr) reply.diagnostic = diagnostic;
  if (const LDAPControl* post_read = ldap_control_find(LDAP_CONTROL_POST_READ, controls, nullptr)) {
    reply.version = post_read_version(std::string_view(post_read->ldctl_value.bv_val, post_read->ldctl_value.bv_len));
  }
  ldap_memfree(matched);
  ldap_memfree(diagnostic);
  ldap_controls_free(controls);
  return rc;
}

int Session::wait(int msgid, int rc, std::string* version) {
  if (rc != LDAP_SUCCESS) return rc;
  Reply reply;
  rc = receive(msgid, timeout_ms_, reply);
  if (version != nullptr) *version = reply.version;
  // The handle keeps the last parsed diagnostic, which failure() reports.
  return rc != LDAP_SUCCESS ? rc : reply.code;
}

int Session::add(const std::string& dn, const mapping::Attributes& attributes, std::string* version) {
  forget_diagnostics(ld_);
  int msgid = 0;
  return wait(msgid, send_add(dn, attributes, msgid), version);
}

int Session::modify(const std::string& dn, const std::vector<reconcile::AttributeChange>& changes,
                    std::string* version) {
  forget_diagnostics(ld_);
  int msgid = 0;
  return wait(msgid, send_modify(dn, changes, msgid), version);
}

int Session::rename(const std::string& dn, const std::string& new_rdn, const std::string& new_superior,
                    std::string* version) {
  forget_diagnostics(ld_);
  int msgid = 0;
  return wait(msgid, send_rename(dn, new_rdn, new_superior, msgid), version);
}

int Session::search_paged_views(const std::string& base, Scope scope, const std::string& filter,
                                const std::vector<std::string>& attributes, int page_size,
                                const std::function<void(const EntryView&)>& on_entry) {
  EntryView view;
  std::vector<char*> names;
  for (const std::string& a : attributes) names.push_back(chars(a));
  names.push_back(nullptr);
  forget_diagnostics(ld_);
  berval cookie{0, nullptr};
  auto free_cookie = [&] {
    ber_memfree(cookie.bv_val);
    cookie = {0, nullptr};
  };
  timeval timeout{timeout_ms_ / 1000, (timeout_ms_ % 1000) * 1000};
  do {
    LDAPControl* page = nullptr;
    int rc = ldap_create_page_control(ld_, page_size, &cookie, 1, &page);
    free_cookie();
    if (rc != LDAP_SUCCESS) return rc;
    LDAPControl* controls[] = {page, nullptr};
    int msgid = 0;
    rc = ldap_search_ext(ld_, base.c_str(), scope_of(scope), filter.c_str(),
                         attributes.empty() ? nullptr : names.data(), 0, controls, nullptr, nullptr, LDAP_NO_LIMIT,
                         &msgid);
    ldap_control_free(page);
    if (rc != LDAP_SUCCESS) return rc;
    for (bool page_done = false; !page_done;) {
      LDAPMessage* raw = nullptr;
      // One message at a time: a page of entries is never held whole.
      int type = ldap_result(ld_, msgid, LDAP_MSG_ONE, timeout_ms_ > 0 ? &timeout : nullptr, &raw);
      std::unique_ptr<LDAPMessage, decltype(&ldap_msgfree)> message(raw, &ldap_msgfree);
      if (type == 0) {
        ldap_abandon_ext(ld_, msgid, nullptr, nullptr);
        return LDAP_TIMEOUT;
      }
      if (type < 0) {
        rc = LDAP_SERVER_DOWN;
        ldap_get_option(ld_, LDAP_OPT_RESULT_CODE, &rc);
        return rc == LDAP_SUCCESS ? LDAP_SERVER_DOWN : rc;
      }
      if (type == LDAP_RES_SEARCH_ENTRY) {
        decode(ld_, raw, view);
        on_entry(view);
      } else if (type == LDAP_RES_SEARCH_RESULT) {
        int code = LDAP_OTHER;
        LDAPControl** returned = nullptr;
        rc = ldap_parse_result(ld_, raw, &code, nullptr, nullptr, nullptr, &returned, 0);
        if (rc == LDAP_SUCCESS && code == LDAP_SUCCESS) {
          LDAPControl* response = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, returned, nullptr);
          ber_int_t estimate = 0;
          // No control back means the server sent everything in one go.
          if (response != nullptr) rc = ldap_parse_pageresponse_control(ld_, response, &estimate, &cookie);
        }
        ldap_controls_free(returned);
        if (rc != LDAP_SUCCESS) return rc;
        if (code != LDAP_SUCCESS) return code;
        page_done = true;
      }
      // Search references are answers we do not follow (referrals are off).
    }
  } while (cookie.bv_len > 0);
  free_cookie();
  return LDAP_SUCCESS;
}

Failure Session::failure(int result_code, std::string_view what) const {
  return to_failure(result_code, what, option_string(ld_, LDAP_OPT_DIAGNOSTIC_MESSAGE),
                    option_string(ld_, LDAP_OPT_MATCHED_DN));
}

}  // namespace idb::connectors::ldap
