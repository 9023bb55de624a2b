#include "cluster/envelope.hpp"

#include <charconv>

namespace signalmesh::cluster {
namespace {

// A sync lists one pod's members of one room; more than this is garbage.
constexpr std::uint64_t kMaxSyncedMembers = 100000;
// How a sync says "no explicit host" (a field cannot be empty).
constexpr std::string_view kNoHost = "-";

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

// Reads the space-separated fields of a header line, in order.
class Fields {
 public:
  explicit Fields(std::string_view line) : line_(line) {}

  bool text(std::string_view& token) {
    if (line_.empty()) return false;
    const auto space = line_.find(' ');
    token = line_.substr(0, space);
    line_ = space == std::string_view::npos ? std::string_view{} : line_.substr(space + 1);
    return !token.empty();
  }
  bool number(std::uint64_t& value) {
    std::string_view token;
    if (!text(token)) return false;
    auto res = std::from_chars(token.data(), token.data() + token.size(), value);
    return res.ec == std::errc() && res.ptr == token.data() + token.size();
  }
  bool done() const { return line_.empty(); }

 private:
  std::string_view line_;
};

bool read(Fields& f, Join& out) {
  return f.text(out.peer) && f.number(out.join_order) && f.number(out.epoch);
}
bool read(Fields& f, Leave& out) {
  return f.text(out.peer) && f.text(out.reason);
}
bool read(Fields& f, Relay& out) {
  std::uint64_t kind = 0;
  if (!(f.text(out.from) && f.text(out.target) && f.number(kind))) return false;
  if (kind != static_cast<std::uint64_t>(RelayKind::kSdp) &&
      kind != static_cast<std::uint64_t>(RelayKind::kIce) &&
      kind != static_cast<std::uint64_t>(RelayKind::kServer)) {
    return false;
  }
  out.kind = static_cast<RelayKind>(kind);
  return true;
}
bool read(Fields& f, HostChange& out) {
  return f.text(out.from) && f.text(out.new_host);
}
bool read(Fields& f, Kick& out) {
  return f.text(out.from) && f.text(out.target);
}
bool read(Fields& f, SyncRequest& out) {
  return f.text(out.room_id);
}
bool read(Fields& f, Sync& out) {
  std::uint64_t count = 0;
  out.members.clear();
  if (!(f.text(out.explicit_host) && f.number(count)) || count > kMaxSyncedMembers) return false;
  if (out.explicit_host == kNoHost) out.explicit_host = {};
  for (std::uint64_t i = 0; i < count; ++i) {
    SyncedMember m;
    if (!(f.text(m.peer) && f.number(m.join_order) && f.number(m.epoch))) return false;
    out.members.push_back(m);
  }
  return true;
}
bool read(Fields& f, Heartbeat& out) {
  std::uint64_t hello = 0;
  if (!(f.number(out.incarnation) && f.number(hello)) || hello > 1) return false;
  out.hello = hello == 1;
  return true;
}

bool read(Fields& f, RoomStatusChange& out) {
  return f.number(out.status) && out.status <= 2 && f.number(out.round) && out.round >= 1 &&
         out.round <= 0xffffffffu && f.text(out.sender);
}
bool read(Fields& f, StateHash& out) {
  return f.text(out.peer) && f.number(out.round) && out.round >= 1 && out.round <= 0xffffffffu &&
         f.number(out.tick) && f.text(out.hash);
}
bool read(Fields& f, RoomClosed& out) {
  return f.text(out.reason);
}

// Makes `body` hold alternative T (reusing it when it already does) and
// reads T's fields into it.
template <typename T>
bool read_as(Fields& f, Body& body) {
  if (!std::holds_alternative<T>(body)) body.emplace<T>();
  return read(f, std::get<T>(body));
}

}  // namespace

std::string encode(std::string_view origin, const Join& join) {
  std::string out = header(Kind::kJoin, origin, join.peer.size() + 44);
  field(out, join.peer);
  number(out, join.join_order);
  number(out, join.epoch);
  out += '\n';
  return out;
}

std::string encode(std::string_view origin, const Leave& leave) {
  std::string out = header(Kind::kLeave, origin, leave.peer.size() + leave.reason.size() + 4);
  field(out, leave.peer);
  field(out, leave.reason);
  out += '\n';
  return out;
}

std::string encode(std::string_view origin, const Relay& relay) {
  std::string out =
      header(Kind::kRelay, origin, relay.from.size() + relay.target.size() + 8 + relay.body.size());
  field(out, relay.from);
  field(out, relay.target);
  number(out, static_cast<std::uint64_t>(relay.kind));
  out += '\n';
  out += relay.body;
  return out;
}

std::string encode(std::string_view origin, const HostChange& change) {
  std::string out =
      header(Kind::kHostChange, origin, change.from.size() + change.new_host.size() + 4);
  field(out, change.from);
  field(out, change.new_host);
  out += '\n';
  return out;
}

std::string encode(std::string_view origin, const Kick& kick) {
  std::string out =
      header(Kind::kKick, origin, kick.from.size() + kick.target.size() + 4 + kick.body.size());
  field(out, kick.from);
  field(out, kick.target);
  out += '\n';
  out += kick.body;
  return out;
}

std::string encode(std::string_view origin, const SyncRequest& request) {
  std::string out = header(Kind::kSyncRequest, origin, request.room_id.size() + 2);
  field(out, request.room_id);
  out += '\n';
  return out;
}

std::string encode(std::string_view origin, const Sync& sync) {
  std::string out = header(Kind::kSync, origin, 16 + sync.members.size() * 100);
  field(out, sync.explicit_host.empty() ? kNoHost : sync.explicit_host);
  number(out, sync.members.size());
  for (const auto& m : sync.members) {
    field(out, m.peer);
    number(out, m.join_order);
    number(out, m.epoch);
  }
  out += '\n';
  return out;
}

std::string encode(std::string_view origin, const Heartbeat& heartbeat) {
  std::string out = header(Kind::kHeartbeat, origin, 28);
  number(out, heartbeat.incarnation);
  number(out, heartbeat.hello ? 1 : 0);
  out += '\n';
  return out;
}

std::string encode(std::string_view origin, const RoomStatusChange& change) {
  std::string out = header(Kind::kRoomStatus, origin, 32 + change.sender.size());
  number(out, change.status);
  number(out, change.round);
  field(out, change.sender);
  out += '\n';
  return out;
}

std::string encode(std::string_view origin, const StateHash& hash) {
  std::string out = header(Kind::kStateHash, origin, 48 + hash.peer.size() + hash.hash.size());
  field(out, hash.peer);
  number(out, hash.round);
  number(out, hash.tick);
  field(out, hash.hash);
  out += '\n';
  return out;
}

std::string encode(std::string_view origin, const RoomClosed& closed) {
  std::string out = header(Kind::kRoomClosed, origin, 4 + closed.reason.size());
  field(out, closed.reason);
  out += '\n';
  return out;
}

DecodeResult decode(std::string_view payload, Envelope& out) {
  const auto newline = payload.find('\n');
  if (newline == std::string_view::npos) return DecodeResult::kMalformed;
  const std::string_view body = payload.substr(newline + 1);
  Fields f(payload.substr(0, newline));
  std::string_view token;
  if (!f.text(token)) return DecodeResult::kMalformed;
  if (token != kVersionTag) return DecodeResult::kOtherVersion;
  if (!f.text(token) || token.size() != 1 || !f.text(out.origin)) return DecodeResult::kMalformed;
  bool ok = false;
  switch (static_cast<Kind>(token[0])) {
    case Kind::kJoin:
      ok = read_as<Join>(f, out.body);
      break;
    case Kind::kLeave:
      ok = read_as<Leave>(f, out.body);
      break;
    case Kind::kRelay:
      ok = read_as<Relay>(f, out.body);
      if (ok) std::get<Relay>(out.body).body = body;
      break;
    case Kind::kHostChange:
      ok = read_as<HostChange>(f, out.body);
      break;
    case Kind::kKick:
      ok = read_as<Kick>(f, out.body);
      if (ok) std::get<Kick>(out.body).body = body;
      break;
    case Kind::kSyncRequest:
      ok = read_as<SyncRequest>(f, out.body);
      break;
    case Kind::kSync:
      ok = read_as<Sync>(f, out.body);
      break;
    case Kind::kHeartbeat:
      ok = read_as<Heartbeat>(f, out.body);
      break;
    case Kind::kRoomStatus:
      ok = read_as<RoomStatusChange>(f, out.body);
      break;
    case Kind::kStateHash:
      ok = read_as<StateHash>(f, out.body);
      break;
    case Kind::kRoomClosed:
      ok = read_as<RoomClosed>(f, out.body);
      break;
    default:
      return DecodeResult::kMalformed;
  }
  // Bodies belong to relays and kicks only.
  const bool may_have_body =
      std::holds_alternative<Relay>(out.body) || std::holds_alternative<Kick>(out.body);
  if (!may_have_body && !body.empty()) ok = false;
  return ok && f.done() ? DecodeResult::kOk : DecodeResult::kMalformed;
}

}  // namespace signalmesh::cluster
