// The generator's moving parts: one Run shared by every thread, a Worker per
// event loop, a Peer per WebSocket connection, and the counters they keep.
// Every room lives in one worker, so a sender and its recipients share a
// thread and closed-loop accounting needs no locks; the main thread only
// flips the phase and posts tasks.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "histogram.hpp"
#include "options.hpp"
#include "payload.hpp"
#include "ws_conn.hpp"

namespace sm_bench {

enum Phase : int { kSetup, kWarmup, kMeasure, kDrain, kClosing };

struct GroupStats {
  std::uint64_t sent = 0, expected = 0;  // messages sent, deliveries they owe
  std::uint64_t received = 0, duplicated = 0, reordered = 0, gaps = 0;
  std::uint64_t window_sent = 0, window_delivered = 0;
  Histogram latency;  // ns, deliveries received while measuring
  void merge(const GroupStats& o);
};

struct ConnStats {
  std::uint64_t welcomed = 0, failed = 0, unexpected_closes = 0, errors = 0;
  std::map<std::string, std::uint64_t> error_codes;  // server `error` messages
  std::map<int, std::uint64_t> close_codes;          // unexpected closes
  std::string first_failure;
  Histogram welcome_latency;       // ns from connect() to welcome
  std::uint64_t last_welcome = 0;  // now_ns() of the last welcome
  void merge(const ConnStats& o);
};

struct Target {
  asio::ip::tcp::endpoint endpoint;
  std::string host;  // Host header
};

struct Group {
  GroupSpec spec;
  int id = 0;
  Templates templates;
  int senders = 0;  // peers that send, whole group
};

struct Worker;
struct Run;

struct Peer final : WsHandler {
  Peer(Worker& w, Group& g, std::uint32_t index, std::uint32_t room, std::uint32_t slot);
  void on_open(WsConn& conn) override;
  void on_message(WsConn& conn, std::string_view payload, bool binary) override;
  void on_closed(WsConn& conn, bool was_open, int code, std::string_view reason,
                 std::string_view error) override;

  WsConn conn;
  Worker& worker;
  Group& group;
  std::uint32_t index, room, slot;
  char id[kIdLen];
  Peer* target = nullptr;    // targeted pattern: the next peer in the room
  std::uint32_t recipients;  // deliveries each message owes
  std::uint64_t next_seq = 0;
  std::uint64_t outstanding = 0;  // deliveries sent, not yet received
  std::uint64_t connect_start = 0;
  std::uint32_t mix_pos = 0;
  std::uint32_t members_seen = 0;  // others in the room: welcome.peers + peer-joined
  bool sender = false, welcomed = false, done = false;
  bool room_complete = false;  // has seen every other member of its room
  void count_members(std::uint32_t added);
  std::vector<std::uint64_t> expect;  // next sequence number per sender slot
};

struct Worker {
  Worker(Run& run, int id) : run(run), id(id) {}
  void connect_more();
  void send_one(Peer& p);
  void pump(Peer& p);  // closed loop: send while the window allows
  void start_traffic();
  void tick(std::size_t group);
  std::uint64_t undelivered() const;

  Run& run;
  int id;
  Loop loop;  // declared before the peers: destroyed after them
  std::vector<std::unique_ptr<Peer>> peers;
  std::size_t next_connect = 0;
  int connecting = 0, max_connecting = 1;
  std::vector<GroupStats> stats;  // per group
  ConnStats conn_stats;
  struct Ticker {
    std::unique_ptr<asio::steady_timer> timer;
    std::vector<Peer*> senders;
    double rate = 0;  // this worker's share, msgs/s
    std::uint64_t start = 0, sent = 0;
    std::size_t next = 0;
  };
  std::vector<Ticker> tickers;  // per group
  std::thread thread;
};

struct Run {
  explicit Run(const Options& o) : opt(o) {}
  const Options& opt;
  std::atomic<int> phase{kSetup};
  std::atomic<int> welcomed{0}, failed{0}, finished{0};
  std::atomic<int> rooms_complete{0};  // peers that have seen their whole room
  std::atomic<bool> stop_connecting{false};
  std::uint64_t t0 = now_ns();
  std::string tag;  // makes room ids unique per run
  std::vector<Target> targets;
  std::vector<asio::ip::address> sources;
  std::vector<std::unique_ptr<Group>> groups;
  std::vector<std::unique_ptr<Worker>> workers;
  std::vector<Peer*> peers;  // by index

  // Resolves the URLs and picks source addresses; false with `error` set.
  bool prepare(std::string& error);
  // Creates the peers of every group, rooms split across the workers.
  void build();
  void start_threads();
  // Connects everyone; returns once all got a welcome or failed, or after
  // the timeout (stragglers are aborted and counted as failures).
  void connect_all();
  // Waits until every welcomed peer has seen all the other members of its
  // room (across pods a member is only a valid target once its peer-joined
  // reached the sender's pod); false if `seconds` passed first.
  bool await_complete_rooms(double seconds);
  // Posts `fn(worker)` to every worker and waits for all to run it.
  void on_each(const std::function<void(Worker&)>& fn);
  // Waits until every delivery arrived or `seconds` passed.
  void drain(double seconds);
  // Closes everyone (1000), aborts what is left after a timeout, joins.
  void close_all();
  // Safe while the threads run (each worker adds its own, in its thread).
  ConnStats conn_stats();
  std::vector<GroupStats> group_stats() const;  // after close_all()
  bool running = false;
};

}  // namespace sm_bench
