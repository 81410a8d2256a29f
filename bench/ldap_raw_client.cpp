#include "bench/ldap_raw_client.h"

#include <ldap.h>

#include <stdexcept>
#include <unordered_map>

namespace idb::bench {
namespace {

using Clock = std::chrono::steady_clock;

void check(int rc, const std::string& what) {
  if (rc != LDAP_SUCCESS) throw std::runtime_error(what + ": " + ldap_err2string(rc));
}

char* chars(const std::string& s) { return const_cast<char*>(s.c_str()); }

// The LDAPMod arrays of one request, kept alive until its result arrives.
struct Request {
  std::vector<LDAPMod> mods;
  std::vector<std::vector<berval>> values;
  std::vector<std::vector<berval*>> pointers;
  std::vector<LDAPMod*> list;
  Clock::time_point sent;

  void build(const mapping::Attributes& attributes, int op) {
    mods.resize(attributes.size());
    values.resize(attributes.size());
    pointers.resize(attributes.size());
    std::size_t i = 0;
    for (const auto& [type, vals] : attributes) {
      for (const std::string& v : vals) values[i].push_back({static_cast<ber_len_t>(v.size()), chars(v)});
      for (berval& v : values[i]) pointers[i].push_back(&v);
      pointers[i].push_back(nullptr);
      mods[i] = LDAPMod{op | LDAP_MOD_BVALUES, chars(type), {}};
      mods[i].mod_bvalues = pointers[i].data();
      ++i;
    }
    for (LDAPMod& m : mods) list.push_back(&m);
    list.push_back(nullptr);
  }
};

}  // namespace

RawLdapClient::RawLdapClient(const std::string& url, const std::string& bind_dn, const std::string& password) {
  check(ldap_initialize(&ld_, url.c_str()), "ldap_initialize " + url);
  int version = LDAP_VERSION3;
  ldap_set_option(ld_, LDAP_OPT_PROTOCOL_VERSION, &version);
  berval secret{static_cast<ber_len_t>(password.size()), chars(password)};
  check(ldap_sasl_bind_s(ld_, bind_dn.c_str(), LDAP_SASL_SIMPLE, &secret, nullptr, nullptr, nullptr), "bind");
}

RawLdapClient::~RawLdapClient() {
  if (ld_ != nullptr) ldap_unbind_ext_s(ld_, nullptr, nullptr);
}

void RawLdapClient::run(const std::vector<RawOp>& ops, std::size_t window,
                        std::vector<std::chrono::nanoseconds>& latency) {
  std::unordered_map<int, Request> outstanding;
  std::size_t next = 0;
  while (next < ops.size() || !outstanding.empty()) {
    while (next < ops.size() && outstanding.size() < window) {
      const RawOp& op = ops[next++];
      Request request;
      request.build(op.attributes, op.kind == RawOp::Kind::add ? LDAP_MOD_ADD : LDAP_MOD_REPLACE);
      int msgid = 0;
      request.sent = Clock::now();
      int rc = op.kind == RawOp::Kind::add
                   ? ldap_add_ext(ld_, op.dn.c_str(), request.list.data(), nullptr, nullptr, &msgid)
                   : ldap_modify_ext(ld_, op.dn.c_str(), request.list.data(), nullptr, nullptr, &msgid);
      check(rc, "send " + op.dn);
      outstanding.emplace(msgid, std::move(request));
    }
    LDAPMessage* message = nullptr;
    int type = ldap_result(ld_, LDAP_RES_ANY, LDAP_MSG_ALL, nullptr, &message);
    if (type <= 0) throw std::runtime_error("ldap_result failed");
    auto found = outstanding.find(ldap_msgid(message));
    int result = LDAP_OTHER;
    check(ldap_parse_result(ld_, message, &result, nullptr, nullptr, nullptr, nullptr, 1), "parse result");
    check(result, "operation");
    if (found == outstanding.end()) throw std::runtime_error("result for an unknown message id");
    latency.push_back(Clock::now() - found->second.sent);
    outstanding.erase(found);
  }
}

std::size_t RawLdapClient::paged_read(const std::string& base, const std::vector<std::string>& attributes,
                                      int page_size) {
  std::vector<char*> names;
  for (const std::string& a : attributes) names.push_back(chars(a));
  names.push_back(nullptr);
  std::size_t values_seen = 0;
  berval cookie{0, nullptr};
  do {
    LDAPControl* page = nullptr;
    check(ldap_create_page_control(ld_, page_size, &cookie, 0, &page), "page control");
    LDAPControl* server_controls[] = {page, nullptr};
    int msgid = 0;
    check(ldap_search_ext(ld_, base.c_str(), LDAP_SCOPE_SUBTREE, "(objectClass=inetOrgPerson)", names.data(), 0,
                          server_controls, nullptr, nullptr, LDAP_NO_LIMIT, &msgid),
          "search");
    ldap_control_free(page);
    ber_memfree(cookie.bv_val);
    cookie = {0, nullptr};
    bool done = false;
    while (!done) {
      LDAPMessage* message = nullptr;
      if (ldap_result(ld_, msgid, LDAP_MSG_ONE, nullptr, &message) <= 0) throw std::runtime_error("ldap_result");
      if (ldap_msgtype(message) == LDAP_RES_SEARCH_ENTRY) {
        BerElement* ber = nullptr;
        berval name{};
        ldap_get_dn_ber(ld_, message, &ber, &name);
        BerVarray values = nullptr;
        while (ldap_get_attribute_ber(ld_, message, ber, &name, &values) == LDAP_SUCCESS && name.bv_val != nullptr) {
          for (BerVarray v = values; v != nullptr && v->bv_val != nullptr; ++v) ++values_seen;
          ber_memfree(values);
        }
        ber_free(ber, 0);
      } else if (ldap_msgtype(message) == LDAP_RES_SEARCH_RESULT) {
        int result = LDAP_OTHER;
        LDAPControl** controls = nullptr;
        check(ldap_parse_result(ld_, message, &result, nullptr, nullptr, nullptr, &controls, 0), "parse");
        check(result, "paged search");
        LDAPControl* response = ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, controls, nullptr);
        ber_int_t estimate = 0;
        if (response != nullptr) ldap_parse_pageresponse_control(ld_, response, &estimate, &cookie);
        ldap_controls_free(controls);
        done = true;
      }
      ldap_msgfree(message);
    }
  } while (cookie.bv_len > 0);
  ber_memfree(cookie.bv_val);
  return values_seen;
}

}  // namespace idb::bench
