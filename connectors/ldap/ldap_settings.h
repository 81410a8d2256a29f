#pragma once
// The LDAP connector's tuning comes from the config (`window`, `connections`,
// `page_size`, `reconnect`, `tls`, `sasl_external` of an ldap target).
#include "config/config.h"

namespace idb::connectors::ldap {

using LdapSettings = config::LdapTuning;

}  // namespace idb::connectors::ldap
