#pragma once
// One connected, bound libldap handle. It does what it is told and reports
// libldap's result code; deciding what a code means is the caller's business.
// The connector and the test harness both talk to slapd through it.
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "connectors/ldap/ldap_settings.h"
#include "mapping/attributes.h"
#include "reconcile/operation.h"

typedef struct ldap LDAP;
typedef struct ldapcontrol LDAPControl;

namespace idb::connectors::ldap {

struct Entry {
  std::string dn;
  mapping::Attributes attributes;  // values are raw bytes (berval), not C strings
};

// An entry as libldap decoded it, nothing copied: views into the received
// message, valid only during the call it is handed to.
struct EntryView {
  using Attributes = std::vector<std::pair<std::string_view, std::vector<std::string_view>>>;
  std::string_view dn;
  Attributes attributes;  // as the server sent them
};

// The Entry holding copies of what `view` shows.
Entry to_entry(const EntryView& view);

enum class Scope { base, one_level, subtree };

// What the server answered to one request sent with a send_* call.
struct Reply {
  int msgid = 0;
  int code = 0;  // the operation's result code
  std::string diagnostic;
  std::string matched_dn;
  std::string version;  // add/modify/modrdn: the entry's version after it (Post-Read); empty if not sent
};

class Session {
 public:
  // Connects and binds: simple bind, or SASL EXTERNAL with a client
  // certificate; over ldaps:// or after StartTLS the server certificate must
  // verify. Timeouts come from settings.timeout_ms. A failed bind names the
  // bind DN, never the password.
  static Result<Session> open(const config::LdapTarget& settings) { return open(settings, settings.tuning); }
  static Result<Session> open(const config::LdapTarget& settings, const LdapSettings& tuning);

  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  ~Session();

  // Each returns libldap's result code (LDAP_SUCCESS, or the failure).
  // An empty `attributes` asks for all user attributes.
  int search(const std::string& base, Scope scope, const std::string& filter,
             const std::vector<std::string>& attributes, std::vector<Entry>& entries);
  // The writes set `version` (when given) to the entry's version after them, as receive does.
  int add(const std::string& dn, const mapping::Attributes& attributes, std::string* version = nullptr);
  int modify(const std::string& dn, const std::vector<reconcile::AttributeChange>& changes,
             std::string* version = nullptr);
  // `new_superior` empty keeps the entry under its parent; the old RDN value is removed.
  int rename(const std::string& dn, const std::string& new_rdn, const std::string& new_superior,
             std::string* version = nullptr);

  // Pipelining: each send_* puts one request on the wire without waiting and
  // sets `msgid`; its Reply comes from receive. With tuning.record_versions,
  // add, modify and rename ask for the entry's version with a non-critical
  // Post-Read control (RFC 4527), so learning it costs no round trip; a
  // server without it just does the write. They return LDAP_SUCCESS or why
  // the request could not be sent (usually: the connection is gone).
  int send_add(const std::string& dn, const mapping::Attributes& attributes, int& msgid);
  int send_modify(const std::string& dn, const std::vector<reconcile::AttributeChange>& changes, int& msgid);
  int send_rename(const std::string& dn, const std::string& new_rdn, const std::string& new_superior, int& msgid);
  int send_delete(const std::string& dn, int& msgid);
  // Waits up to `timeout_ms` (0: no limit) for the reply to `msgid`, or to any
  // outstanding request when msgid is -1 (LDAP_RES_ANY). Returns LDAP_SUCCESS
  // with `reply` filled, LDAP_TIMEOUT, or the connection's failure.
  int receive(int msgid, int timeout_ms, Reply& reply);

  // Subtree/one-level search in pages of `page_size` (RFC 2696), handing each
  // entry to `on_entry` as it arrives, uncopied (to_entry makes an Entry of
  // one), so memory stays one page deep.
  int search_paged_views(const std::string& base, Scope scope, const std::string& filter,
                         const std::vector<std::string>& attributes, int page_size,
                         const std::function<void(const EntryView&)>& on_entry);

  // Explains a failed result code with what the server said about it.
  Failure failure(int result_code, std::string_view what) const;

 private:
  Session(LDAP* ld, int timeout_ms, bool record_versions)
      : ld_(ld), timeout_ms_(timeout_ms), record_versions_(record_versions) {}
  int wait(int msgid, int rc, std::string* version);  // completes a synchronous call after its send
  LDAPControl** write_controls() const;               // what add, modify and rename carry
  LDAP* ld_;
  int timeout_ms_;
  bool record_versions_;
};

}  // namespace idb::connectors::ldap
