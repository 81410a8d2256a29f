#include "tests/support/slapd.h"

#include <ldap.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace idb::test {
namespace {

namespace fs = std::filesystem;

const fs::path kScript = fs::path(IDB_SOURCE_DIR) / "scripts" / "throwaway-slapd";

std::string shell_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Runs the script; returns its stdout, throws with its stderr when it fails.
std::string run_script(const std::string& environment, const std::string& verb, const fs::path& dir) {
  const fs::path errors = dir.parent_path() / (dir.filename().string() + ".err");
  std::string command = environment + shell_quote(kScript.string()) + " " + verb + " " + shell_quote(dir.string()) +
                        " 2>" + shell_quote(errors.string());
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe == nullptr) throw std::runtime_error("cannot run " + kScript.string());
  std::string out;
  std::array<char, 4096> buffer;
  while (std::size_t n = std::fread(buffer.data(), 1, buffer.size(), pipe)) out.append(buffer.data(), n);
  int status = pclose(pipe);
  std::string stderr_text = read_file(errors);
  fs::remove(errors);
  if (status != 0) {
    throw std::runtime_error("throwaway-slapd " + verb + " " + dir.string() + " failed (status " +
                             std::to_string(status) + "):\n" + stderr_text);
  }
  return out;
}

std::map<std::string, std::string> parse_lines(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    auto eq = line.find('=');
    if (eq != std::string::npos) values[line.substr(0, eq)] = line.substr(eq + 1);
  }
  return values;
}

std::vector<Entry> search(const Slapd& slapd, const std::string& base, connectors::ldap::Scope scope,
                          const std::string& filter, const std::vector<std::string>& attributes) {
  auto session = connectors::ldap::Session::open(settings_for(slapd));
  if (!session) throw std::runtime_error(session.failure().message);
  std::vector<Entry> entries;
  int rc = session.value().search(base, scope, filter, attributes, entries);
  if (rc == LDAP_NO_SUCH_OBJECT) return {};
  if (rc != LDAP_SUCCESS) throw std::runtime_error(session.value().failure(rc, "search " + base + " " + filter).message);
  return entries;
}

}  // namespace

std::unique_ptr<Slapd> Slapd::start(SlapdOptions options) {
  std::string pattern = (fs::temp_directory_path() / "idb-slapd-XXXXXX").string();
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp " + pattern + " failed");
  std::unique_ptr<Slapd> slapd(new Slapd(pattern, options));
  slapd->run_start("");
  return slapd;
}

Slapd::~Slapd() {
  try {
    stop();
  } catch (const std::exception& e) {
    // A destructor must not throw; a slapd left behind is worth a loud line.
    std::cerr << "Slapd: " << e.what() << "\n";
  }
  std::error_code ignored;
  fs::remove_all(dir_, ignored);
}

void Slapd::run_start(const std::string& port) {
  std::string environment = "SLAPD_OWNER_PID=" + std::to_string(getpid()) + " ";
  if (options_.access_log) environment += "SLAPD_ACCESSLOG=1 ";
  if (options_.durable) environment += "SLAPD_DURABLE=1 ";
  if (options_.tls) environment += "SLAPD_TLS=1 ";
  if (!port.empty()) environment += "SLAPD_PORT=" + port + " ";
  auto values = parse_lines(run_script(environment, "start", dir_));
  url_ = values["LDAP_URL"];
  bind_dn_ = values["LDAP_BIND_DN"];
  base_dn_ = values["LDAP_BASE_DN"];
  ldaps_url_ = values["LDAPS_URL"];
  pid_ = static_cast<pid_t>(std::atoi(values["LDAP_PID"].c_str()));
  // The file holds the password verbatim; stdout has it shell-quoted.
  password_ = read_file(dir_ / "password");
  port_ = read_file(dir_ / "port");
  while (!port_.empty() && port_.back() == '\n') port_.pop_back();
  if (url_.empty() || bind_dn_.empty() || base_dn_.empty() || password_.empty() || port_.empty() || pid_ <= 0 ||
      (options_.tls && ldaps_url_.empty())) {
    throw std::runtime_error("throwaway-slapd start printed an incomplete environment");
  }
  running_ = true;
}

void Slapd::stop() {
  if (!running_) return;
  run_script("", "stop", dir_);
  running_ = false;
}

void Slapd::pause() {
  if (::kill(pid_, SIGSTOP) != 0) throw std::runtime_error("cannot pause slapd " + std::to_string(pid_));
}

void Slapd::resume() {
  if (::kill(pid_, SIGCONT) != 0) throw std::runtime_error("cannot resume slapd " + std::to_string(pid_));
}

void Slapd::restart() {
  stop();
  run_start(port_);
}

std::string Slapd::log() const { return read_file(dir_ / "slapd.log.old") + read_file(log_file()); }

config::LdapTarget settings_for(const Slapd& slapd) {
  config::LdapTarget settings;
  settings.url = slapd.url();
  settings.bind_dn = slapd.bind_dn();
  settings.bind_password = config::Secret{"throwaway-slapd password file", slapd.password()};
  settings.base_dn = slapd.base_dn();
  settings.timeout_ms = 5000;
  return settings;
}

std::vector<Entry> ldap_search(const Slapd& slapd, const std::string& base, const std::string& filter,
                               const std::vector<std::string>& attributes) {
  return search(slapd, base, connectors::ldap::Scope::subtree, filter, attributes);
}

std::optional<mapping::Attributes> ldap_entry(const Slapd& slapd, const std::string& dn,
                                              const std::vector<std::string>& operational) {
  std::vector<std::string> attributes{"*"};
  attributes.insert(attributes.end(), operational.begin(), operational.end());
  auto entries = search(slapd, dn, connectors::ldap::Scope::base, "(objectClass=*)", attributes);
  if (entries.empty()) return std::nullopt;
  return std::move(entries.front().attributes);
}

void ldap_delete_all(const Slapd& slapd, const std::string& base, const std::string& filter) {
  auto session = connectors::ldap::Session::open(settings_for(slapd));
  if (!session) throw std::runtime_error(session.failure().message);
  for (const Entry& e : ldap_search(slapd, base, filter, {"1.1"})) {
    int msgid = 0;
    connectors::ldap::Reply reply;
    int rc = session.value().send_delete(e.dn, msgid);
    if (rc == LDAP_SUCCESS) rc = session.value().receive(msgid, 0, reply);
    if (rc == LDAP_SUCCESS) rc = reply.code;
    if (rc != LDAP_SUCCESS) throw std::runtime_error(session.value().failure(rc, "delete " + e.dn).message);
  }
}

}  // namespace idb::test
