#include "auth/token.hpp"

#include <rapidjson/document.h>

#include "auth/crypto.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh::auth {
namespace {

// Tokens travel in a query string; anything longer is not ours.
constexpr std::size_t kMaxTokenBytes = 4096;

std::optional<rapidjson::Document> decode_json_part(std::string_view part) {
  auto bytes = base64url_decode(part);
  if (!bytes) return std::nullopt;
  rapidjson::Document doc;
  doc.Parse<rapidjson::kParseIterativeFlag>(bytes->data(), bytes->size());
  if (doc.HasParseError() || !doc.IsObject()) return std::nullopt;
  return doc;
}

const rapidjson::Value* member(const rapidjson::Value& object, const char* name) {
  auto it = object.FindMember(name);
  return it == object.MemberEnd() ? nullptr : &it->value;
}

}  // namespace

std::optional<TokenClaims> verify_token(std::string_view token, std::string_view secret,
                                        double now) {
  if (secret.empty() || token.empty() || token.size() > kMaxTokenBytes) return std::nullopt;
  const auto first = token.find('.');
  const auto second = token.find('.', first == std::string_view::npos ? first : first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos ||
      token.find('.', second + 1) != std::string_view::npos) {
    return std::nullopt;
  }
  const auto header_part = token.substr(0, first);
  const auto payload_part = token.substr(first + 1, second - first - 1);
  const auto signature_part = token.substr(second + 1);

  // The algorithm is fixed by the server, never chosen by the token: only
  // HS256 (no "none", no RS256-with-the-secret-as-a-public-key confusion).
  auto header = decode_json_part(header_part);
  if (!header) return std::nullopt;
  const auto* alg = member(*header, "alg");
  if (alg == nullptr || !alg->IsString() || std::string_view(alg->GetString()) != "HS256") {
    return std::nullopt;
  }
  if (member(*header, "crit") != nullptr) return std::nullopt;  // no extensions understood

  const auto signature = base64url_decode(signature_part);
  const auto expected = hmac_sha256(secret, token.substr(0, second));
  if (!signature || !constant_time_equal(*signature, expected)) return std::nullopt;

  auto payload = decode_json_part(payload_part);
  if (!payload) return std::nullopt;
  const auto* sub = member(*payload, "sub");
  const auto* room = member(*payload, "room");
  const auto* exp = member(*payload, "exp");
  if (sub == nullptr || !sub->IsString() || room == nullptr || !room->IsString() ||
      exp == nullptr || !exp->IsNumber()) {
    return std::nullopt;
  }
  TokenClaims claims{sub->GetString(), room->GetString(), exp->GetDouble()};
  if (!protocol::is_valid_id(claims.sub)) return std::nullopt;
  if (claims.room != "*" && !protocol::is_valid_id(claims.room)) return std::nullopt;
  if (!(now < claims.exp)) return std::nullopt;
  if (const auto* nbf = member(*payload, "nbf")) {
    if (!nbf->IsNumber() || now < nbf->GetDouble()) return std::nullopt;
  }
  return claims;
}

bool grants(const TokenClaims& claims, std::string_view room_id, std::string_view peer_id) {
  return claims.sub == peer_id && (claims.room == "*" || claims.room == room_id);
}

std::string sign_token(std::string_view payload_json, std::string_view secret) {
  std::string signing_input = base64url(R"({"alg":"HS256","typ":"JWT"})");
  signing_input += '.';
  signing_input += base64url(payload_json);
  const std::string signature = base64url(hmac_sha256(secret, signing_input));
  return signing_input + "." + signature;
}

}  // namespace signalmesh::auth
