// Admission tokens (protocol.md §6): JWT signed HS256 with the claims `sub`
// (the peerId granted), `room` (a roomId or "*") and `exp` (required).
// Any other algorithm, `none` included, is refused.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace signalmesh::auth {

struct TokenClaims {
  std::string sub;
  std::string room;
  double exp = 0;
};

// The claims of a well-formed, correctly signed, unexpired token; nullopt
// otherwise (all of which is `unauthorized`). `now` in Unix seconds.
std::optional<TokenClaims> verify_token(std::string_view token, std::string_view secret,
                                        double now);

// Whether the claims grant joining `room_id` as `peer_id` (`forbidden` if not).
bool grants(const TokenClaims& claims, std::string_view room_id, std::string_view peer_id);

// Signs `payload_json` as an HS256 JWT (for tests and tools).
std::string sign_token(std::string_view payload_json, std::string_view secret);

}  // namespace signalmesh::auth
