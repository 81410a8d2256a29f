#pragma once
// Shorthands shared by the LDAP connector tests: operations, a person entry,
// and assertions that print the failure's code and message.
#include <gtest/gtest.h>

#include <algorithm>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "connectors/connector.h"
#include "connectors/ldap/dn.h"
#include "reconcile/operation.h"

namespace idb::connectors::ldap::fixtures {

using mapping::Attributes;
using mapping::Values;
using reconcile::AttributeChange;
using reconcile::ChangeKind;
using reconcile::Operation;

inline const std::string kPeople = "ou=people,dc=example,dc=org";

inline Operation operation(Operation::Kind kind, const std::string& dn) {
  Operation op;
  op.kind = kind;
  op.key = dn;
  return op;
}

inline Operation create(const std::string& dn, Attributes attributes) {
  Operation op = operation(Operation::Kind::create, dn);
  op.attributes = std::move(attributes);
  return op;
}

inline Operation modify(const std::string& dn, std::vector<AttributeChange> changes) {
  Operation op = operation(Operation::Kind::modify, dn);
  op.changes = std::move(changes);
  return op;
}

inline Operation rename(const std::string& dn, const std::string& new_dn) {
  Operation op = operation(Operation::Kind::rename, dn);
  op.new_key = new_dn;
  return op;
}

inline Attributes person(const std::string& uid) {
  return {{"objectClass", {"inetOrgPerson"}}, {"uid", {uid}}, {"cn", {uid}}, {"sn", {"Test"}}};
}

inline std::string person_dn(const std::string& uid, const std::string& parent = kPeople) {
  return "uid=" + escape_value(uid) + "," + parent;
}

inline ::testing::AssertionResult succeeded(const Status& status) {
  if (status) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << status.failure().code << ": " << status.failure().message;
}

// Failed in this class; with this code unless `code` is empty.
template <class T>
::testing::AssertionResult failed(const Result<T>& result, FailureKind kind, const std::string& code = {}) {
  if (result) return ::testing::AssertionFailure() << "succeeded";
  const Failure& f = result.failure();
  if (f.kind != kind || (!code.empty() && f.code != code)) {
    return ::testing::AssertionFailure() << to_string(f.kind) << " " << f.code << ": " << f.message;
  }
  return ::testing::AssertionSuccess();
}

// The most requests slapd had started and not yet answered at once, per the
// access log ("conn=C op=N ADD dn=..." ... "conn=C op=N RESULT ...").
inline std::size_t most_outstanding(const std::string& log, const std::string& verb) {
  std::regex start("conn=(\\d+) op=(\\d+) " + verb + " dn=");
  std::regex result("conn=(\\d+) op=(\\d+) RESULT");
  std::set<std::string> open;
  std::size_t most = 0;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    std::smatch m;
    if (std::regex_search(line, m, start)) {
      open.insert(m[1].str() + "/" + m[2].str());
      most = std::max(most, open.size());
    } else if (std::regex_search(line, m, result)) {
      open.erase(m[1].str() + "/" + m[2].str());
    }
  }
  return most;
}

inline std::size_t occurrences(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace idb::connectors::ldap::fixtures
