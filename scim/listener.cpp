#include "scim/listener.h"

#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <memory>
#include <stdexcept>

#include <httplib.h>

namespace idb::scim {
namespace {

std::string openssl_reason() {
  char reason[256] = "no detail from OpenSSL";
  if (const unsigned long code = ERR_get_error(); code != 0) ERR_error_string_n(code, reason, sizeof reason);
  ERR_clear_error();
  return reason;
}

// httplib's defaults suit a light API, not IdPs pushing from many connections:
// every connection holds a pool thread while it is kept alive, and is closed
// after 5 requests, so concurrent clients reconnect in step all the time.
constexpr size_t kThreads = 32;
constexpr size_t kRequestsPerConnection = 1000;

void tune(httplib::Server& server) {
  server.new_task_queue = [] { return new httplib::ThreadPool(kThreads); };
  server.set_keep_alive_max_count(kRequestsPerConnection);
}

}  // namespace

int bind_listener(httplib::Server& server, const std::string& host, int port) {
  // httplib listens with a backlog of 5: clients connecting together beyond
  // that lose their SYN and retry a second later. Listening again on the bound
  // socket raises the backlog (Linux).
  auto bound = std::make_shared<int>(-1);
  server.set_socket_options([bound](socket_t sock) {
    int yes = 1;
    ::setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    *bound = sock;
  });
  const int result = port == 0 ? server.bind_to_any_port(host) : (server.bind_to_port(host, port) ? port : -1);
  // Should this fail, the socket keeps listening with the small backlog.
  if (result >= 0 && *bound >= 0) ::listen(*bound, SOMAXCONN);
  return result;
}

std::unique_ptr<httplib::Server> make_http_server(const TlsSettings& tls) {
  if (!tls.enabled()) {
    auto server = std::make_unique<httplib::Server>();
    tune(*server);
    return server;
  }
  // The context is set up here rather than by httplib's file constructor,
  // which ignores a client CA file it cannot read (and would then accept any
  // client certificate, or none).
  std::string problem;
  auto setup = [&](SSL_CTX& ctx) {
    ERR_clear_error();
    SSL_CTX_set_min_proto_version(&ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(&ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_SESSION_RESUMPTION_ON_RENEGOTIATION);
    if (SSL_CTX_use_certificate_chain_file(&ctx, tls.cert_file.c_str()) != 1) {
      problem = "cannot load the certificate: " + openssl_reason();
    } else if (SSL_CTX_use_PrivateKey_file(&ctx, tls.key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
      problem = "cannot load the key: " + openssl_reason();
    } else if (SSL_CTX_check_private_key(&ctx) != 1) {
      problem = "the key does not belong to the certificate: " + openssl_reason();
    } else if (!tls.client_ca_file.empty()) {
      STACK_OF(X509_NAME)* names = SSL_load_client_CA_file(tls.client_ca_file.c_str());
      if (!names || SSL_CTX_load_verify_locations(&ctx, tls.client_ca_file.c_str(), nullptr) != 1) {
        if (names) sk_X509_NAME_pop_free(names, X509_NAME_free);
        problem = "cannot load the client CA: " + openssl_reason();
      } else {
        SSL_CTX_set_client_CA_list(&ctx, names);
        SSL_CTX_set_verify(&ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
      }
    }
    return problem.empty();
  };
  auto server = std::make_unique<httplib::SSLServer>(setup);
  if (server->is_valid()) {
    tune(*server);
    return server;
  }
  std::string files = "cert_file '" + tls.cert_file + "', key_file '" + tls.key_file + "'";
  if (!tls.client_ca_file.empty()) files += ", client_ca_file '" + tls.client_ca_file + "'";
  throw std::runtime_error("cannot set up TLS for the SCIM endpoint (" + files + "): " +
                           (problem.empty() ? openssl_reason() : problem));
}

}  // namespace idb::scim
