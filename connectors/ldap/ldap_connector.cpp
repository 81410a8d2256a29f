#include "connectors/ldap/ldap_connector.h"

#include <ldap.h>
#include <spdlog/spdlog.h>
#include <strings.h>

#include <utility>

#include "connectors/ldap/dn.h"
#include "connectors/ldap/errors.h"

namespace idb::connectors::ldap {
namespace {

using reconcile::Operation;

// Only organizational units are made up on the fly: they carry nothing but
// their name, so creating one cannot invent data nobody asked for.
bool creatable_parent(const Dn& parent, const Dn& base) {
  if (parent.rdns.size() <= base.rdns.size() || parent.rdns.front().size() != 1) return false;
  return strcasecmp(parent.rdns.front().front().type.c_str(), "ou") == 0 && within(parent, base);
}

mapping::Attributes organizational_unit(const Dn& dn) {
  return {{"objectClass", {"organizationalUnit"}}, {"ou", {dn.rdns.front().front().value}}};
}

// Adds `dn`; when the server misses its parent and that parent is an ou
// below `base`, adds the parent (recursively) and tries once more.
Status add_with_parents(Session& session, const Dn& dn, const mapping::Attributes& attributes, const Dn& base) {
  const std::string text = dn.str();
  int rc = session.add(text, attributes);
  if (rc == LDAP_NO_SUCH_OBJECT && creatable_parent(dn.parent(), base)) {
    Dn parent = dn.parent();
    spdlog::debug("ldap: creating missing parent {}", parent.str());
    Status made = add_with_parents(session, parent, organizational_unit(parent), base);
    // Someone else creating the same parent meanwhile is as good as us doing it.
    if (!made && made.failure().code != code_of(LDAP_ALREADY_EXISTS)) return made;
    rc = session.add(text, attributes);
  }
  if (rc != LDAP_SUCCESS) return session.failure(rc, "add " + text);
  return ok();
}

const char* verb(Operation::Kind kind) {
  switch (kind) {
    case Operation::Kind::create: return "create";
    case Operation::Kind::modify: return "modify";
    case Operation::Kind::rename: return "rename";
  }
  return "apply";
}

}  // namespace

LdapConnector::LdapConnector(std::string name, config::LdapTarget settings)
    : name_(std::move(name)), settings_(std::move(settings)) {}

LdapConnector::~LdapConnector() = default;

Status LdapConnector::ensure_connected() {
  if (session_) return ok();
  spdlog::debug("ldap {}: connecting to {} as {}", name_, settings_.url, settings_.bind_dn);
  auto opened = Session::open(settings_);
  if (!opened) return opened.failure();
  session_.emplace(std::move(opened.value()));
  return ok();
}

void LdapConnector::drop_connection() { session_.reset(); }

template <class T>
Result<T> LdapConnector::settle(Result<T> result) {
  // After busy/down/timeout we cannot tell what state the connection is in;
  // a fresh one on the next call is cheap and certain.
  if (!result && result.failure().kind == FailureKind::retry) {
    spdlog::debug("ldap {}: dropping the connection after {}", name_, result.failure().code);
    drop_connection();
  }
  return result;
}

Status LdapConnector::ping() {
  std::lock_guard lock(mu_);
  // A kept connection proves nothing about now; readiness needs a fresh bind.
  drop_connection();
  return settle(ensure_connected());
}

Result<std::optional<Observed>> LdapConnector::read(const std::string& dn, const std::vector<std::string>& attributes) {
  std::lock_guard lock(mu_);
  return settle(lookup(dn, attributes));
}

Status LdapConnector::apply(const Operation& op) {
  std::lock_guard lock(mu_);
  spdlog::debug("ldap {}: {} {}", name_, verb(op.kind), op.key);
  return settle(dispatch(op));
}

Result<std::optional<Observed>> LdapConnector::lookup(const std::string& dn, const std::vector<std::string>& attributes) {
  if (auto connected = ensure_connected(); !connected) return connected.failure();
  std::vector<std::string> wanted = attributes;
  wanted.push_back("objectClass");
  std::vector<Entry> entries;
  int rc = session_->search(dn, Scope::base, "(objectClass=*)", wanted, entries);
  if (rc == LDAP_NO_SUCH_OBJECT || (rc == LDAP_SUCCESS && entries.empty())) return std::optional<Observed>();
  if (rc != LDAP_SUCCESS) return session_->failure(rc, "read " + dn);
  return std::optional<Observed>(Observed{dn, std::move(entries.front().attributes)});
}

Status LdapConnector::dispatch(const Operation& op) {
  if (auto connected = ensure_connected(); !connected) return connected;
  switch (op.kind) {
    case Operation::Kind::create: return create(op);
    case Operation::Kind::modify: return modify(op);
    case Operation::Kind::rename: return rename(op);
  }
  return to_failure(LDAP_PARAM_ERROR, "apply to " + op.key + ": unknown operation kind");
}

Status LdapConnector::create(const Operation& op) {
  auto dn = parse_dn(op.key);
  if (!dn) return dn.failure();
  auto base = parse_dn(settings_.base_dn);
  if (!base) return base.failure();
  return add_with_parents(*session_, dn.value(), op.attributes, base.value());
}

Status LdapConnector::modify(const Operation& op) {
  int rc = session_->modify(op.key, op.changes);
  if (rc != LDAP_SUCCESS) return session_->failure(rc, "modify " + op.key);
  return ok();
}

Status LdapConnector::rename(const Operation& op) {
  auto from = parse_dn(op.key);
  if (!from) return from.failure();
  auto to = parse_dn(op.new_key);
  if (!to) return to.failure();
  if (to.value().empty()) return to_failure(LDAP_INVALID_DN_SYNTAX, "rename " + op.key + ": empty new DN");
  Dn new_parent = to.value().parent();
  bool moves = normalize(new_parent) != normalize(from.value().parent());
  int rc = session_->rename(op.key, str(to.value().rdns.front()), moves ? new_parent.str() : std::string());
  if (rc != LDAP_SUCCESS) return session_->failure(rc, "rename " + op.key + " to " + op.new_key);
  return ok();
}

}  // namespace idb::connectors::ldap
