// What the cluster agreement knows of a local connection: a member it can
// deliver frames to and close (the Asio chat example's participant). The
// gateway's session implements it over websocketpp; the agreement's unit
// tests implement it over a list. Loop thread only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "core/metrics.hpp"
#include "signalmesh/protocol.hpp"

namespace signalmesh {
class Room;
}

namespace signalmesh::cluster {

// A server frame built once and shared by every recipient of a broadcast.
// Who builds it (FrameMaker) gives it its wire form; the agreement only
// passes it on.
class Frame {
 public:
  virtual ~Frame() = default;
};
using FramePtr = std::shared_ptr<const Frame>;

class FrameMaker {
 public:
  // Wraps a server message's JSON text (moved, not copied).
  virtual FramePtr make_frame(std::string payload) = 0;

 protected:
  ~FrameMaker() = default;
};

class Participant {
 public:
  // Set before admission is requested; fixed afterwards.
  std::string peer_id;
  // Set by the agreement on admission.
  Room* room = nullptr;
  // True while this connection is the room member's current connection; a
  // replaced or kicked connection stops being the member before it closes.
  bool is_member = false;
  // Why the member leaves when it goes (peer-left's reason, protocol.md §3).
  const char* leave_reason = "left";
  // Admission time in µs since the Unix epoch (Member::epoch).
  std::uint64_t epoch = 0;
  // Set when the server starts the close: a participant waiting for a sync
  // is not admitted any more.
  bool closing = false;

  // Queues a frame to the client. May close the participant (a slow
  // consumer), but never re-enters the agreement synchronously.
  virtual void deliver(const FramePtr& frame, MetricType type) = 0;
  // Sends an `error` named after `error` (none for kNone), then closes with
  // `close_code`. The agreement has already ended the membership.
  virtual void close(int close_code, protocol::ErrorCode error) = 0;
  // The agreement admitted it to `room` (is_member is set): send the welcome.
  virtual void admitted(Room& room) = 0;

 protected:
  ~Participant() = default;
};

}  // namespace signalmesh::cluster
