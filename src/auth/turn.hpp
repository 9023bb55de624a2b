// Temporary TURN credentials, coturn REST API style (use-auth-secret):
// username "<expiry unix seconds>:<peerId>", password
// base64(HMAC-SHA1(secret, username)). coturn recomputes the password from
// its static-auth-secret and refuses expired usernames.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "signalmesh/config.hpp"

namespace signalmesh::auth {

struct TurnCredentials {
  std::string username;
  std::string password;
  std::uint32_t ttl = 0;
};

// Signed with the first secret. Precondition: config.secrets is not empty.
TurnCredentials make_turn_credentials(const TurnConfig& config, std::string_view peer_id,
                                      std::int64_t now);
// `[{"urls":[...],"username":...,"credential":...}]`, ready for
// `new RTCPeerConnection({iceServers})`.
std::string ice_servers_json(const TurnConfig& config, const TurnCredentials& credentials);
// The body of GET /turn (protocol.md §7).
std::string turn_response_json(const TurnConfig& config, const TurnCredentials& credentials);

}  // namespace signalmesh::auth
