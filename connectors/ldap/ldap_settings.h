#pragma once
// LDAP settings beyond config::LdapTarget's connection basics: throughput,
// paging, reconnection and transport security. Defaults suit one slapd on
// the same network (see shared/notes/ldap-performance.md).
#include <cstddef>
#include <string>

namespace idb::connectors::ldap {

struct LdapSettings {
  // Operations outstanding per connection. slapd is the bottleneck; 32-64
  // keep it busy, more only adds latency.
  std::size_t window = 64;
  // Connections an apply_all batch spreads over. LMDB has one writer, so
  // more than 1-2 rarely helps; every operation on one entry stays on one.
  std::size_t connections = 1;
  int page_size = 1000;  // entries per page of a paged read (RFC 2696)

  // A connection lost in the middle of a batch is reopened this many times,
  // waiting backoff_initial_ms, then twice that, up to backoff_max_ms.
  int reconnect_attempts = 5;
  int backoff_initial_ms = 100;
  int backoff_max_ms = 5000;

  // Transport security. ldaps:// URLs always verify the server certificate;
  // start_tls upgrades an ldap:// connection before binding.
  std::string ca_file;  // PEM bundle to verify the server with; empty: the system's
  bool start_tls = false;
  // SASL EXTERNAL: authenticate with this client certificate instead of the
  // bind DN and password (which are then unused).
  std::string client_cert_file;
  std::string client_key_file;
  bool sasl_external = false;
};

}  // namespace idb::connectors::ldap
