#pragma once
// The HTTP server the SCIM endpoint (and the admin endpoints) listen with:
// plain HTTP, or HTTPS with the configured certificate, optionally requiring
// a client certificate signed by a configured CA.
#include <memory>
#include <string>

namespace httplib {
class Server;
}

namespace idb::scim {

struct TlsSettings {
  std::string cert_file;       // PEM; empty: plain HTTP
  std::string key_file;        // PEM, unencrypted
  std::string client_ca_file;  // PEM; when set, a client certificate it signed is required
  bool enabled() const { return !cert_file.empty(); }
};

// Throws std::runtime_error naming the files when the certificate, key or CA
// cannot be loaded (or the key does not belong to the certificate).
std::unique_ptr<httplib::Server> make_http_server(const TlsSettings& tls);

// Binds `server` to host:port (port 0: any free port) with a listen backlog
// that holds a burst of clients connecting at once, and without SO_REUSEPORT
// (a second daemon on a taken port must fail, not share it). Returns the
// bound port, or -1 when the address is taken or not available.
int bind_listener(httplib::Server& server, const std::string& host, int port);

}  // namespace idb::scim
