// The Signalmesh-Signature header and event ids (webhook_sender.hpp).
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <stdexcept>

#include "webhooks/webhook_sender.hpp"

namespace signalmesh::webhooks {
namespace {

std::string hex(const unsigned char* bytes, std::size_t n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(2 * n, '\0');
  for (std::size_t i = 0; i < n; ++i) {
    out[2 * i] = digits[bytes[i] >> 4];
    out[2 * i + 1] = digits[bytes[i] & 0xf];
  }
  return out;
}

}  // namespace

std::string signature_header(std::string_view secret, std::int64_t unix_seconds,
                             std::string_view body) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_text;
  signed_text.reserve(t.size() + 1 + body.size());
  signed_text += t;
  signed_text += '.';
  signed_text += body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  // HMAC() takes a null key as "no key"; an empty secret still signs.
  static const char empty_key = '\0';
  HMAC(EVP_sha256(), secret.empty() ? &empty_key : secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(signed_text.data()), signed_text.size(), mac, &size);
  return "t=" + t + ",v1=" + hex(mac, size);
}

std::string new_event_id() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("RAND_bytes failed");
  return "evt_" + hex(bytes, sizeof bytes);
}

}  // namespace signalmesh::webhooks
