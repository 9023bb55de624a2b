// Per-connection gateway state. It is websocketpp's `connection_base`
// (see ws_config.hpp), so it lives inside the connection object itself:
// no side table, no lookup per message. As a cluster::Participant it is what
// the agreement delivers to and closes; the websocketpp side stays in the
// gateway (SessionOwner). Loop thread only.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>

#include "cluster/participant.hpp"
#include "core/token_bucket.hpp"

namespace signalmesh {

struct Session;

// What a session needs from the gateway that owns its connection.
class SessionOwner {
 public:
  virtual void deliver(Session& to, const cluster::FramePtr& frame, MetricType type) = 0;
  virtual void close(Session& session, int close_code, protocol::ErrorCode error) = 0;
  virtual void admitted(Session& session, Room& room) = 0;

 protected:
  ~SessionOwner() = default;
};

struct Session : cluster::Participant {
  SessionOwner* owner = nullptr;
  // Position in Gateway::Impl::sessions_ (swap-remove on close).
  std::size_t index = 0;
  // Which connection of this process it is (1, 2, ...): the `conn` of its
  // log lines.
  std::uint64_t conn_id = 0;
  bool listed = false;
  TokenBucket bucket{0, 0, TokenBucket::Clock::time_point{}};
  std::uint32_t refused_in_row = 0;
  // Last frame or pong from the client (liveness).
  std::chrono::steady_clock::time_point last_seen{};
  // The upgrade's completion, for signalmesh_admission_seconds.
  std::chrono::steady_clock::time_point opened_at{};

  void deliver(const cluster::FramePtr& frame, MetricType type) override {
    owner->deliver(*this, frame, type);
  }
  void close(int close_code, protocol::ErrorCode error) override {
    owner->close(*this, close_code, error);
  }
  void admitted(Room& room) override { owner->admitted(*this, room); }
};

}  // namespace signalmesh
