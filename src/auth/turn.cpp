#include "auth/turn.hpp"

#include "auth/crypto.hpp"
#include "text/json_text.hpp"

namespace signalmesh::auth {
namespace {

void append_uris(std::string& out, const TurnConfig& config) {
  out += '[';
  for (std::size_t i = 0; i < config.uris.size(); ++i) {
    if (i) out += ',';
    text::append_json_string(out, config.uris[i]);
  }
  out += ']';
}

}  // namespace

TurnCredentials make_turn_credentials(const TurnConfig& config, std::string_view peer_id,
                                      std::int64_t now) {
  TurnCredentials c;
  c.ttl = config.ttl_seconds;
  c.username = std::to_string(now + config.ttl_seconds) + ":" + std::string(peer_id);
  c.password = base64(hmac_sha1(config.secrets.front(), c.username));
  return c;
}

std::string ice_servers_json(const TurnConfig& config, const TurnCredentials& credentials) {
  std::string out = "[{\"urls\":";
  append_uris(out, config);
  out += ",\"username\":";
  text::append_json_string(out, credentials.username);
  out += ",\"credential\":";
  text::append_json_string(out, credentials.password);
  out += "}]";
  return out;
}

std::string turn_response_json(const TurnConfig& config, const TurnCredentials& credentials) {
  std::string out = "{\"username\":";
  text::append_json_string(out, credentials.username);
  out += ",\"password\":";
  text::append_json_string(out, credentials.password);
  out += ",\"ttl\":" + std::to_string(credentials.ttl) + ",\"uris\":";
  append_uris(out, config);
  out += ",\"iceServers\":" + ice_servers_json(config, credentials) + "}";
  return out;
}

std::string ice_servers_json(const TurnConfig& config, std::string_view peer_id, std::int64_t now) {
  if (config.uris.empty()) return {};
  if (!config.secrets.empty()) {
    return ice_servers_json(config, make_turn_credentials(config, peer_id, now));
  }
  // STUN only: browsers take stun: URLs without credentials.
  std::string out = "[{\"urls\":";
  append_uris(out, config);
  out += "}]";
  return out;
}

std::string turn_response_json(const TurnConfig& config, std::string_view peer_id,
                               std::int64_t now) {
  if (!config.secrets.empty()) {
    return turn_response_json(config, make_turn_credentials(config, peer_id, now));
  }
  std::string out = "{\"uris\":";
  append_uris(out, config);
  out += ",\"iceServers\":" + ice_servers_json(config, peer_id, now) + "}";
  return out;
}

}  // namespace signalmesh::auth
