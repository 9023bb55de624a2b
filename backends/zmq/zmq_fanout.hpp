// The ZeroMQ mesh fan-out backend: pods without Redis. Each pod binds one
// PUB socket (an XPUB, so that it sees its subscribers' subscriptions) and
// connects one SUB socket to every other pod's PUB: a full mesh of
// N x (N-1) connections. Envelopes travel on terminated topics
// (zmq_wire.hpp), so a pod receives exactly the channels it subscribed to.
//
// What ZeroMQ does not give, and how this adapter makes up for it:
// - Subscriptions reach a remote PUB asynchronously, and a PUB drops what
//   matches no subscription it knows yet. So subscribe() also subscribes a
//   fresh probe topic; every peer's PUB answers a probe as soon as it sees
//   it, and it sees it after the subscriptions before it. Publishes issued
//   after subscribe() are held until every live peer has answered (or
//   probe_timeout passed: counted), so replies to them reach us.
// - A starting pod's first publishes would be lost while its peers are
//   still connecting (slow joiner): the adapter reports up only once every
//   configured peer both hears it (its identity subscription arrived) and
//   is heard (it answered the start probe), or after join_timeout.
// - A PUB drops silently beyond its high-water mark, and whatever was sent
//   during a reconnect is lost: envelopes carry per-origin, per-channel
//   sequence numbers; a receiver counts the gaps, and asks the gateway to
//   resync (on_state(false) then at once on_state(true): the gateway then
//   republishes its member lists and asks for the others'), at most once
//   per resync_interval.
// - A subscribed publisher hears its own envelopes (as with Redis and the
//   local hub): delivered internally, never through the network.
//
// - libzmq never reconnects after a handshake that failed with a protocol
//   error (a wrong CURVE key, something else on the peer's port): the
//   adapter watches its SUB's handshakes and connects such a peer again
//   itself, with backoff, so that the right pod is found once it is there.
//
// One thread: every socket is used on the gateway's loop only (ZMQ_FD
// driven, zmq_watch.hpp); ZeroMQ's own I/O thread is internal to it.
// is_up() is true from the end of the join window until stop(): a mesh with
// unreachable peers is still up (the gateway's heartbeats find dead pods).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>
#include <zmq.hpp>

#include "signalmesh/fanout.hpp"
#include "zmq/zmq_curve.hpp"
#include "zmq/zmq_watch.hpp"
#include "zmq/zmq_wire.hpp"

namespace signalmesh::backends::zmq {

struct ZmqPeer {
  std::string endpoint;    // that pod's PUB, e.g. tcp://10.0.0.2:7001
  std::string server_key;  // its Z85 public key; used when CURVE is on
};

// Every tunable of the adapter; each default says why.
struct ZmqOptions {
  std::string bind;  // where our PUB binds, e.g. tcp://0.0.0.0:7001
  std::vector<ZmqPeer> peers;
  CurveKeys curve;  // empty: plain TCP, for trusted networks only
  // Messages queued per peer connection, each way. ZeroMQ's default (1000)
  // is a fraction of a second of a busy pod's traffic; 10000 absorbs a peer
  // stalling for seconds at ~1 KB per envelope (~10 MB per peer).
  int sndhwm = 10000;
  int rcvhwm = 10000;
  // A peer sending more than this in one frame is cut off by ZeroMQ; an
  // envelope is a client message plus a header line (the factory derives it
  // from --max-message-bytes).
  std::int64_t max_frame_bytes = 1 << 20;
  // Longest wait at start for every configured peer to be connected both
  // ways before reporting up anyway (peers may be down).
  std::chrono::milliseconds join_timeout{1000};
  // Longest hold of publishes after a subscribe for live peers to confirm
  // it; a LAN round trip is well under a millisecond.
  std::chrono::milliseconds probe_timeout{250};
  // A peer silent this long is no longer waited for (the gateway's
  // heartbeats keep live peers talking; the factory uses --pod-lost-ms).
  std::chrono::milliseconds peer_silence{3000};
  // At most one loss-triggered resync per interval: a resync resets the
  // gateway's silence clocks, so it must be rarer than pod loss detection.
  std::chrono::milliseconds resync_interval{6000};
  bool resync_on_loss = true;
  // ZeroMQ retries a lost or refused connection this often.
  std::chrono::milliseconds reconnect_interval{100};
  // ZMTP heartbeats: a peer that vanished without closing (power loss, a
  // partition) is dropped after heartbeat_timeout and reconnected.
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds heartbeat_timeout{3000};
  // A peer whose handshake failed is connected again after min, doubling
  // to max while it keeps failing.
  std::chrono::milliseconds handshake_retry_min{1000};
  std::chrono::milliseconds handshake_retry_max{5000};
  // Publishes held behind a probe beyond this are dropped (publish() false).
  std::size_t max_held_bytes = 64 * 1024 * 1024;
  std::string pod_id;  // for log lines only
};

class ZmqFanout final : public FanoutAdapter {
 public:
  // Binds and connects at once (so bound_endpoint() is known before
  // start()). Throws std::invalid_argument for invalid settings (no bind
  // endpoint, bad CURVE keys, an endpoint ZeroMQ rejects) and
  // std::runtime_error when the PUB cannot bind (address in use).
  explicit ZmqFanout(ZmqOptions options);
  // Stops if started. Must run before the loop is destroyed.
  ~ZmqFanout() override;
  ZmqFanout(const ZmqFanout&) = delete;
  ZmqFanout& operator=(const ZmqFanout&) = delete;

  // on_state is always posted. on_message is called from the loop's read
  // handler and may call any method of this adapter, stop() included.
  void start(asio::io_context& loop, FanoutHandlers handlers) override;
  void stop() override;
  bool subscribe(const std::string& channel) override;
  bool unsubscribe(const std::string& channel) override;
  // False when stopped, for an invalid channel (empty, or holding NUL), or
  // beyond max_held_bytes held behind a probe.
  bool publish(const std::string& channel, std::string_view payload) override;
  bool is_up() const override { return up_; }
  std::string_view name() const override { return "zmq"; }
  void append_metrics(std::string& out) const override;

  // Connects to one more peer, or disconnects from one (tests; dynamic
  // meshes). Loop thread only.
  void add_peer(const ZmqPeer& peer);
  void remove_peer(const std::string& endpoint);
  // The endpoint the PUB is bound to, with the real port for tcp://...:*.
  const std::string& bound_endpoint() const { return bound_; }
  std::uint64_t instance() const { return instance_; }

  struct Stats {
    std::uint64_t published = 0;
    std::uint64_t received = 0;
    std::uint64_t dropped_publishes = 0;   // publish() returned false
    std::uint64_t gaps = 0;                // streams that skipped numbers
    std::uint64_t lost = 0;                // envelopes those gaps skipped
    std::uint64_t resyncs = 0;             // resyncs asked of the gateway
    std::uint64_t probe_timeouts = 0;      // live peers that did not confirm in time
    std::uint64_t malformed = 0;           // messages not in the mesh format
    std::uint64_t curve_refused = 0;       // connections the ZAP handler refused
    std::uint64_t handshake_failures = 0;  // our SUB's handshakes peers failed
  };
  Stats stats() const;
  // Peers connected to our PUB (identity seen) and peers heard recently.
  std::size_t peers_hearing_us() const;
  std::size_t peers_heard() const;

 private:
  using Clock = std::chrono::steady_clock;
  struct Peer {
    Clock::time_point last_heard{};
    bool heard = false;     // anything received from it (acks included)
    bool hears_us = false;  // its identity is subscribed at our PUB
  };
  struct Probe {
    std::uint64_t id = 0;
    std::string topic;
    std::set<std::uint64_t> waiting;
    Clock::time_point deadline;
  };
  struct Held {
    std::string channel;
    std::string payload;
    std::uint64_t seq = 0;
  };
  struct Retry {
    Clock::time_point due;
    std::chrono::milliseconds backoff{0};
    bool pending = false;
  };
  struct Sockets;  // context, sockets, watches, timer

  void open();
  void connect_peer(const ZmqPeer& peer);
  void begin_probe();
  void send_envelope(const std::string& channel, std::string_view payload, std::uint64_t seq);
  void flush_held();
  void echo(const std::string& channel, std::string_view payload);
  void drain_echoes();
  void on_sub_input();
  void on_pub_input();
  void on_monitor_input();
  void on_handshake(std::string_view endpoint, bool failed);
  void reconnect_peer(const std::string& endpoint);
  void on_envelope(const Header& header, std::string_view topic, std::string_view payload);
  void on_probe_answer(std::uint64_t from, std::uint64_t probe);
  void on_peer_subscription(std::string_view topic, bool subscribed);
  void note_loss(std::uint64_t origin, std::string_view channel, std::uint64_t lost);
  void heard_from(std::uint64_t origin);
  bool live(const Peer& peer, Clock::time_point now) const;
  void finish_probes(Clock::time_point now);
  void check_join(Clock::time_point now);
  void schedule_tick();
  void on_tick();
  void post_state(bool bounce);

  ZmqOptions options_;
  std::uint64_t instance_ = 0;
  std::string bound_;
  std::unique_ptr<Sockets> sockets_;
  std::unique_ptr<ZapHandler> zap_;
  asio::io_context* loop_ = nullptr;
  FanoutHandlers handlers_;
  bool up_ = false;
  bool joining_ = false;
  Clock::time_point join_deadline_;
  std::size_t expected_peers_ = 0;
  // Channels we are subscribed to, and the last sequence number we gave
  // each on publish.
  std::map<std::string, std::uint64_t, std::less<>> channels_;
  std::map<std::uint64_t, Peer> peers_;
  std::deque<Probe> probes_;
  std::uint64_t next_probe_ = 1;  // probe 0 is the start probe
  std::deque<Held> held_;
  std::size_t held_bytes_ = 0;
  std::deque<std::pair<std::string, std::string>> echoes_;
  bool echo_posted_ = false;
  SequenceTracker sequences_;
  Clock::time_point last_resync_{};
  bool resync_due_ = false;
  std::map<std::string, Retry, std::less<>> retries_;  // by peer endpoint
  bool tick_pending_ = false;
  Clock::time_point tick_at_;
  std::vector<::zmq::message_t> frames_;  // the frames of the message being read
  std::string topic_;                     // the topic being sent
  Stats stats_;
  // Guards handlers queued on the loop before stop() from running after it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace signalmesh::backends::zmq
