// A test's room: a fresh random roomId on a PodSet, with helpers that join
// members (spread round-robin over the pods) and keep the room's view in
// step, so a test body only states what it checks.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "support/json.hpp"
#include "support/pods.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {

struct Member {
  std::string id;
  std::string url;  // the pod it is connected to
  std::unique_ptr<WsClient> ws;
  std::optional<Json> welcome;

  WsClient* operator->() { return ws.get(); }
};

class Room {
 public:
  explicit Room(PodSet& pods = PodSet::shared());

  const std::string& id() const { return id_; }
  PodSet& pods() { return pods_; }
  // base + "/signal/" + roomId (+ "?peerId=" + peer_id when not empty).
  std::string url_on(const std::string& base, const std::string& peer_id) const;
  // The same on the next pod round-robin.
  std::string url(const std::string& peer_id);

  // Connects `peer_id` (empty: let the server assign one), expects `welcome`
  // as the first message, then waits until every other open member joined
  // through this Room got its `peer-joined` as its next message (none for a
  // replacement: a peerId this Room joined before). Failures
  // are recorded; check `welcome` before using the member.
  Member& join(const std::string& peer_id, WsClient::Options options = {});
  // The same on a given pod.
  Member& join_on(const std::string& base, const std::string& peer_id,
                  WsClient::Options options = {});

  // Expects every open member except `except` to receive `type` about
  // `peer_id` next (peer-joined, peer-left).
  void expect_all_see(const std::string& type, const std::string& peer_id,
                      const Member* except = nullptr);

 private:
  PodSet& pods_;
  std::string id_;
  std::vector<std::unique_ptr<Member>> members_;
};

}  // namespace signalmesh::test
