// The fan-out channels of the agreement: one per room ("room:{roomId}", as
// the Redis backend's operators know it) and one for the whole cluster.
#pragma once

#include <string>
#include <string_view>

namespace signalmesh::cluster {

constexpr std::string_view kClusterChannel = "cluster";
constexpr std::string_view kRoomPrefix = "room:";

inline std::string room_channel(std::string_view room_id) {
  std::string channel(kRoomPrefix);
  channel += room_id;
  return channel;
}

}  // namespace signalmesh::cluster
