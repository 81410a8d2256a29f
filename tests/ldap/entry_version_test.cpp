// An entry's version: the Post-Read control's request and response (vectors
// written by hand from RFC 4527 and RFC 4511 4.5.2), and which attribute
// counts. The slapd tests (ldap_connector) check the same against a server.
#include "connectors/ldap/entry_version.h"

#include <gtest/gtest.h>

#include "connectors/ldap/attribute_list.h"

namespace idb::connectors::ldap {
namespace {

std::string tlv(unsigned char tag, const std::string& contents) {
  // Short-form lengths: every vector here is below 128 bytes.
  return std::string(1, static_cast<char>(tag)) + static_cast<char>(contents.size()) + contents;
}

std::string attribute(const std::string& type, const std::vector<std::string>& values) {
  std::string set;
  for (const auto& v : values) set += tlv(0x04, v);
  return tlv(0x30, tlv(0x04, type) + tlv(0x31, set));
}

// A SearchResultEntry as a Post-Read response carries it.
std::string entry(const std::string& dn, const std::string& attributes) {
  return tlv(0x64, tlv(0x04, dn) + tlv(0x30, attributes));
}

const std::string kCsn = "20261123031500.123456Z#000000#000#000000";
const std::string kTime = "20261123031500Z";

}  // namespace

TEST(entry_version, the_request_selects_both_attributes) {
  // AttributeSelection ::= SEQUENCE OF selector LDAPString
  EXPECT_EQ(post_read_request(), tlv(0x30, tlv(0x04, "entryCSN") + tlv(0x04, "modifyTimestamp")));
}

TEST(entry_version, entry_csn_is_preferred_to_modify_timestamp) {
  EXPECT_EQ(post_read_version(entry("uid=a,dc=x", attribute("modifyTimestamp", {kTime}) +
                                                      attribute("entryCSN", {kCsn}))),
            kCsn);
  EXPECT_EQ(post_read_version(entry("uid=a,dc=x", attribute("modifyTimestamp", {kTime}))), kTime)
      << "a server without entryCSN";
  EXPECT_EQ(post_read_version(entry("uid=a,dc=x", attribute("ENTRYCSN", {kCsn}))), kCsn) << "names fold case";
}

TEST(entry_version, nothing_usable_is_an_unknown_version) {
  EXPECT_EQ(post_read_version(entry("uid=a,dc=x", "")), "") << "neither attribute (no read access)";
  EXPECT_EQ(post_read_version(entry("uid=a,dc=x", attribute("entryCSN", {})) ), "") << "no value";
  EXPECT_EQ(post_read_version(""), "");
  EXPECT_EQ(post_read_version(tlv(0x30, tlv(0x04, "uid=a,dc=x"))), "") << "not a SearchResultEntry";
  const std::string whole = entry("uid=a,dc=x", attribute("entryCSN", {kCsn}));
  for (std::size_t n = 0; n < whole.size(); ++n) {
    EXPECT_EQ(post_read_version(whole.substr(0, n)), "") << "cut short at " << n;
  }
}

TEST(entry_version, read_entry_gives_the_dn_and_attributes) {
  const std::string ber = entry("uid=a,dc=x", attribute("entryCSN", {kCsn}) + attribute("cn", {"A", "B"}));
  EntryView view;  // views into `ber`
  ASSERT_TRUE(read_entry(ber, view));
  EXPECT_EQ(view.dn, "uid=a,dc=x");
  ASSERT_EQ(view.attributes.size(), 2u);
  EXPECT_EQ(view.attributes[1].first, "cn");
  EXPECT_EQ(view.attributes[1].second.size(), 2u);
}

TEST(entry_version, take_version_removes_both_attributes) {
  mapping::Attributes attributes{{"cn", {"A"}}, {"modifyTimestamp", {kTime}}, {"entrycsn", {kCsn}}};
  EXPECT_EQ(take_version(attributes), kCsn);
  EXPECT_EQ(attributes, (mapping::Attributes{{"cn", {"A"}}}));
  EXPECT_EQ(take_version(attributes), "");
}

}  // namespace idb::connectors::ldap
