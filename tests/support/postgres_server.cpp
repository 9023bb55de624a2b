#include "support/postgres_server.hpp"

#include <fcntl.h>
#include <grp.h>
#include <libpq-fe.h>
#include <pwd.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>

#include "support/free_port.hpp"

namespace signalmesh::test {

namespace {

namespace fs = std::filesystem;

constexpr std::size_t kMaxOutput = 64 * 1024;
constexpr auto kReadyTimeout = std::chrono::seconds(30);
constexpr const char* kReady = "database system is ready to accept connections";

bool executable(const fs::path& p) {
  return ::access(p.c_str(), X_OK) == 0;
}

// The newest installed major version: /usr/lib/postgresql/<N>/bin.
std::string find_bin_dir() {
  if (const char* env = std::getenv("SIGNALMESH_PG_BIN"); env != nullptr && *env != '\0') {
    return env;
  }
  std::string best;
  long best_version = -1;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator("/usr/lib/postgresql", ec)) {
    const std::string name = entry.path().filename().string();
    char* end = nullptr;
    const long version = std::strtol(name.c_str(), &end, 10);
    const fs::path bin = entry.path() / "bin";
    if (end == name.c_str() || !executable(bin / "postgres") || !executable(bin / "initdb")) {
      continue;
    }
    if (version > best_version) {
      best_version = version;
      best = bin.string();
    }
  }
  if (best.empty()) {
    throw std::runtime_error(
        "no PostgreSQL server in /usr/lib/postgresql/*/bin (apt install postgresql), "
        "nor $SIGNALMESH_PG_BIN");
  }
  return best;
}

}  // namespace

PostgresServer::PostgresServer() : bin_dir_(find_bin_dir()) {
  if (::geteuid() == 0) {
    // postgres will not run as root: the cluster belongs to an ordinary user.
    const passwd* pw = ::getpwnam("postgres");
    if (pw == nullptr) pw = ::getpwnam("nobody");
    if (pw == nullptr) throw std::runtime_error("running as root and no postgres/nobody user");
    uid_ = pw->pw_uid;
    gid_ = pw->pw_gid;
    drop_privileges_ = true;
  }
  // Under /tmp, which that user can reach whatever $TMPDIR is.
  std::string pattern = "/tmp/signalmesh-pg-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  dir_ = pattern;
  if (drop_privileges_ && ::chown(dir_.c_str(), uid_, gid_) != 0) {
    fs::remove_all(dir_);
    throw std::runtime_error("cannot chown " + dir_);
  }
  // -N: initdb's own files are not fsync'ed (the cluster dies with the test
  // anyway); the server itself runs with fsync on.
  const int status = run_tool({bin_dir_ + "/initdb", "-D", dir_ + "/data", "-U", "signalmesh", "-A",
                               "trust", "-E", "UTF8", "--no-locale", "-N"});
  if (status != 0) {
    const std::string out = output();
    fs::remove_all(dir_);
    throw std::runtime_error("initdb failed; its output:\n" + out);
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    if (launch()) return;
  }
  const std::string out = output();
  fs::remove_all(dir_);
  throw std::runtime_error("postgres did not start; its output:\n" + out);
}

PostgresServer::~PostgresServer() {
  if (running()) kill();
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

std::string PostgresServer::url(const std::string& database) const {
  return "postgres://signalmesh@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

pid_t PostgresServer::spawn(const std::vector<std::string>& args, int out_fd, bool own_group) {
  std::vector<std::string> copy = args;
  std::vector<char*> argv;
  for (auto& a : copy) argv.push_back(a.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Async-signal-safe calls only: the parent is multi-threaded.
    // Its own group, so that kill() reaches every backend at once.
    if (own_group) ::setpgid(0, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    if (drop_privileges_ &&
        (::setgroups(0, nullptr) != 0 || ::setgid(gid_) != 0 || ::setuid(uid_) != 0)) {
      ::_exit(126);
    }
    // After setuid, which clears it: the server never outlives the test.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    if (::chdir(dir_.c_str()) != 0) ::_exit(125);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  return pid;
}

int PostgresServer::run_tool(const std::vector<std::string>& args) {
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t pid = spawn(args, fds[1], false);
  ::close(fds[1]);
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    std::lock_guard<std::mutex> lock(mu_);
    output_.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fds[0]);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

bool PostgresServer::launch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_ = eof_ = false;
    launch_offset_ = output_.size();  // an earlier run's "ready" does not count
  }
  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  // recovery_init_sync_method=syncfs: crash recovery still syncs the data
  // directory first, in one syncfs() rather than an fsync() per file
  // (seconds, on a fresh cluster whose initdb skipped its syncs).
  const std::vector<std::string> args = {bin_dir_ + "/postgres",
                                         "-D",
                                         dir_ + "/data",
                                         "-p",
                                         std::to_string(port_),
                                         "-c",
                                         "listen_addresses=127.0.0.1",
                                         "-c",
                                         "unix_socket_directories=" + dir_,
                                         "-c",
                                         "shared_buffers=32MB",
                                         "-c",
                                         "max_connections=200",
                                         "-c",
                                         "recovery_init_sync_method=syncfs"};
  pid_ = spawn(args, fds[1], true);
  ::close(fds[1]);
  reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });

  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, kReadyTimeout, [this] { return ready_ || eof_; });
  const bool ready = ready_;
  lock.unlock();
  if (ready && PQping(url().c_str()) == PQPING_OK) return true;
  kill();
  return false;
}

void PostgresServer::read_output(int fd) {
  char buf[4096];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    std::lock_guard<std::mutex> lock(mu_);
    if (n <= 0) {
      eof_ = true;
      cv_.notify_all();
      break;
    }
    output_.append(buf, static_cast<std::size_t>(n));
    if (output_.find(kReady, launch_offset_) != std::string::npos) ready_ = true;
    if (output_.size() > kMaxOutput) {
      const std::size_t drop = output_.size() - kMaxOutput / 2;
      output_.erase(0, drop);
      launch_offset_ = launch_offset_ > drop ? launch_offset_ - drop : 0;
    }
    cv_.notify_all();
  }
  ::close(fd);
}

// Every server process holds the output pipe: its end means they are all
// gone (the shared memory too), so a start right after cannot find it taken.
void PostgresServer::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return eof_; })) {
      ::kill(-pid_, SIGKILL);
      cv_.wait(lock, [this] { return eof_; });
    }
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  if (reader_.joinable()) reader_.join();
  pid_ = -1;
  std::lock_guard<std::mutex> lock(mu_);
  output_ += "[postgres exited]\n";
  ready_ = false;
}

void PostgresServer::stop(std::chrono::milliseconds timeout) {
  if (!running()) return;
  ::kill(pid_, SIGINT);  // fast shutdown
  wait_exit(timeout);
}

void PostgresServer::kill() {
  if (!running()) return;
  ::kill(-pid_, SIGKILL);
  ::kill(pid_, SIGKILL);  // in case it had not made its group yet
  wait_exit(std::chrono::seconds(10));
}

void PostgresServer::start() {
  if (running()) return;
  // The port was ours a moment ago; postgres binds with SO_REUSEADDR.
  if (!launch()) throw std::runtime_error("postgres did not start again; its output:\n" + output());
}

void PostgresServer::create_database(const std::string& name) const {
  const std::string out = query("postgres", "CREATE DATABASE \"" + name + "\"");
  if (out.rfind("(error)", 0) == 0) {
    throw std::runtime_error("CREATE DATABASE " + name + ": " + out);
  }
}

std::string PostgresServer::query(const std::string& database, const std::string& sql) const {
  const std::string conninfo = url(database) + "?connect_timeout=5";
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string out = std::string("(error) ") + PQerrorMessage(conn);
    PQfinish(conn);
    return out;
  }
  PQsetNoticeReceiver(
      conn, [](void*, const PGresult*) {}, nullptr);
  PGresult* r = PQexec(conn, sql.c_str());
  std::string out;
  const ExecStatusType status = PQresultStatus(r);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    out = std::string("(error) ") + PQresultErrorMessage(r);
  } else {
    for (int row = 0; row < PQntuples(r); ++row) {
      if (row > 0) out += '\n';
      for (int col = 0; col < PQnfields(r); ++col) {
        if (col > 0) out += '|';
        out += PQgetisnull(r, row, col) ? "(null)" : PQgetvalue(r, row, col);
      }
    }
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  PQclear(r);
  PQfinish(conn);
  return out;
}

std::string PostgresServer::output() const {
  std::lock_guard<std::mutex> lock(mu_);
  return output_;
}

}  // namespace signalmesh::test
