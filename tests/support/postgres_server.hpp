// A real PostgreSQL for the tests: a fresh cluster (initdb) in a temporary
// directory, served by `postgres` on a free loopback port with its unix
// socket in that directory too, and controllable as a failing production
// server would be: a fast shutdown, a SIGKILL of the whole server, a start
// again on the same port and data. fsync is left on (the default): what the
// store acknowledged must survive a kill.
//
// postgres refuses to run as root, so when the tests run as root the
// cluster belongs to the `postgres` system user (or `nobody`) and every
// server process runs as that user. Binaries come from the newest
// /usr/lib/postgresql/*/bin (or $SIGNALMESH_PG_BIN). Waits are on events (the
// server's "ready to accept connections", its exit, a libpq ping), bounded.
// The server never outlives the test process (PR_SET_PDEATHSIG) and the
// destructor kills it and removes the directory.
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

class PostgresServer {
 public:
  // initdb's and starts at once; throws std::runtime_error (with the tools'
  // output) when PostgreSQL is not installed or does not come up.
  PostgresServer();
  ~PostgresServer();
  PostgresServer(const PostgresServer&) = delete;
  PostgresServer& operator=(const PostgresServer&) = delete;

  std::uint16_t port() const { return port_; }
  bool running() const { return pid_ > 0; }
  // postgres://signalmesh@127.0.0.1:PORT/DATABASE (the superuser, trust auth).
  std::string url(const std::string& database = "postgres") const;

  // Fast shutdown (SIGINT: clients are disconnected, everything committed is
  // on disk); SIGKILL after `timeout`.
  void stop(std::chrono::milliseconds timeout = std::chrono::seconds(10));
  // SIGKILL to the server and all its backends: a crash. The next start()
  // runs crash recovery.
  void kill();
  // Starts again on the same port and data; throws like the constructor.
  void start();

  // A new, empty database; throws std::runtime_error on failure.
  void create_database(const std::string& name) const;
  // Runs `sql` (one or more statements) on a fresh blocking connection to
  // `database`. Returns the last result's rows, one line each, values
  // separated by '|' (NULL as "(null)"); or "(error) message".
  std::string query(const std::string& database, const std::string& sql) const;

  // What the server printed so far (the last 64 KiB), for failure messages.
  std::string output() const;

 private:
  // Runs a tool to its end as the cluster's owner; its exit status.
  int run_tool(const std::vector<std::string>& args);
  // One start attempt; false when the server exited before it was ready.
  bool launch();
  void wait_exit(std::chrono::milliseconds timeout);
  void read_output(int fd);
  // fork + drop privileges + PR_SET_PDEATHSIG + exec, output into `fd`.
  pid_t spawn(const std::vector<std::string>& args, int out_fd, bool own_group);

  std::string bin_dir_;
  std::string dir_;  // the temporary directory: data/ and the unix socket
  uid_t uid_ = 0;    // the cluster's owner (when running as root)
  gid_t gid_ = 0;
  bool drop_privileges_ = false;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::thread reader_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string output_;
  std::size_t launch_offset_ = 0;
  bool ready_ = false;
  bool eof_ = false;
};

}  // namespace signalmesh::test
