// API keys: their digests and the constant-time check of a request's
// Authorization header against all of them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace signalmesh::api {

// SHA-256 of the key: every comparison is then of 32 bytes, so neither the
// time nor an early exit tells how long a key is or how much of it matched.
std::string key_digest(std::string_view key);
// `authorization` is "Bearer KEY" (scheme in any case) and KEY's digest is
// one of `digests`. Compares against every digest, whatever matched first.
bool is_authorized(const std::vector<std::string>& digests, std::string_view authorization);

}  // namespace signalmesh::api
