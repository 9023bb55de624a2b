#include "api/keys.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <stdexcept>

#include "api/data_api.hpp"

namespace signalmesh::api {
namespace {

std::string_view trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// A key with a space or control character inside could never be sent as a
// bearer token: refuse it at start rather than never match.
bool is_sendable(std::string_view key) {
  for (unsigned char c : key) {
    if (c <= 0x20 || c == 0x7F) return false;
  }
  return true;
}

void add_key(std::vector<std::string>& keys, std::string_view key, const std::string& where) {
  if (!is_sendable(key)) {
    throw std::runtime_error(where + ": an API key may not hold spaces or control characters");
  }
  for (const std::string& k : keys) {
    if (k == key) return;
  }
  keys.emplace_back(key);
}

}  // namespace

std::string key_digest(std::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(key.data(), key.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("SHA-256 is not available from OpenSSL");
  }
  return {reinterpret_cast<const char*>(digest), length};
}

bool is_authorized(const std::vector<std::string>& digests, std::string_view authorization) {
  constexpr std::string_view kScheme = "bearer ";
  if (authorization.size() <= kScheme.size()) return false;
  for (std::size_t i = 0; i < kScheme.size(); ++i) {
    const char c = authorization[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != kScheme[i]) return false;
  }
  const std::string_view key = trim(authorization.substr(kScheme.size()));
  if (key.empty()) return false;
  const std::string digest = key_digest(key);
  int matched = 0;
  for (const std::string& d : digests) {
    matched |= d.size() == digest.size() && CRYPTO_memcmp(d.data(), digest.data(), d.size()) == 0;
  }
  return matched != 0;
}

std::vector<std::string> load_api_keys(const std::string& key_file, const char* env_value) {
  std::vector<std::string> keys;
  if (!key_file.empty()) {
    std::ifstream in(key_file);
    if (!in) {
      throw std::runtime_error("--api-key-file '" + key_file +
                               "' cannot be read: " + std::strerror(errno));
    }
    std::string line;
    for (int number = 1; std::getline(in, line); ++number) {
      const std::string_view key = trim(line);
      if (key.empty() || key.front() == '#') continue;
      add_key(keys, key, "--api-key-file '" + key_file + "' line " + std::to_string(number));
    }
    if (in.bad()) throw std::runtime_error("--api-key-file '" + key_file + "' cannot be read");
    if (keys.empty()) {
      throw std::runtime_error("--api-key-file '" + key_file +
                               "' holds no key (only blank lines and #comments)");
    }
  }
  if (env_value) {
    const std::string_view key = trim(env_value);
    if (!key.empty()) add_key(keys, key, "SIGNALMESH_API_KEY");
  }
  return keys;
}

}  // namespace signalmesh::api
