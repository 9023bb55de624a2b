// make_tls_context (tls_stream.hpp).
#include <openssl/err.h>
#include <openssl/ssl.h>

#include <stdexcept>

#include "websocket/tls_stream.hpp"

namespace signalmesh {
namespace {

// Mozilla's "intermediate" TLS 1.2 suites (TLS 1.3 has its own, all good).
constexpr const char* kTls12Ciphers =
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "DHE-RSA-AES128-GCM-SHA256:DHE-RSA-AES256-GCM-SHA384";

std::string openssl_reason() {
  const unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return "unknown OpenSSL error";
  char text[256];
  ERR_error_string_n(code, text, sizeof text);
  return text;
}

}  // namespace

std::shared_ptr<asio::ssl::context> make_tls_context(const std::string& cert_file,
                                                     const std::string& key_file) {
  auto context = std::make_shared<asio::ssl::context>(asio::ssl::context::tls_server);
  SSL_CTX* ctx = context->native_handle();
  ERR_clear_error();
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  // The client's order among these suites (they are all strong), as Mozilla's
  // intermediate configuration has it.
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if (SSL_CTX_set_cipher_list(ctx, kTls12Ciphers) != 1) {
    throw std::runtime_error("TLS: the cipher list was refused: " + openssl_reason());
  }
  if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
    throw std::runtime_error("--tls-cert-file " + cert_file + ": " + openssl_reason());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("--tls-key-file " + key_file + ": " + openssl_reason() +
                             " (it must be the PEM key of --tls-cert-file " + cert_file + ")");
  }
  if (SSL_CTX_check_private_key(ctx) != 1) {
    throw std::runtime_error("--tls-key-file " + key_file +
                             " does not match the certificate of --tls-cert-file " + cert_file);
  }
  return context;
}

}  // namespace signalmesh
