// Every signing vector in ../shared/specs (official and captured), plus the primitives.
#include <gtest/gtest.h>

#include "connectors/signing/authing.h"
#include "connectors/signing/crypto.h"
#include "connectors/signing/eiam.h"
#include "connectors/signing/huawei.h"
#include "connectors/signing/jwt.h"
#include "connectors/signing/pds.h"
#include "connectors/signing/sensecore.h"
#include "tests/cloud/servers/pds_app_key.h"

namespace idb::connectors::signing {
namespace {

TEST(Crypto, DigestsAndEncodings) {
  EXPECT_EQ(hex(sha256("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex(hmac_sha256("key", "The quick brown fox jumps over the lazy dog")),
            "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  EXPECT_EQ(hex(hmac_sha1("key", "The quick brown fox jumps over the lazy dog")),
            "de7c9b85b8b78aa6bc8a7a36f70a90701c9db4d9");
  EXPECT_EQ(base64(""), "");
  EXPECT_EQ(base64("f"), "Zg==");
  EXPECT_EQ(base64("fo"), "Zm8=");
  EXPECT_EQ(base64("foo"), "Zm9v");
  EXPECT_EQ(base64_decode("Zg=="), "f");
  EXPECT_EQ(base64_decode("Zm8"), "fo");
  EXPECT_EQ(base64_decode("Zm9v"), "foo");
  EXPECT_EQ(base64_decode("-_8"), "\xfb\xff");
  EXPECT_EQ(base64_decode("Z!=="), std::nullopt);
  EXPECT_EQ(base64_decode("Z==="), std::nullopt);
  EXPECT_EQ(uri_encode("a b*c~d(e)+/é"), "a%20b%2Ac~d%28e%29%2B%2F%C3%A9");
  EXPECT_EQ(uri_encode_path("/v2/p 1/users/"), "/v2/p%201/users/");
  EXPECT_EQ(uri_decode("a%20b%2ac+%zz%4"), "a b*c+%zz%4");
  EXPECT_EQ(random_hex(16).size(), 32u);
  EXPECT_NE(random_hex(16), random_hex(16));
  EXPECT_TRUE(constant_time_equal("abc", "abc"));
  EXPECT_FALSE(constant_time_equal("abc", "abd"));
  EXPECT_FALSE(constant_time_equal("abc", "ab"));
}

TEST(Crypto, Dates) {
  Clock::time_point t;
  ASSERT_TRUE(parse_http_date("Sun, 22 Nov 2026 13:44:32 GMT", t));
  EXPECT_EQ(http_date(t), "Sun, 22 Nov 2026 13:44:32 GMT");
  EXPECT_EQ(iso8601(t), "2026-11-22T13:44:32Z");
  EXPECT_EQ(iso8601_basic(t), "20261122T134432Z");
  EXPECT_FALSE(parse_http_date("Sun, 22 Nov 2026 13:44:32", t));
  EXPECT_FALSE(parse_http_date("Sun, 22 Foo 2026 13:44:32 GMT", t));
  EXPECT_FALSE(parse_http_date("Sun, 22 Nov 2026 13:44:32 GMT trailing", t));
  EXPECT_FALSE(parse_http_date("", t));
}

// specs/001-authing.md §2c, captured from authing-node-sdk 4.0.1.
const Headers kAuthingHeaders(const std::string& nonce) {
  return {{"accept", "application/json"},
          {"content-type", "application/json"},
          {"x-authing-signature-nonce", nonce},
          {"x-authing-signature-method", "HMAC-SHA1"},
          {"x-authing-signature-version", "1.0"},
          {"user-agent", "AuthingIdentityCloud (linux; x64) Node.js/v20.20.2 Core/4.0.1"},
          {"x-authing-sdk-version", "authing-node-sdk:4.0.1"},
          {"x-authing-lang", "zh-CN"},
          {"date", "Sun, 22 Nov 2026 13:44:32 GMT"}};
}

TEST(Authing, CapturedUpdateUser) {
  const auto body = nlohmann::ordered_json::parse(
      R"({"userId":"6229ffaxxxxxxxxcade3e3d9","name":"张三","email":"test@example.com","status":"Suspended","customData":{"school":"PKU","age":22},"options":{"userIdType":"user_id"}})");
  const std::string sts = authing::string_to_sign("POST", kAuthingHeaders("d1e8ceadba463a036eddd7da3a1c2b6c"),
                                                  "/api/v3/update-user", authing::body_params(body));
  EXPECT_EQ(sts,
            "POST\ndate:Sun, 22 Nov 2026 13:44:32 GMT\nx-authing-lang:zh-CN\nx-authing-sdk-version:authing-node-sdk:4.0.1\n"
            "x-authing-signature-method:HMAC-SHA1\nx-authing-signature-nonce:d1e8ceadba463a036eddd7da3a1c2b6c\n"
            "x-authing-signature-version:1.0\n/api/v3/update-user?customData={\"school\":\"PKU\",\"age\":22}"
            "&email=test@example.com&name=张三&options={\"userIdType\":\"user_id\"}&status=Suspended"
            "&userId=6229ffaxxxxxxxxcade3e3d9");
  EXPECT_EQ(authing::authorization("AK_TEST", authing::signature("SK_TEST", sts)),
            "authing AK_TEST:+R7Wi7rbY+0/IKDOVKCDuts8H4Q=");
}

TEST(Authing, CapturedGetUser) {
  const Params query{{"userId", "bob"},           {"userIdType", "username"},      {"flatCustomData", "false"},
                     {"withCustomData", "false"}, {"withPost", "false"},           {"withIdentities", "false"},
                     {"withDepartmentIds", "false"}};
  const std::string sts =
      authing::string_to_sign("GET", kAuthingHeaders("a3b13b373101e3d51851318f2a5e2737"), "/api/v3/get-user", query);
  EXPECT_EQ(sts,
            "GET\ndate:Sun, 22 Nov 2026 13:44:32 GMT\nx-authing-lang:zh-CN\nx-authing-sdk-version:authing-node-sdk:4.0.1\n"
            "x-authing-signature-method:HMAC-SHA1\nx-authing-signature-nonce:a3b13b373101e3d51851318f2a5e2737\n"
            "x-authing-signature-version:1.0\n/api/v3/get-user?flatCustomData=false&userId=bob&userIdType=username"
            "&withCustomData=false&withDepartmentIds=false&withIdentities=false&withPost=false");
  EXPECT_EQ(authing::signature("SK_TEST", sts), "NWgZDX86iByY+1bMwT2+MWquHRQ=");
}

TEST(Authing, HeaderValuesAreFlattenedAndTrimmed) {
  const Headers headers{{"X-Authing-Lang", " zh\tCN\n "}, {"Date", "d"}, {"X-Other", "ignored"}};
  EXPECT_EQ(authing::string_to_sign("post", headers, "/p", {}), "POST\ndate:d\nx-authing-lang:zh CN\n/p");
}

// specs/002-aliyun-pds.md §2a.
TEST(Pds, OfficialRoaSignature) { EXPECT_EQ(pds::signature("secret", "GET\n\n\n\n\n"), "XGXDWA78AEvx/wmfxKoVCq/afWw="); }

TEST(Pds, OfficialStringToSign) {
  const Headers headers{{"Accept", "application/json"}, {"Content-MD5", "md5"}, {"Content-Type", "application/json"},
                        {"Date", "date"},               {"x-acs-meta", "user"}, {"Host", "ignored"}};
  const std::string sts = pds::string_to_sign("GET", headers, "Pathname", {{"test", "tests"}, {"test1", ""}, {"ccp", "ok"}});
  EXPECT_EQ(sts, "GET\napplication/json\nmd5\napplication/json\ndate\nx-acs-meta:user\nPathname?ccp=ok&test=tests&test1");
  EXPECT_EQ(pds::signature("secret", sts), "OeJm7tExhfCAZpt7Rx/0JtnQk5s=");
}

TEST(Pds, CapturedUpdateUser) {
  const Headers headers{{"date", "Sun, 22 Nov 2026 13:44:23 GMT"},
                        {"host", "127.0.0.1:18081"},
                        {"x-acs-version", "2022-03-01"},
                        {"x-acs-action", "UpdateUser"},
                        {"user-agent", "AlibabaCloud"},
                        {"x-acs-signature-nonce", "56af904554c18aba6932a24bb1e2a75c"},
                        {"accept", "application/json"},
                        {"content-type", "application/json; charset=utf-8"},
                        {"x-acs-signature-method", "HMAC-SHA1"},
                        {"x-acs-signature-version", "1.0"},
                        {"x-acs-credentials-provider", "static_ak"}};
  const std::string sts = pds::string_to_sign("POST", headers, "/v2/user/update", {});
  EXPECT_EQ(sts,
            "POST\napplication/json\n\napplication/json; charset=utf-8\nSun, 22 Nov 2026 13:44:23 GMT\n"
            "x-acs-action:UpdateUser\nx-acs-credentials-provider:static_ak\nx-acs-signature-method:HMAC-SHA1\n"
            "x-acs-signature-nonce:56af904554c18aba6932a24bb1e2a75c\nx-acs-signature-version:1.0\n"
            "x-acs-version:2022-03-01\n/v2/user/update");
  EXPECT_EQ(pds::authorization("YourAccessKeyId", pds::signature("YourAccessKeySecret", sts)),
            "acs YourAccessKeyId:U1Cai6DkyJWn2ldVOpd+fx0IGMA=");
}

const std::string kEmptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

// specs/004-aliyun-eiam.md §2, vector 1 (official V3 doc example).
TEST(Eiam, OfficialRunInstances) {
  const Headers headers{{"host", "ecs.cn-shanghai.aliyuncs.com"},
                        {"x-acs-action", "RunInstances"},
                        {"x-acs-content-sha256", kEmptyHash},
                        {"x-acs-date", "2023-10-26T10:22:32Z"},
                        {"x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"},
                        {"x-acs-version", "2014-05-26"}};
  const auto canonical = eiam::canonical_request(
      "POST", "/", {{"ImageId", "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd"}, {"RegionId", "cn-shanghai"}},
      headers, kEmptyHash);
  EXPECT_EQ(canonical.request,
            "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\n"
            "host:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\nx-acs-content-sha256:" +
                kEmptyHash +
                "\nx-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\n"
                "x-acs-version:2014-05-26\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;"
                "x-acs-version\n" +
                kEmptyHash);
  const std::string sts = eiam::string_to_sign(canonical.request);
  EXPECT_EQ(sts, "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259");
  EXPECT_EQ(eiam::signature("YourAccessKeySecret", sts),
            "06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0");
}

// Vector 2: openapi-util test_get_authorization (empty path, empty value, merged duplicate headers).
TEST(Eiam, OfficialAuthorizationWithMergedHeaders) {
  const auto canonical = eiam::canonical_request("GET", "", {{"test", "ok"}, {"empty", ""}},
                                                 {{"x-acs-test", "http"}, {"x-acs-TEST", "https"}},
                                                 "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23");
  EXPECT_EQ(canonical.request,
            "GET\n/\nempty=&test=ok\nx-acs-test:http,https\n\nx-acs-test\n"
            "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23");
  EXPECT_EQ(eiam::authorization("acesskey", canonical.signed_headers,
                                eiam::signature("secret", eiam::string_to_sign(canonical.request))),
            "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,"
            "Signature=d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1");
}

// Vector 3: captured EIAM UpdateUser; the wire query leaves ( ) * raw, the canonical form encodes them.
TEST(Eiam, CapturedUpdateUser) {
  const Params query{{"InstanceId", "idaas_ue2jvisn35ea5lmthk267xxxxx"},
                     {"UserId", "user_d6sbsuumeta4h66ec3il7yxxxx"},
                     {"DisplayName", uri_decode("Zhang%20San%20(%E5%BC%A0%E4%B8%89)")},
                     {"Email", uri_decode("a.b%2Bc%40example.com")},
                     {"EmailVerified", "true"},
                     {"CustomFields.1.FieldName", "nick_name"},
                     {"CustomFields.1.FieldValue", uri_decode("x%20y*z~")},
                     {"CustomFields.1.Operation", "replace"}};
  const Headers headers{{"host", "127.0.0.1:18080"},
                        {"x-acs-action", "UpdateUser"},
                        {"x-acs-content-sha256", kEmptyHash},
                        {"x-acs-credentials-provider", "static_ak"},
                        {"x-acs-date", "2026-11-22T13:44:12Z"},
                        {"x-acs-signature-nonce", "48a073a1c72c25411cd88ccf0b487385"},
                        {"x-acs-version", "2021-12-01"}};
  const auto canonical = eiam::canonical_request("POST", "/", query, headers, hex(sha256("")));
  EXPECT_EQ(canonical.request,
            "POST\n/\nCustomFields.1.FieldName=nick_name&CustomFields.1.FieldValue=x%20y%2Az~&CustomFields.1.Operation="
            "replace&DisplayName=Zhang%20San%20%28%E5%BC%A0%E4%B8%89%29&Email=a.b%2Bc%40example.com&EmailVerified=true&"
            "InstanceId=idaas_ue2jvisn35ea5lmthk267xxxxx&UserId=user_d6sbsuumeta4h66ec3il7yxxxx\nhost:127.0.0.1:18080\n"
            "x-acs-action:UpdateUser\nx-acs-content-sha256:" +
                kEmptyHash +
                "\nx-acs-credentials-provider:static_ak\nx-acs-date:2026-11-22T13:44:12Z\n"
                "x-acs-signature-nonce:48a073a1c72c25411cd88ccf0b487385\nx-acs-version:2021-12-01\n\n"
                "host;x-acs-action;x-acs-content-sha256;x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;"
                "x-acs-version\n" +
                kEmptyHash);
  EXPECT_EQ(eiam::authorization("YourAccessKeyId", canonical.signed_headers,
                                eiam::signature("YourAccessKeySecret", eiam::string_to_sign(canonical.request))),
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;"
            "x-acs-credentials-provider;x-acs-date;x-acs-signature-nonce;x-acs-version,"
            "Signature=f1d1414fd384ada1a2300a794c456a19090ba674f0c4db2ca6650dfd8947f6fe");
}

// specs/003-huawei-workspace.md §2b, official Go SDK signer_test.go.
TEST(Huawei, OfficialGet) {
  const auto canonical = huawei::canonical_request("GET", "/path", {{"limit", "1"}}, {{"X-Sdk-Date", "20060102T150405Z"}},
                                                   hex(sha256("")));
  EXPECT_EQ(canonical.request, "GET\n/path/\nlimit=1\nx-sdk-date:20060102T150405Z\n\nx-sdk-date\n" + kEmptyHash);
  EXPECT_EQ(huawei::authorization("AccessKey", canonical.signed_headers,
                                  huawei::signature("SecretKey", huawei::string_to_sign("20060102T150405Z",
                                                                                        canonical.request))),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=x-sdk-date, "
            "Signature=5a2ce64c865e0e6046321c6f3d5a77ba8413eeaf355c3166c03d58d02ac79624");
}

TEST(Huawei, OfficialPostHashesExactBodyBytes) {
  const auto canonical = huawei::canonical_request("POST", "/path", {{"key", "value"}},
                                                   {{"X-Sdk-Date", "20060102T150405Z"}},
                                                   hex(sha256("{\"Name\":\"test\",\"Id\":1}\n")));
  EXPECT_EQ(huawei::signature("SecretKey", huawei::string_to_sign("20060102T150405Z", canonical.request)),
            "cecc2af119b18ab70b4d094c0750f3b42c02f254903179a0fc2cc72fc9db4f59");
}

TEST(Huawei, CapturedUpdateUser) {
  const std::string project = "0bec5db98280d2d02fd6c00c2de791ce";
  const Headers headers{{"content-type", "application/json"},
                        {"host", "127.0.0.1:18082"},
                        {"x-project-id", project},
                        {"x-sdk-date", "20261122T134500Z"}};
  const std::string body = R"({"user_email":"test@huawei.com","description":"API test user."})";
  const auto canonical = huawei::canonical_request(
      "PUT", "/v2/" + project + "/users/8a2c3f9579d240820179d51e6caf0001", {}, headers, hex(sha256(body)));
  EXPECT_EQ(canonical.request, "PUT\n/v2/" + project +
                                   "/users/8a2c3f9579d240820179d51e6caf0001/\n\ncontent-type:application/json\n"
                                   "host:127.0.0.1:18082\nx-project-id:" +
                                   project +
                                   "\nx-sdk-date:20261122T134500Z\n\ncontent-type;host;x-project-id;x-sdk-date\n"
                                   "4fdf5748d843c27a8a107d52bdde14d728ba6a51081419539071871f32f04de0");
  EXPECT_EQ(huawei::authorization("AccessKey", canonical.signed_headers,
                                  huawei::signature("SecretKey", huawei::string_to_sign("20261122T134500Z",
                                                                                        canonical.request))),
            "SDK-HMAC-SHA256 Access=AccessKey, SignedHeaders=content-type;host;x-project-id;x-sdk-date, "
            "Signature=aa0c3f9e95eba31a764cc0ee412c7f2487921f9162014735a31a4e14b4c47a8e");
}

TEST(Huawei, CapturedListWithEncodedQuery) {
  const std::string project = "0bec5db98280d2d02fd6c00c2de791ce";
  const Headers headers{{"content-type", "application/json"},
                        {"host", "127.0.0.1:18082"},
                        {"x-project-id", project},
                        {"x-sdk-date", "20261122T134500Z"}};
  const auto canonical = huawei::canonical_request(
      "GET", "/v2/" + project + "/users", {{"user_name", "zhang san"}, {"limit", "10"}, {"offset", "0"}}, headers,
      hex(sha256("{}")));
  EXPECT_NE(canonical.request.find("\nlimit=10&offset=0&user_name=zhang%20san\n"), std::string::npos);
  EXPECT_EQ(huawei::signature("SecretKey", huawei::string_to_sign("20261122T134500Z", canonical.request)),
            "05bbf7a6ff1f3d3304bcb7ce499b7d65e9531a2b19c4150218cab8840d8fbba7");
}

// specs/000-sensecore-iam.md §2a (self-computed vectors; no official ones exist).
TEST(SenseCore, XDate) {
  const Headers signed_headers{{"X-Date", "Wed, 26 Jul 2023 11:36:03 GMT"}};
  const std::string sts = sensecore::string_to_sign(signed_headers);
  EXPECT_EQ(sts, "x-date: Wed, 26 Jul 2023 11:36:03 GMT");
  const std::string sig = sensecore::signature("SK_TEST", sts);
  EXPECT_EQ(sig, "JQggsPbgeD5nEgY4lLVT0dOHHnYEC68XRBTpD44llpI=");
  EXPECT_EQ(sensecore::authorization("AK_TEST", signed_headers, sig),
            "hmac accesskey=\"AK_TEST\", algorithm=\"hmac-sha256\", headers=\"x-date\", "
            "signature=\"JQggsPbgeD5nEgY4lLVT0dOHHnYEC68XRBTpD44llpI=\"");
}

TEST(SenseCore, RequestTargetVariant) {
  const Headers signed_headers{{"date", "Wed, 26 Jul 2023 11:36:03 GMT"},
                               {"host", "iam.sensecoreapi.cn"},
                               {"@request-target", "get /iam/idp/v1/users?page_size=100&page_token=1"}};
  EXPECT_EQ(sensecore::signature("SK_TEST", sensecore::string_to_sign(signed_headers)),
            "ZW9Q+R8mJvNKCaWbCwZzIl6jjVM482foAF1Vl37wF4M=");
}

// PDS JWT-bearer assertion (specs/002-aliyun-pds.md §2c). The expected token
// was computed independently: `printf %s 'HEADER.PAYLOAD' | openssl dgst
// -sha256 -sign key.pem | base64url` with the key in pds_app_key.h.
TEST(Jwt, Rs256MatchesOpenSslCli) {
  const std::string input = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJpc3MiOiJhcHAxIn0";
  const std::string expected = input + "."
      "NVUeg-4O0AN2APbcrDYZ6x86JBCIDYpe9kxdqz7iqkTftjLjtPoliWNEgcMKuPqDjsnuDphVIIkF6mdwK4T2V97BEvduupKYOxPYDvxhcaPMM4_8jgQrh9OTssC_wdY8Vr6AH8gQgrwJ6CpWfv-5PIFsIvIxDjlYCZf5JfwU9OPX2utwO4pMaPcXm6jrd0-0sreVXRu9sqM5NYFVwSib88W3gkuMGUBSyiDnJAhko7J50GNuhm03cYQenT7mYtQqed_QTs2qI9PtcqgE5IamH1nasXv84od69f8JUAQEWv9oDm8UD5QUhld_LCxczCrM0wKlhJn-LpnBejkbk8B_Dw";
  const auto token = jwt::sign_rs256({{"iss", "app1"}}, test::cloud::kPdsAppPrivateKey);
  ASSERT_TRUE(token);
  EXPECT_EQ(*token, expected);
  const auto claims = jwt::verify_rs256(*token, test::cloud::kPdsAppPublicKey);
  ASSERT_TRUE(claims);
  EXPECT_EQ(claims->value("iss", ""), "app1");
}

TEST(Jwt, TamperedOrMalformedTokensDoNotVerify) {
  const auto token = *jwt::sign_rs256({{"iss", "app1"}, {"exp", 1}}, test::cloud::kPdsAppPrivateKey);
  std::string tampered = token;
  tampered[tampered.find('.') + 3] ^= 1;  // a payload byte
  EXPECT_FALSE(jwt::verify_rs256(tampered, test::cloud::kPdsAppPublicKey));
  EXPECT_FALSE(jwt::verify_rs256(token + "x", test::cloud::kPdsAppPublicKey));
  EXPECT_FALSE(jwt::verify_rs256("a.b", test::cloud::kPdsAppPublicKey));
  EXPECT_FALSE(jwt::verify_rs256("", test::cloud::kPdsAppPublicKey));
  // alg "none" with the signature stripped must not pass.
  const std::string none = jwt::base64url(R"({"alg":"none"})") + "." + jwt::base64url(R"({"iss":"app1"})") + ".";
  EXPECT_FALSE(jwt::verify_rs256(none, test::cloud::kPdsAppPublicKey));
  EXPECT_FALSE(jwt::sign_rs256({}, "not a key"));
  EXPECT_FALSE(jwt::verify_rs256(token, "not a key"));
}

}  // namespace
}  // namespace idb::connectors::signing
