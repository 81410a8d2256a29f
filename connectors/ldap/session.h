#pragma once
// One connected, bound libldap handle. It does what it is told and reports
// libldap's result code; deciding what a code means is the caller's business.
// The connector and the test harness both talk to slapd through it.
#include <string>
#include <string_view>
#include <vector>

#include "config/config.h"
#include "connectors/connector.h"
#include "mapping/attributes.h"
#include "reconcile/operation.h"

typedef struct ldap LDAP;

namespace idb::connectors::ldap {

struct Entry {
  std::string dn;
  mapping::Attributes attributes;  // values are raw bytes (berval), not C strings
};

enum class Scope { base, one_level, subtree };

class Session {
 public:
  // Connects and binds (simple bind). Timeouts come from settings.timeout_ms.
  // A failed bind names the bind DN, never the password.
  static Result<Session> open(const config::LdapTarget& settings);

  Session(Session&& other) noexcept;
  Session& operator=(Session&& other) noexcept;
  ~Session();

  // Each returns libldap's result code (LDAP_SUCCESS, or the failure).
  // An empty `attributes` asks for all user attributes.
  int search(const std::string& base, Scope scope, const std::string& filter,
             const std::vector<std::string>& attributes, std::vector<Entry>& entries);
  int add(const std::string& dn, const mapping::Attributes& attributes);
  int modify(const std::string& dn, const std::vector<reconcile::AttributeChange>& changes);
  // `new_superior` empty keeps the entry under its parent; the old RDN value is removed.
  int rename(const std::string& dn, const std::string& new_rdn, const std::string& new_superior);

  // Explains a failed result code with what the server said about it.
  Failure failure(int result_code, std::string_view what) const;

 private:
  explicit Session(LDAP* ld) : ld_(ld) {}
  LDAP* ld_;
};

}  // namespace idb::connectors::ldap
