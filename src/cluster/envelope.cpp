#include "cluster/envelope.hpp"

#include <charconv>

namespace signalmesh::cluster {
namespace {

void field(std::string& out, std::string_view value) {
  out += ' ';
  out += value;
}

void number(std::string& out, std::uint64_t value) {
  char buf[24];
  auto res = std::to_chars(buf, buf + sizeof buf, value);
  out += ' ';
  out.append(buf, res.ptr);
}

std::string header(Kind kind, std::string_view origin, std::size_t reserve) {
  std::string out;
  out.reserve(kVersionTag.size() + origin.size() + 8 + reserve);
  out += kVersionTag;
  out += ' ';
  out += static_cast<char>(kind);
  field(out, origin);
  return out;
}

// Splits off the next space-separated token of `line`.
bool next_token(std::string_view& line, std::string_view& token) {
  if (line.empty()) return false;
  const auto space = line.find(' ');
  token = line.substr(0, space);
  line = space == std::string_view::npos ? std::string_view{} : line.substr(space + 1);
  return !token.empty();
}

bool next_number(std::string_view& line, std::uint64_t& value) {
  std::string_view token;
  if (!next_token(line, token)) return false;
  auto res = std::from_chars(token.data(), token.data() + token.size(), value);
  return res.ec == std::errc() && res.ptr == token.data() + token.size();
}

bool next_string(std::string_view& line, std::string& value) {
  std::string_view token;
  if (!next_token(line, token)) return false;
  value.assign(token);
  return true;
}

}  // namespace

std::string encode_join(std::string_view origin, std::string_view peer, std::uint64_t join_order,
                        std::uint64_t epoch) {
  std::string out = header(Kind::kJoin, origin, peer.size() + 44);
  field(out, peer);
  number(out, join_order);
  number(out, epoch);
  out += '\n';
  return out;
}

std::string encode_leave(std::string_view origin, std::string_view peer, std::string_view reason) {
  std::string out = header(Kind::kLeave, origin, peer.size() + reason.size() + 4);
  field(out, peer);
  field(out, reason);
  out += '\n';
  return out;
}

std::string encode_relay(std::string_view origin, std::string_view from, std::string_view target,
                         std::uint64_t type, std::string_view body) {
  std::string out = header(Kind::kRelay, origin, from.size() + target.size() + 8 + body.size());
  field(out, from);
  field(out, target);
  number(out, type);
  out += '\n';
  out += body;
  return out;
}

std::string encode_host_change(std::string_view origin, std::string_view from,
                               std::string_view new_host) {
  std::string out = header(Kind::kHostChange, origin, from.size() + new_host.size() + 4);
  field(out, from);
  field(out, new_host);
  out += '\n';
  return out;
}

std::string encode_kick(std::string_view origin, std::string_view from, std::string_view target,
                        std::string_view body) {
  std::string out = header(Kind::kKick, origin, from.size() + target.size() + 4 + body.size());
  field(out, from);
  field(out, target);
  out += '\n';
  out += body;
  return out;
}

std::string encode_sync_request(std::string_view origin, std::string_view room_id) {
  std::string out = header(Kind::kSyncRequest, origin, room_id.size() + 2);
  field(out, room_id);
  out += '\n';
  return out;
}

std::string encode_sync(std::string_view origin, std::string_view explicit_host,
                        const std::vector<SyncedMember>& members) {
  std::string out = header(Kind::kSync, origin, 16 + members.size() * 100);
  field(out, explicit_host.empty() ? std::string_view("-") : explicit_host);
  number(out, members.size());
  for (const auto& m : members) {
    field(out, m.peer_id);
    number(out, m.join_order);
    number(out, m.epoch);
  }
  out += '\n';
  return out;
}

std::string encode_heartbeat(std::string_view origin, std::uint64_t incarnation, bool hello) {
  std::string out = header(Kind::kHeartbeat, origin, 28);
  number(out, incarnation);
  number(out, hello ? 1 : 0);
  out += '\n';
  return out;
}

DecodeResult decode(std::string_view payload, Envelope& out) {
  const auto newline = payload.find('\n');
  if (newline == std::string_view::npos) return DecodeResult::kMalformed;
  std::string_view line = payload.substr(0, newline);
  out.body = payload.substr(newline + 1);
  out.members.clear();
  std::string_view token;
  if (!next_token(line, token)) return DecodeResult::kMalformed;
  if (token != kVersionTag) return DecodeResult::kOtherVersion;
  if (!next_token(line, token) || token.size() != 1) return DecodeResult::kMalformed;
  out.kind = static_cast<Kind>(token[0]);
  if (!next_string(line, out.origin)) return DecodeResult::kMalformed;
  bool ok = false;
  switch (out.kind) {
    case Kind::kJoin:
      ok = next_string(line, out.peer) && next_number(line, out.n1) && next_number(line, out.n2);
      break;
    case Kind::kLeave:
    case Kind::kHostChange:
    case Kind::kKick:
      ok = next_string(line, out.peer) && next_string(line, out.arg);
      break;
    case Kind::kRelay:
      ok = next_string(line, out.peer) && next_string(line, out.arg) && next_number(line, out.n1);
      break;
    case Kind::kSyncRequest:
      ok = next_string(line, out.arg);
      break;
    case Kind::kHeartbeat:
      ok = next_number(line, out.n1) && next_number(line, out.n2);
      break;
    case Kind::kSync: {
      std::uint64_t count = 0;
      ok = next_string(line, out.arg) && next_number(line, count) && count <= 100000;
      for (std::uint64_t i = 0; ok && i < count; ++i) {
        SyncedMember m;
        ok = next_string(line, m.peer_id) && next_number(line, m.join_order) &&
             next_number(line, m.epoch);
        if (ok) out.members.push_back(std::move(m));
      }
      if (out.arg == "-") out.arg.clear();
      break;
    }
    default:
      return DecodeResult::kMalformed;
  }
  return ok && line.empty() ? DecodeResult::kOk : DecodeResult::kMalformed;
}

}  // namespace signalmesh::cluster
