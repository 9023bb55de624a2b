// Every JSON body the data API answers, written with RapidJSON's Writer in
// a fixed field order, so that the same request gives the same bytes on any
// pod for the same store content. Metadata is stored as the compact text of
// a JSON object (json_read.hpp) and goes out as it is.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "signalmesh/store.hpp"

namespace signalmesh::api {

std::string error_json(std::string_view code, std::string_view message);
std::string user_json(const store::User& user);
std::string users_json(const store::Page<store::User>& page);
std::string room_json(const store::RoomRecord& room);
std::string rooms_json(const store::Page<store::RoomRecord>& page);
std::string hashes_json(const store::Page<store::HashRecord>& page);
// One tick's hashes as {"roomId","round","tick","hashes":{peerId:hash}},
// peers in the store's order (by peerId).
std::string tick_json(std::string_view room_id, std::uint32_t round, std::uint64_t tick,
                      const std::vector<store::HashRecord>& hashes);

}  // namespace signalmesh::api
