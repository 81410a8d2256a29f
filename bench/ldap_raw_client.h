#pragma once
// The physical limit for bench/ldap_bench: plain libldap with the same window
// and none of the connector's bookkeeping. Deliberately independent of
// connectors/ldap so the comparison means something.
#include <chrono>
#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "mapping/attributes.h"

typedef struct ldap LDAP;

namespace idb::bench {

struct RawOp {
  enum class Kind { add, modify_replace } kind;
  std::string dn;
  mapping::Attributes attributes;  // add: all attributes; modify_replace: the replaced ones
};

class RawLdapClient {
 public:
  RawLdapClient(const std::string& url, const std::string& bind_dn, const std::string& password);
  ~RawLdapClient();
  RawLdapClient(const RawLdapClient&) = delete;
  RawLdapClient& operator=(const RawLdapClient&) = delete;

  // Keeps up to `window` operations outstanding; `latency` gets one sample per
  // op (send to result). Throws on any failure: the benchmark data is ours.
  // With `post_read`, each write carries the Post-Read control the connector
  // sends when it records versions (entryCSN, modifyTimestamp; RFC 4527) and
  // the version is taken from each reply; a reply without one throws.
  void run(const std::vector<RawOp>& ops, std::size_t window, bool post_read,
           std::vector<std::chrono::nanoseconds>& latency);

  // Simple paged subtree search of the inetOrgPerson entries below `base`,
  // walking every value as the connector does; returns the number of values.
  std::size_t paged_read(const std::string& base, const std::vector<std::string>& attributes, int page_size);

 private:
  LDAP* ld_ = nullptr;
};

}  // namespace idb::bench
