#include "bench/ldap_raw_client.h"

#include <ldap.h>

#include <stdexcept>
#include <string>
#include <string_view>
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

// The Post-Read request's value: an AttributeSelection, as ldapmodify -e postread builds it.
class PostReadControl {
 public:
  PostReadControl() {
    BerElement* ber = ber_alloc_t(LBER_USE_DER);
    const char* names[] = {"entryCSN", "modifyTimestamp", nullptr};
    if (ber == nullptr || ber_printf(ber, "{v}", names) == -1 || ber_flatten2(ber, &control_.ldctl_value, 1) == -1) {
      throw std::runtime_error("cannot encode the Post-Read control");
    }
    ber_free(ber, 1);
    control_.ldctl_oid = const_cast<char*>(LDAP_CONTROL_POST_READ);
    control_.ldctl_iscritical = 0;
  }
  ~PostReadControl() { ber_memfree(control_.ldctl_value.bv_val); }
  LDAPControl** list() { return list_; }

 private:
  LDAPControl control_{};
  LDAPControl* list_[2]{&control_, nullptr};
};

// The entry's version in a Post-Read response (a SearchResultEntry), walked
// as ldapmodify prints one: entryCSN, else modifyTimestamp; empty if neither.
std::string post_read_version(const LDAPControl& control) {
  berval value = control.ldctl_value;
  BerElement* ber = ber_init(&value);
  if (ber == nullptr) return {};
  std::string csn, timestamp;
  berval dn{}, type{};
  if (ber_scanf(ber, "{m{", &dn) != LBER_ERROR) {
    while (ber_scanf(ber, "{m", &type) != LBER_ERROR) {
      BerVarray values = nullptr;
      if (ber_scanf(ber, "[W]}", &values) == LBER_ERROR) break;
      if (values != nullptr && values[0].bv_val != nullptr) {
        const std::string_view name(type.bv_val, type.bv_len);
        if (name == "entryCSN") csn.assign(values[0].bv_val, values[0].bv_len);
        if (name == "modifyTimestamp") timestamp.assign(values[0].bv_val, values[0].bv_len);
      }
      ber_bvarray_free(values);
    }
  }
  ber_free(ber, 1);
  return csn.empty() ? timestamp : csn;
}

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

void RawLdapClient::run(const std::vector<RawOp>& ops, std::size_t window, bool post_read,
                        std::vector<std::chrono::nanoseconds>& latency) {
  static PostReadControl post_read_control;
  LDAPControl** controls = post_read ? post_read_control.list() : nullptr;
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
                   ? ldap_add_ext(ld_, op.dn.c_str(), request.list.data(), controls, nullptr, &msgid)
                   : ldap_modify_ext(ld_, op.dn.c_str(), request.list.data(), controls, nullptr, &msgid);
      check(rc, "send " + op.dn);
      outstanding.emplace(msgid, std::move(request));
    }
    LDAPMessage* message = nullptr;
    int type = ldap_result(ld_, LDAP_RES_ANY, LDAP_MSG_ALL, nullptr, &message);
    if (type <= 0) throw std::runtime_error("ldap_result failed");
    auto found = outstanding.find(ldap_msgid(message));
    int result = LDAP_OTHER;
    LDAPControl** returned = nullptr;
    check(ldap_parse_result(ld_, message, &result, nullptr, nullptr, nullptr, post_read ? &returned : nullptr, 1),
          "parse result");
    check(result, "operation");
    if (post_read) {
      const LDAPControl* control = ldap_control_find(LDAP_CONTROL_POST_READ, returned, nullptr);
      const bool versioned = control != nullptr && !post_read_version(*control).empty();
      ldap_controls_free(returned);
      if (!versioned) throw std::runtime_error("a write's reply carries no version (Post-Read)");
    }
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
