#pragma once
// A private slapd for one test suite, started by scripts/throwaway-slapd in a
// fresh temporary folder and stopped (folder removed) when destroyed.
// Failures to start or stop throw: a test without its server cannot mean anything.
#include <sys/types.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "config/config.h"
#include "connectors/ldap/session.h"
#include "mapping/attributes.h"

namespace idb::test {

struct SlapdOptions {
  bool access_log = false;  // log every operation to log_file() (loglevel stats)
  bool durable = false;     // sync every commit (default dbnosync, for speed)
  bool tls = false;         // also ldaps:// and StartTLS, with a throwaway CA (see tls_dir())
};

class Slapd {
 public:
  static std::unique_ptr<Slapd> start(SlapdOptions options = {});
  ~Slapd();
  Slapd(const Slapd&) = delete;
  Slapd& operator=(const Slapd&) = delete;

  const std::string& url() const { return url_; }  // ldap://127.0.0.1:PORT
  const std::string& bind_dn() const { return bind_dn_; }
  const std::string& password() const { return password_; }
  const std::string& base_dn() const { return base_dn_; }
  // With tls: ldaps://127.0.0.1:PORT+1, and the folder holding ca.pem (the CA
  // that signed the server certificate), other-ca.pem (one that did not),
  // client.pem and client.key (a client certificate SASL EXTERNAL accepts).
  const std::string& ldaps_url() const { return ldaps_url_; }
  std::filesystem::path tls_dir() const { return dir_ / "tls"; }
  const std::filesystem::path& dir() const { return dir_; }
  std::filesystem::path log_file() const { return dir_ / "slapd.log"; }
  // What slapd logged so far (every operation when started with access_log),
  // including what it logged before restarts.
  std::string log() const;
  bool running() const { return running_; }
  pid_t pid() const { return pid_; }

  void stop();
  // Stops and starts again on the same folder and port; the data is kept.
  void restart();
  // Freezes slapd (SIGSTOP) and thaws it (SIGCONT): requests sent meanwhile
  // wait in its socket, so a test can know several were in flight together.
  void pause();
  void resume();

 private:
  Slapd(std::filesystem::path dir, SlapdOptions options) : dir_(std::move(dir)), options_(options) {}
  void run_start(const std::string& port);

  std::filesystem::path dir_;
  SlapdOptions options_;
  std::string url_, bind_dn_, password_, base_dn_, port_, ldaps_url_;
  pid_t pid_ = 0;
  bool running_ = false;
};

// Settings that make a connector talk to this slapd as its rootdn.
config::LdapTarget settings_for(const Slapd& slapd);

using Entry = connectors::ldap::Entry;

// Subtree search as the rootdn, all user attributes (or the listed ones).
std::vector<Entry> ldap_search(const Slapd& slapd, const std::string& base,
                               const std::string& filter = "(objectClass=*)",
                               const std::vector<std::string>& attributes = {});

// The entry at `dn` with all its user attributes (plus the listed operational
// ones, e.g. "pwdAccountLockedTime"); empty when it does not exist.
std::optional<mapping::Attributes> ldap_entry(const Slapd& slapd, const std::string& dn,
                                              const std::vector<std::string>& operational = {});

// Deletes, as the rootdn, every entry below `base` that matches `filter`;
// they must be leaves. Throws when one cannot be deleted.
void ldap_delete_all(const Slapd& slapd, const std::string& base, const std::string& filter);

}  // namespace idb::test
