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

// What a browser needs to reach the configured TURN/STUN servers, as peer_id
// at unix time `now`: "" without URIs; `[{"urls":[...]}]` for a STUN-only
// setup (URIs and no secret); with credentials signed for peer_id when a
// secret is set. The welcome's `iceServers` (protocol.md §3).
std::string ice_servers_json(const TurnConfig& config, std::string_view peer_id, std::int64_t now);
// The body of GET /turn for peer_id: `{"username","password","ttl","uris",
// "iceServers"}` with a secret, `{"uris","iceServers"}` for STUN only.
// Precondition: config.uris is not empty.
std::string turn_response_json(const TurnConfig& config, std::string_view peer_id,
                               std::int64_t now);

}  // namespace signalmesh::auth
