#include "support/room.hpp"

#include <gtest/gtest.h>

namespace signalmesh::test {

Room::Room(PodSet& pods) : pods_(pods), id_(random_id("room")) {}

std::string Room::url_on(const std::string& base, const std::string& peer_id) const {
  std::string url = base + "/signal/" + id_;
  if (!peer_id.empty()) url += "?peerId=" + peer_id;
  return url;
}

std::string Room::url(const std::string& peer_id) {
  return url_on(pods_.next_url(), peer_id);
}

Member& Room::join(const std::string& peer_id, WsClient::Options options) {
  return join_on(pods_.next_url(), peer_id, std::move(options));
}

Member& Room::join_on(const std::string& base, const std::string& peer_id,
                      WsClient::Options options) {
  auto member = std::make_unique<Member>();
  member->url = base;
  member->ws = std::make_unique<WsClient>(std::move(options));
  ConnectResult result = member->ws->connect(url_on(base, peer_id));
  EXPECT_TRUE(result.open) << "join " << peer_id << ": HTTP " << result.http_status << " "
                           << result.error;
  if (result.open) {
    member->welcome = member->ws->expect_message_of_type("welcome");
    if (member->welcome) member->id = member->welcome->str("peerId");
  }
  if (member->id.empty()) member->id = peer_id;
  Member& joined = *member;
  // A replacement (same peerId again) is announced to nobody.
  bool replacing = false;
  for (const auto& other : members_) replacing = replacing || other->id == joined.id;
  if (joined.welcome && !replacing) expect_all_see("peer-joined", joined.id, &joined);
  members_.push_back(std::move(member));
  return joined;
}

void Room::expect_all_see(const std::string& type, const std::string& peer_id,
                          const Member* except) {
  for (auto& other : members_) {
    if (other.get() == except || !other->ws->is_open()) continue;
    // A replaced member's old connection is closed by now or about to be.
    if (other->id == peer_id) continue;
    std::optional<Json> seen = other->ws->expect_message_of_type(type);
    if (seen) {
      EXPECT_EQ(seen->str("peerId"), peer_id) << other->id << " got " << seen->text();
    } else {
      ADD_FAILURE() << other->id << " did not see " << type << " for " << peer_id;
    }
  }
}

}  // namespace signalmesh::test
