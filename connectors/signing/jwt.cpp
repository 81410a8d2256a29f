#include "connectors/signing/jwt.h"

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <memory>

#include "connectors/signing/crypto.h"

namespace idb::connectors::signing::jwt {
namespace {

using Key = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;
using DigestContext = std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)>;

Key read_key(std::string_view pem, bool private_key) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())), BIO_free);
  if (!bio) return {nullptr, EVP_PKEY_free};
  EVP_PKEY* key = private_key ? PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr)
                              : PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr);
  if (key && EVP_PKEY_base_id(key) != EVP_PKEY_RSA) {
    EVP_PKEY_free(key);
    key = nullptr;
  }
  return {key, EVP_PKEY_free};
}

const std::string kHeader = R"({"alg":"RS256","typ":"JWT"})";

}  // namespace

std::string base64url(std::string_view bytes) {
  std::string out = base64(bytes);
  while (!out.empty() && out.back() == '=') out.pop_back();
  for (char& c : out) c = c == '+' ? '-' : c == '/' ? '_' : c;
  return out;
}

std::optional<std::string> sign_rs256(const nlohmann::json& claims, std::string_view private_key_pem) {
  const Key key = read_key(private_key_pem, true);
  if (!key) return std::nullopt;
  const std::string input = base64url(kHeader) + "." + base64url(claims.dump());
  DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  std::size_t size = 0;
  if (!context || EVP_DigestSignInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestSign(context.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return std::nullopt;
  }
  std::string signature(size, '\0');
  if (EVP_DigestSign(context.get(), reinterpret_cast<unsigned char*>(signature.data()), &size,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return std::nullopt;
  }
  signature.resize(size);
  return input + "." + base64url(signature);
}

std::optional<nlohmann::json> verify_rs256(std::string_view token, std::string_view public_key_pem) {
  const auto first = token.find('.');
  const auto second = first == std::string_view::npos ? first : token.find('.', first + 1);
  if (second == std::string_view::npos || token.find('.', second + 1) != std::string_view::npos) return std::nullopt;
  const auto header = base64_decode(token.substr(0, first));
  const auto payload = base64_decode(token.substr(first + 1, second - first - 1));
  const auto signature = base64_decode(token.substr(second + 1));
  if (!header || !payload || !signature) return std::nullopt;
  const auto parsed_header = nlohmann::json::parse(*header, nullptr, false);
  if (!parsed_header.is_object() || parsed_header.value("alg", "") != "RS256") return std::nullopt;
  auto claims = nlohmann::json::parse(*payload, nullptr, false);
  if (!claims.is_object()) return std::nullopt;
  const Key key = read_key(public_key_pem, false);
  if (!key) return std::nullopt;
  DigestContext context(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  const std::string_view input = token.substr(0, second);
  if (!context || EVP_DigestVerifyInit(context.get(), nullptr, EVP_sha256(), nullptr, key.get()) != 1 ||
      EVP_DigestVerify(context.get(), reinterpret_cast<const unsigned char*>(signature->data()), signature->size(),
                       reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return std::nullopt;
  }
  return claims;
}

}  // namespace idb::connectors::signing::jwt
