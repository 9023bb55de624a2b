// A real redis-server for the tests: started on a free loopback port with
// persistence off, and controllable as a failing production server would be:
// stopped cleanly, killed, frozen (SIGSTOP: connections stay open but nothing
// is answered) and restarted on the same port. Every wait is on an event (the
// server's output, its exit) with a bound, never a blind sleep.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace signalmesh::test {

class RedisServer {
 public:
  struct Options {
    std::string password;  // --requirepass when not empty
    // AOF on (appendfsync always) in a temporary directory removed with the
    // server, so that restart() keeps every acknowledged write.
    bool appendonly = false;
  };

  // Starts at once; throws std::runtime_error when redis-server is not
  // installed or does not answer PING within a few seconds.
  RedisServer();
  explicit RedisServer(Options options);
  // Kills the server if it is still running.
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  std::uint16_t port() const { return port_; }
  // redis://127.0.0.1:PORT, with :password@ when one is set.
  std::string url() const;
  bool running() const { return pid_ > 0; }

  // SIGTERM, then waits for the exit (SIGKILL after `timeout`).
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // SIGKILL: no goodbye to the clients beyond the kernel closing sockets.
  void kill();
  // Starts again on the same port; throws like the constructor.
  void restart();
  // SIGSTOP / SIGCONT: sockets stay open, nothing is read or answered.
  void freeze();
  void thaw();

  // Runs one command on a fresh blocking connection (AUTH first when a
  // password is set). Returns the reply as text: strings and statuses as is,
  // integers in decimal, errors as "(error) ...", arrays one element per line;
  // nullopt when the server does not answer within 2 s.
  std::optional<std::string> command(const std::vector<std::string>& args) const;
  // One field of INFO (e.g. "total_reads_processed"); nullopt if absent.
  std::optional<long long> info_field(const std::string& name) const;

  // What the server printed so far (the last 64 KiB), for failure messages.
  std::string output() const;

 private:
  // One launch attempt; false when the process exited before it was ready.
  bool launch();
  void wait_exit(std::chrono::milliseconds timeout);
  void read_output(int fd);

  Options options_;
  std::string binary_;
  std::string dir_;  // the AOF's directory; empty without appendonly
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  bool frozen_ = false;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string output_;
  std::size_t launch_offset_ = 0;  // where the current run's output starts
  bool ready_ = false;
  bool eof_ = false;
};

}  // namespace signalmesh::test
