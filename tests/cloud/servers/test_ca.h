#pragma once
// A throwaway certificate authority for HTTPS tests, made with the openssl CLI
// (as scripts/throwaway-slapd does): a CA, a server certificate it signed for
// 127.0.0.1 (subjectAltName IP), and an unrelated second CA that must not be
// trusted for it.
#include <filesystem>

#include "tests/cloud/servers/loopback.h"

namespace idb::test::cloud {

struct TestCa {
  std::filesystem::path ca_file;        // trusts the server certificate
  std::filesystem::path other_ca_file;  // does not
  Tls server;                           // for Loopback
};

// Writes everything into `dir` (created if needed); throws std::runtime_error
// with openssl's output when a step fails.
TestCa make_test_ca(const std::filesystem::path& dir);

}  // namespace idb::test::cloud
