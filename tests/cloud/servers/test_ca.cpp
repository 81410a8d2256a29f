#include "tests/cloud/servers/test_ca.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

namespace idb::test::cloud {

TestCa make_test_ca(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);
  {
    std::ofstream ext(dir / "server.ext");
    ext << "subjectAltName=IP:127.0.0.1\n";
  }
  // EC keys: quick to make, and as real to TLS as RSA.
  const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
  const std::string script =
      "cd '" + dir.string() + "' && { " +
      "openssl req -x509 " + key + " -days 2 -subj '/CN=idbridge test CA' -keyout ca.key -out ca.pem && " +
      "openssl req -x509 " + key + " -days 2 -subj '/CN=some other CA' -keyout other.key -out other-ca.pem && " +
      "openssl req " + key + " -subj '/CN=127.0.0.1' -keyout server.key -out server.csr && " +
      "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile server.ext "
      "-out server.pem; } >openssl.log 2>&1";
  if (std::system(script.c_str()) != 0) {
    std::ifstream log(dir / "openssl.log");
    std::stringstream text;
    text << log.rdbuf();
    throw std::runtime_error("making the test certificates failed: " + text.str());
  }
  return {dir / "ca.pem", dir / "other-ca.pem", {(dir / "server.pem").string(), (dir / "server.key").string()}};
}

}  // namespace idb::test::cloud
