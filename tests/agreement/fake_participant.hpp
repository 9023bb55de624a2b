// A local connection as the agreement sees it (cluster::Participant), that
// records what its client would have seen: every frame delivered, the
// welcome, and the close. Frames come from FakeFrameMaker, whose frames are
// just the server message's JSON text.
//
// What the client saw is also kept as one line per event, in order, so a test
// compares whole sequences:
//   welcome host=a1 peers=a1,b1     peer-joined b1      peer-left b1 kicked
//   host-change b1 from a1          (the host left: no senderId)
//   host-change b1 from a1 by a1    (handed off by a1)
//   sdp from a1    ice from a1    kick from a1
//   close 4009 replaced    close 4010    (the error sent first, if any)
// A frame delivered with a metrics type that does not match its JSON type
// gets " (counted as <n>)" appended, so such a mismatch fails the test.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "cluster/participant.hpp"

namespace signalmesh::agreement_test {

// What a client saw, one line per event (see above).
using Events = std::vector<std::string>;

class FakeFrame final : public cluster::Frame {
 public:
  explicit FakeFrame(std::string json) : text(std::move(json)) {}
  std::string text;
};

class FakeFrameMaker final : public cluster::FrameMaker {
 public:
  cluster::FramePtr make_frame(std::string payload) override {
    return std::make_shared<FakeFrame>(std::move(payload));
  }
};

class FakeParticipant final : public cluster::Participant {
 public:
  struct Closed {
    int code = 0;
    protocol::ErrorCode error = protocol::ErrorCode::kNone;
  };

  // `on_server_close` runs after a close the agreement started: the gateway
  // posts the connection's withdrawal to its loop (never re-enters at once).
  FakeParticipant(std::string peer, std::function<void(FakeParticipant&)> on_server_close);

  void deliver(const cluster::FramePtr& frame, MetricType type) override;
  void close(int close_code, protocol::ErrorCode error) override;
  void admitted(Room& room) override;

  // Every event so far / the events since the last take().
  const std::vector<std::string>& events() const { return events_; }
  std::vector<std::string> take();

  // The room as this client must believe it from what it was told: the
  // welcome's peers and itself, plus peer-joined, minus peer-left, and the
  // last host named: "a1,b1,c1 host=a1" (ids sorted).
  std::string client_view() const;

  bool welcomed() const { return welcomes_ != 0; }
  int welcomes() const { return welcomes_; }
  const std::string& welcome_host() const { return welcome_host_; }
  const std::vector<std::string>& welcome_peers() const { return welcome_peers_; }
  const std::optional<Closed>& closed() const { return closed_; }
  // The JSON text of every frame delivered before the close, in order.
  const std::vector<std::string>& frames() const { return frames_; }
  // Frames the agreement handed over after the close started (the gateway
  // drops them: the client never sees them) and closes after the first.
  int frames_after_close() const { return frames_after_close_; }
  int extra_closes() const { return extra_closes_; }
  // The process holding this connection died with it.
  bool gone = false;

 private:
  std::function<void(FakeParticipant&)> on_server_close_;
  std::vector<std::string> events_;
  std::size_t taken_ = 0;
  std::vector<std::string> frames_;
  int welcomes_ = 0;
  std::string welcome_host_;
  std::vector<std::string> welcome_peers_;
  std::optional<Closed> closed_;
  int frames_after_close_ = 0;
  int extra_closes_ = 0;
};

// The event line for one server message (see above); "raw <text>" for one
// this file does not know.
std::string describe_frame(const std::string& json);

}  // namespace signalmesh::agreement_test
