// One libpq connection driven by an Asio loop, with no thread: the
// asynchronous API (PQconnectStart/PQconnectPoll, PQsendQueryParams,
// PQconsumeInput/PQisBusy/PQgetResult) over an asio::posix::stream_descriptor
// that borrows PQsocket(). libpq owns the fd and closes it in PQfinish, so the
// descriptor only ever release()s it; after a reconnect the fd is another.
//
// Commands are queued FIFO and sent one at a time. Each gets a deadline
// (Options::timeout): a queued one that misses it fails with kUnavailable; an
// in-flight one that misses it also drops the connection, since libpq has no
// way to abandon a query short of closing (the server's statement_timeout,
// set to the same value, ends the query on its side).
//
// A lost connection fails the command in flight and every queued read with
// kUnavailable, posts on_state(false) (also when the very first attempt
// fails) and reconnects with backoff. Mirror writes (Command::write) are
// kept across the outage in a bounded queue (oldest dropped first) and sent
// once the connection is back; their deadline starts then. Every new connection runs Options::setup
// (the schema migrations) before it counts as up and on_state(true) is posted.
//
// Loop thread only. No reply and no on_state runs inside a call of this
// class, nor after stop().
#pragma once

#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "store/postgres/pg_asio.hpp"
#include "store/postgres/pg_result.hpp"

typedef struct pg_conn PGconn;

namespace signalmesh::store::postgres {

struct Command {
  std::string sql;
  std::vector<std::optional<std::string>> params;  // text format; nullopt is NULL
  // A mirror write: waits out an outage instead of failing at once.
  bool write = false;
  // Several statements, no parameters (PQsendQuery): the setup script.
  bool simple = false;
  std::function<void(PgResult)> reply;  // may be empty
};

struct ConnectionCounters {
  std::uint64_t commands = 0;
  std::uint64_t failures = 0;  // answered kUnavailable: lost, timed out, down
  std::uint64_t timeouts = 0;
  std::uint64_t dropped_writes = 0;
  std::uint64_t connects = 0;  // connections that became up
  std::size_t queued_writes = 0;
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  struct Options {
    std::string url;  // postgres://... handed to libpq as a conninfo URI
    std::chrono::milliseconds timeout{2000};
    std::size_t max_queued_writes = 10000;
    // Run on every new connection; the connection is up once it succeeds.
    // `check` may refuse its result (an error message, or "" to accept).
    std::string setup;
    std::function<std::string(const PgResult&)> check;
  };

  Connection(asio::io_context& loop, Options options, std::function<void(bool)> on_state);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  void start();
  void stop();
  void submit(Command command);
  // Runs `fn` on a later loop turn unless stop() has been called by then.
  void defer(std::function<void()> fn);
  bool is_up() const { return state_ == State::kUp; }
  const ConnectionCounters& counters() const { return counters_; }
  // Why the last connection attempt or connection failed ("" if none did).
  const std::string& last_error() const { return last_error_; }

 private:
  enum class State { kIdle, kConnecting, kSetup, kUp, kDown, kStopped };
  struct Pending {
    Pending(asio::io_context& loop, Command c) : command(std::move(c)), timer(loop) {}
    Command command;
    asio::steady_timer timer;
    bool has_deadline = false;
    bool done = false;  // answered (or dropped): skipped when it reaches the front
  };
  using PendingPtr = std::shared_ptr<Pending>;

  void connect();
  void rebind_socket();
  void wait_connect(bool for_read);
  void on_connect_ready(std::uint64_t generation);
  void on_connected();
  void on_setup_done(PgResult result);
  void lose(std::string reason);
  void drop_connection();

  void schedule_pump();
  void pump();
  void send(PendingPtr pending);
  void flush();
  void arm_read();
  void arm_write();
  void on_readable(std::uint64_t generation);
  void drain();
  void complete();
  void arm_deadline(const PendingPtr& pending);
  void on_deadline(const PendingPtr& pending);
  void fail_later(Command command, std::string message);
  void drop_oldest_write();
  void post_state(bool up);
  std::string conn_error_text() const;

  asio::io_context& loop_;
  Options options_;
  std::function<void(bool)> on_state_;
  std::string url_options_;  // the URL's ?options=, kept before ours
  asio::posix::stream_descriptor socket_;
  asio::steady_timer connect_timer_;
  asio::steady_timer retry_timer_;
  PGconn* conn_ = nullptr;
  State state_ = State::kIdle;
  std::optional<bool> announced_;  // the last on_state posted, if any
  // Bumped whenever the connection is dropped: waits of an older connection
  // complete into no-ops even when asio had queued them already.
  std::uint64_t generation_ = 0;
  bool connect_for_read_ = false;
  bool reading_ = false;
  bool writing_ = false;
  bool pump_posted_ = false;
  std::chrono::milliseconds backoff_;
  std::deque<PendingPtr> queue_;
  PendingPtr in_flight_;
  std::optional<PgResult> answer_;  // what the command in flight has returned so far
  ConnectionCounters counters_;
  std::string last_error_;
};

}  // namespace signalmesh::store::postgres
