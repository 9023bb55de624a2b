// The few primitives auth needs, all from OpenSSL (no hand-written crypto):
// HMAC, base64/base64url, constant-time comparison.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signalmesh::auth {

std::string hmac_sha256(std::string_view key, std::string_view data);
std::string hmac_sha1(std::string_view key, std::string_view data);
std::string base64(std::string_view bytes);
std::string base64url(std::string_view bytes);  // no padding (RFC 7515)
// Strict: only the base64url alphabet, no padding; nullopt otherwise.
std::optional<std::string> base64url_decode(std::string_view text);
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace signalmesh::auth
