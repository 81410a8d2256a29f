// The SCIM endpoint over HTTPS, with and without required client
// certificates, using the throwaway CA the slapd harness makes.
#include <filesystem>
#include <thread>

#include <gtest/gtest.h>
#include <httplib.h>

#include "scim/listener.h"
#include "scim/server.h"
#include "state/store.h"
#include "tests/support/process.h"

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

constexpr const char* kToken = "tls-test-token";

// ca.pem, other-ca.pem, server.pem/key (127.0.0.1), client.pem/key (signed by ca.pem).
fs::path certificates() {
  static const fs::path dir = [] {
    const fs::path d = fs::temp_directory_path() / ("idb-scim-tls-" + std::to_string(::getpid()));
    fs::remove_all(d);
    idb::test::Process make({std::string(IDB_SOURCE_DIR) + "/scripts/throwaway-slapd", "certs", d.string()}, {},
                            d.string() + ".log");
    EXPECT_EQ(make.wait(), 0) << idb::test::read_file(d.string() + ".log");
    return d / "tls";
  }();
  return dir;
}

class ScimTls : public ::testing::Test {
 protected:
  void start(const idb::scim::TlsSettings& tls) {
    dir_ = fs::temp_directory_path() / ("idb-scim-tls-state-" + std::to_string(::getpid()) + "-" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    store_ = idb::state::Store::open(dir_);
    server_ = idb::scim::make_http_server(tls);
    idb::scim::ServiceSettings settings;
    settings.tokens = {kToken};
    service_ = std::make_unique<idb::scim::Service>(*store_, settings, [] {});
    service_->mount(*server_);
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
  }
  void TearDown() override {
    if (thread_.joinable()) {
      server_->stop();
      thread_.join();
    }
    store_.reset();
    fs::remove_all(dir_);
  }

  std::unique_ptr<httplib::SSLClient> client(bool with_certificate, const std::string& ca = "ca.pem") {
    const fs::path d = certificates();
    auto c = with_certificate ? std::make_unique<httplib::SSLClient>("127.0.0.1", port_, (d / "client.pem").string(),
                                                                      (d / "client.key").string())
                              : std::make_unique<httplib::SSLClient>("127.0.0.1", port_);
    c->set_ca_cert_path((d / ca).string().c_str());
    c->enable_server_certificate_verification(true);
    c->set_bearer_token_auth(kToken);
    c->set_connection_timeout(5);
    return c;
  }

  fs::path dir_;
  std::unique_ptr<idb::state::Store> store_;
  std::unique_ptr<httplib::Server> server_;
  std::unique_ptr<idb::scim::Service> service_;
  int port_ = 0;
  std::thread thread_;
};

TEST_F(ScimTls, ServesHttpsWithTheConfiguredCertificate) {
  const fs::path d = certificates();
  start({(d / "server.pem").string(), (d / "server.key").string(), ""});
  auto res = client(false)->Post("/scim/v2/Users", json({{"userName", "ada"}}).dump(), "application/scim+json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 201);
  EXPECT_FALSE(client(false, "other-ca.pem")->Get("/scim/v2/Users"));  // the client does not trust it
  httplib::Client plain("127.0.0.1", port_);
  plain.set_bearer_token_auth(kToken);
  const auto cleartext = plain.Get("/scim/v2/Users");
  EXPECT_TRUE(!cleartext || cleartext->status != 200);  // no cleartext SCIM on a TLS port
  EXPECT_EQ(store_->count_users(), 1);
}

TEST_F(ScimTls, RequiresAClientCertificateWhenAClientCaIsSet) {
  const fs::path d = certificates();
  start({(d / "server.pem").string(), (d / "server.key").string(), (d / "ca.pem").string()});
  EXPECT_FALSE(client(false)->Post("/scim/v2/Users", json({{"userName", "bob"}}).dump(), "application/scim+json"));
  EXPECT_EQ(store_->count_users(), 0);
  auto res = client(true)->Post("/scim/v2/Users", json({{"userName", "bob"}}).dump(), "application/scim+json");
  ASSERT_TRUE(res) << httplib::to_string(res.error());
  EXPECT_EQ(res->status, 201);
  // The bearer token is still checked.
  auto c = client(true);
  c->set_bearer_token_auth("wrong");
  EXPECT_EQ(c->Get("/scim/v2/Users")->status, 401);
}

TEST_F(ScimTls, AClientCertificateFromAnotherCaIsRefused) {
  const fs::path d = certificates();
  start({(d / "server.pem").string(), (d / "server.key").string(), (d / "other-ca.pem").string()});
  EXPECT_FALSE(client(true)->Get("/scim/v2/Users"));
}

TEST(ScimTlsSetup, UnusableFilesAreAClearError) {
  const fs::path d = certificates();
  for (const idb::scim::TlsSettings& bad : {
           idb::scim::TlsSettings{(d / "server.pem").string(), (d / "client.key").string(), ""},  // key of another cert
           idb::scim::TlsSettings{(d / "nope.pem").string(), (d / "server.key").string(), ""},
           idb::scim::TlsSettings{(d / "server.pem").string(), (d / "server.key").string(), (d / "nope.pem").string()},
       }) {
    try {
      idb::scim::make_http_server(bad);
      ADD_FAILURE() << "accepted " << bad.cert_file << " " << bad.key_file << " " << bad.client_ca_file;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("cert_file '" + bad.cert_file + "'"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(idb::scim::make_http_server({}));  // plain HTTP
}

}  // namespace
