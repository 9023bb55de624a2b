#include "support/redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <stdexcept>

#include "support/free_port.hpp"

namespace signalmesh::test {

namespace {

constexpr std::size_t kMaxOutput = 64 * 1024;
constexpr auto kReadyTimeout = std::chrono::seconds(10);

std::string find_redis_server() {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path != nullptr ? path : "");
  std::string dir;
  while (std::getline(dirs, dir, ':')) {
    const std::string candidate = (dir.empty() ? "." : dir) + "/redis-server";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
  }
  if (::access("/usr/bin/redis-server", X_OK) == 0) return "/usr/bin/redis-server";
  throw std::runtime_error(
      "redis-server not found on PATH or in /usr/bin (apt install redis-server)");
}

std::string reply_text(const redisReply* r) {
  switch (r->type) {
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return std::string(r->str, r->len);
    case REDIS_REPLY_ERROR:
      return "(error) " + std::string(r->str, r->len);
    case REDIS_REPLY_INTEGER:
      return std::to_string(r->integer);
    case REDIS_REPLY_ARRAY: {
      std::string out;
      for (std::size_t i = 0; i < r->elements; ++i) {
        if (i > 0) out += '\n';
        out += reply_text(r->element[i]);
      }
      return out;
    }
    default:
      return "(nil)";
  }
}

}  // namespace

RedisServer::RedisServer() : RedisServer(Options{}) {}

RedisServer::RedisServer(Options options)
    : options_(std::move(options)), binary_(find_redis_server()) {
  if (options_.appendonly) {
    char pattern[] = "/tmp/signalmesh-redis-XXXXXX";
    if (::mkdtemp(pattern) == nullptr) throw std::runtime_error("mkdtemp failed");
    dir_ = pattern;
  }
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = free_loopback_port();
    if (launch()) return;
  }
  throw std::runtime_error("redis-server did not start; its output:\n" + output());
}

RedisServer::~RedisServer() {
  if (running()) kill();
  if (!dir_.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir_, ec);
  }
}

std::string RedisServer::url() const {
  const std::string auth = options_.password.empty() ? "" : ":" + options_.password + "@";
  return "redis://" + auth + "127.0.0.1:" + std::to_string(port_);
}

bool RedisServer::launch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    ready_ = eof_ = false;
    launch_offset_ = output_.size();  // an earlier run's "Ready" does not count
  }
  std::vector<std::string> args = {
      binary_,        "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",
      "--appendonly", "no",     "--daemonize",         "no"};
  if (!options_.password.empty()) {
    args.insert(args.end(), {"--requirepass", options_.password});
  }
  if (options_.appendonly) {
    // Later options win: these override the "--appendonly no" above.
    args.insert(args.end(), {"--dir", dir_, "--appendonly", "yes", "--appendfsync", "always"});
  }
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) throw std::runtime_error("pipe2 failed");
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    // Async-signal-safe calls only: the parent is multi-threaded.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);  // never outlive a crashed test
    if (::getppid() != parent) ::_exit(127);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(fds[1]);
  pid_ = pid;
  frozen_ = false;
  reader_ = std::thread([this, fd = fds[0]] { read_output(fd); });

  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait_for(lock, kReadyTimeout, [this] { return ready_ || eof_; });
  const bool ready = ready_;
  lock.unlock();
  if (ready) {
    const auto pong = command({"PING"});
    if (pong && *pong == "PONG") return true;
  }
  kill();
  return false;
}

void RedisServer::read_output(int fd) {
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
    if (output_.find("Ready to accept connections", launch_offset_) != std::string::npos) {
      ready_ = true;
    }
    if (output_.size() > kMaxOutput) {
      const std::size_t drop = output_.size() - kMaxOutput / 2;
      output_.erase(0, drop);
      launch_offset_ = launch_offset_ > drop ? launch_offset_ - drop : 0;
    }
    cv_.notify_all();
  }
  ::close(fd);
}

void RedisServer::wait_exit(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return;
  {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, timeout, [this] { return eof_; })) {
      ::kill(pid_, SIGKILL);
      cv_.wait(lock, [this] { return eof_; });
    }
  }
  int status = 0;
  while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
  }
  if (reader_.joinable()) reader_.join();
  pid_ = -1;
  frozen_ = false;
  std::lock_guard<std::mutex> lock(mu_);
  output_ += "[redis-server exited]\n";
  ready_ = false;
}

void RedisServer::stop(std::chrono::milliseconds timeout) {
  if (!running()) return;
  if (frozen_) ::kill(pid_, SIGCONT);
  ::kill(pid_, SIGTERM);
  wait_exit(timeout);
}

void RedisServer::kill() {
  if (!running()) return;
  ::kill(pid_, SIGKILL);
  wait_exit(std::chrono::seconds(5));
}

void RedisServer::restart() {
  if (running()) stop();
  // The port was ours a moment ago; redis-server binds with SO_REUSEADDR.
  if (!launch()) throw std::runtime_error("redis-server did not restart; its output:\n" + output());
}

void RedisServer::freeze() {
  if (running() && !frozen_ && ::kill(pid_, SIGSTOP) == 0) frozen_ = true;
}

void RedisServer::thaw() {
  if (running() && frozen_ && ::kill(pid_, SIGCONT) == 0) frozen_ = false;
}

std::optional<std::string> RedisServer::command(const std::vector<std::string>& args) const {
  const timeval timeout{2, 0};
  redisContext* c = redisConnectWithTimeout("127.0.0.1", port_, timeout);
  if (c == nullptr || c->err != 0 || redisSetTimeout(c, timeout) != REDIS_OK) {
    if (c != nullptr) redisFree(c);
    return std::nullopt;
  }
  auto run = [c](const std::vector<std::string>& words) -> std::optional<std::string> {
    std::vector<const char*> argv;
    std::vector<std::size_t> lens;
    for (const auto& w : words) {
      argv.push_back(w.data());
      lens.push_back(w.size());
    }
    auto* reply = static_cast<redisReply*>(
        redisCommandArgv(c, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (reply == nullptr) return std::nullopt;
    std::string text = reply_text(reply);
    freeReplyObject(reply);
    return text;
  };
  std::optional<std::string> out;
  if (options_.password.empty() || run({"AUTH", options_.password}) == "OK") out = run(args);
  redisFree(c);
  return out;
}

std::optional<long long> RedisServer::info_field(const std::string& name) const {
  const auto info = command({"INFO", "all"});
  if (!info) return std::nullopt;
  const auto at = info->find("\n" + name + ":");
  if (at == std::string::npos) return std::nullopt;
  return std::atoll(info->c_str() + at + name.size() + 2);
}

std::string RedisServer::output() const {
  std::lock_guard<std::mutex> lock(mu_);
  return output_;
}

}  // namespace signalmesh::test
