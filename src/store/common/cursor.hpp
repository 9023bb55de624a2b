// Listing cursors: opaque to clients, the last key of the previous page
// underneath. Every store lists by key (uid, room_id, or tick and peer), so
// one codec serves them all and a cursor from one pod works on any other.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signalmesh::store {

// "c1." + base64url(key) without padding.
std::string encode_cursor(std::string_view last_key);
// The key, or nullopt for a cursor this codec did not write.
std::optional<std::string> decode_cursor(std::string_view cursor);

}  // namespace signalmesh::store
