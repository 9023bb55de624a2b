// Wire names of store statuses and room statuses.
#include "signalmesh/store.hpp"

namespace signalmesh::store {

std::string_view status_name(Status status) {
  switch (status) {
    case Status::kOk: return "ok";
    case Status::kNotFound: return "not-found";
    case Status::kConflict: return "conflict";
    case Status::kPreconditionFailed: return "precondition-failed";
    case Status::kInvalid: return "invalid";
    case Status::kUnavailable: return "unavailable";
    case Status::kUnsupported: return "unsupported";
  }
  return "unknown";
}

std::string_view room_status_name(RoomStatus status) {
  switch (status) {
    case RoomStatus::kWaiting: return "waiting";
    case RoomStatus::kPlaying: return "playing";
    case RoomStatus::kFinished: return "finished";
  }
  return "waiting";
}

std::optional<RoomStatus> parse_room_status(std::string_view name) {
  if (name == "waiting") return RoomStatus::kWaiting;
  if (name == "playing") return RoomStatus::kPlaying;
  if (name == "finished") return RoomStatus::kFinished;
  return std::nullopt;
}

}  // namespace signalmesh::store
