// The attribute list of a search entry read from its BER bytes (vectors
// written by hand from RFC 4511 4.5.2 and X.690); the same reader serves every
// paged read, so the slapd tests run it on real messages too.
#include "connectors/ldap/attribute_list.h"

#include <gtest/gtest.h>

using idb::connectors::ldap::EntryView;
using idb::connectors::ldap::read_attribute_list;

namespace {

std::string tlv(unsigned char tag, const std::string& contents) {
  std::string out(1, static_cast<char>(tag));
  if (contents.size() < 0x80) {
    out += static_cast<char>(contents.size());
  } else if (contents.size() < 0x100) {
    out += '\x81';
    out += static_cast<char>(contents.size());
  } else {
    out += '\x82';
    out += static_cast<char>(contents.size() >> 8);
    out += static_cast<char>(contents.size() & 0xff);
  }
  return out + contents;
}

std::string attribute(const std::string& type, const std::vector<std::string>& values) {
  std::string set;
  for (const auto& v : values) set += tlv(0x04, v);
  return tlv(0x30, tlv(0x04, type) + tlv(0x31, set));
}

std::vector<std::pair<std::string, std::vector<std::string>>> copy(const EntryView::Attributes& in) {
  std::vector<std::pair<std::string, std::vector<std::string>>> out;
  for (const auto& [name, values] : in) out.emplace_back(std::string(name), std::vector<std::string>(values.begin(), values.end()));
  return out;
}

using Copied = std::vector<std::pair<std::string, std::vector<std::string>>>;

}  // namespace

TEST(attribute_list, reads_names_and_values_in_order_bytes_kept) {
  const std::string photo("\x00\xff\x01jpeg", 7);
  const std::string bytes = attribute("cn", {"Ada Lovelace"}) + attribute("mail", {"a@x", "b@x"}) +
                            attribute("jpegPhoto", {photo});
  EntryView::Attributes out;
  EXPECT_TRUE(read_attribute_list(bytes, out));
  EXPECT_EQ(copy(out), (Copied{{"cn", {"Ada Lovelace"}}, {"mail", {"a@x", "b@x"}}, {"jpegPhoto", {photo}}}));
}

TEST(attribute_list, long_form_lengths_and_empty_sets) {
  const std::string long_value(300, 'v');
  const std::string bytes = attribute("description", {long_value, std::string(200, 'w')}) + attribute("empty", {});
  EntryView::Attributes out;
  EXPECT_TRUE(read_attribute_list(bytes, out));
  EXPECT_EQ(copy(out), (Copied{{"description", {long_value, std::string(200, 'w')}}, {"empty", {}}}));
  // A length in more bytes than it needs is still BER.
  const std::string padded = std::string("\x30\x84\x00\x00\x00\x09", 6) + tlv(0x04, "sn") + tlv(0x31, tlv(0x04, "Q"));
  EXPECT_TRUE(read_attribute_list(padded, out));
  EXPECT_EQ(copy(out), (Copied{{"sn", {"Q"}}}));
}

TEST(attribute_list, stops_where_the_attributes_end) {
  EntryView::Attributes out;
  EXPECT_TRUE(read_attribute_list("", out));
  EXPECT_TRUE(out.empty());
  // Controls ([0], constructed) after the list are not attributes.
  const std::string with_controls = attribute("uid", {"ada"}) + tlv(0xa0, tlv(0x30, "x"));
  EXPECT_TRUE(read_attribute_list(with_controls, out));
  EXPECT_EQ(copy(out), (Copied{{"uid", {"ada"}}}));
}

TEST(attribute_list, malformed_or_cut_short_keeps_only_whole_attributes_before_it) {
  const std::string good = attribute("uid", {"ada"});
  EntryView::Attributes out;
  // A value that is not an OCTET STRING, an indefinite length, a multi-byte tag.
  for (const std::string& bad : {tlv(0x30, tlv(0x04, "cn") + tlv(0x31, tlv(0x02, "1"))),
                                 std::string("\x30\x80\x04\x02" "cn\x31\x00\x00\x00", 10),
                                 tlv(0x30, tlv(0x04, "cn") + tlv(0x3f, "")), tlv(0x30, tlv(0x31, "") + tlv(0x04, "cn"))}) {
    const std::string bytes = good + bad;
    EXPECT_FALSE(read_attribute_list(bytes, out));
    EXPECT_EQ(copy(out), (Copied{{"uid", {"ada"}}}));
  }
  // Every cut of a message: never a read past its end (the sanitizer build
  // checks), never half an attribute.
  const std::string bytes = good + attribute("mail", {"a@x", std::string(150, 'b')});
  for (std::size_t n = 0; n <= bytes.size(); ++n) {
    const std::string cut = bytes.substr(0, n);  // its own allocation: a read past it is caught
    read_attribute_list(cut, out);
    ASSERT_LE(out.size(), 2u);
    if (n < good.size()) EXPECT_TRUE(out.empty()) << n;
    if (n >= good.size() && n < bytes.size()) EXPECT_EQ(copy(out), (Copied{{"uid", {"ada"}}})) << n;
  }
  EXPECT_EQ(out.size(), 2u);
}

TEST(attribute_list, refilled_in_place) {
  EntryView::Attributes out;
  const std::string first = attribute("a", {"1", "2"}) + attribute("b", {"3"}), second = attribute("c", {"4"});
  EXPECT_TRUE(read_attribute_list(first, out));
  EXPECT_TRUE(read_attribute_list(second, out));
  EXPECT_EQ(copy(out), (Copied{{"c", {"4"}}}));
}
