#include "support/pods.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <asio/executor_work_guard.hpp>
#include <asio/io_context.hpp>
#include <asio/post.hpp>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <mutex>
#include <random>
#include <regex>
#include <stdexcept>
#include <thread>

#include "core/log.hpp"
#include "local/local_fanout.hpp"
#include "signalmesh/fanout.hpp"
#include "signalmesh/gateway.hpp"

extern char** environ;

namespace signalmesh::test {

namespace {

// Reports a problem as a test failure inside a test, on stderr otherwise.
void report(const std::string& what) {
  if (::testing::UnitTest::GetInstance()->current_test_info() != nullptr) {
    ADD_FAILURE() << what;
  } else {
    std::fprintf(stderr, "signalmesh tests: %s\n", what.c_str());
  }
}

std::unique_ptr<PodSet>& shared_slot() {
  static std::unique_ptr<PodSet> slot;
  return slot;
}

// Sets the in-process pods' log level (process-wide) from
// SIGNALMESH_TEST_LOG_LEVEL (error|warn|info|debug; default warn), and stops
// the shared pods after the last test, before static destruction.
class SharedPodsEnvironment : public ::testing::Environment {
 public:
  void SetUp() override {
    const char* env = std::getenv("SIGNALMESH_TEST_LOG_LEVEL");
    const std::string wanted = env != nullptr ? env : "warn";
    LogLevel level = LogLevel::kWarn;
    if (wanted == "error") level = LogLevel::kError;
    if (wanted == "info") level = LogLevel::kInfo;
    if (wanted == "debug") level = LogLevel::kDebug;
    log::set_level(level);
  }
  void TearDown() override { shared_slot().reset(); }
};

[[maybe_unused]] const ::testing::Environment* const kSharedPodsEnvironment =
    ::testing::AddGlobalTestEnvironment(new SharedPodsEnvironment);

}  // namespace

Config test_config() {
  Config config;
  config.host = "127.0.0.1";
  config.port = 0;
  config.backend = "local";
  return config;
}

std::string random_id(std::string_view prefix) {
  static std::mutex mu;
  static std::mt19937_64 rng{std::random_device{}()};
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-";
  std::lock_guard<std::mutex> lock(mu);
  std::string id(prefix);
  id += '-';
  for (int i = 0; i < 12; ++i) id += kAlphabet[rng() % 64];
  return id;
}

// ---------------------------------------------------------------------------

struct InProcessPod::Impl {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> work{io.get_executor()};
  std::unique_ptr<Gateway> gateway;
  std::thread thread;
  std::future<void> finished;
  std::uint16_t port = 0;
  std::mutex mu;
  std::condition_variable cv;
  bool drained = false;
};

void SwitchableFanout::start(asio::io_context& loop, FanoutHandlers handlers) {
  handlers_ = handlers;
  inner_->start(loop, std::move(handlers));
}

void SwitchableFanout::set_up(bool up) {
  up_ = up;
  if (handlers_.on_state) handlers_.on_state(is_up());
}

InProcessPod::InProcessPod(Config config) : InProcessPod(config, make_fanout(config)) {}

InProcessPod::InProcessPod(Config config, FanoutPtr fanout) : impl_(std::make_unique<Impl>()) {
  if (!fanout) throw std::runtime_error("no fan-out adapter for backend " + config.backend);
  impl_->gateway = std::make_unique<Gateway>(impl_->io, std::move(config), std::move(fanout));
  impl_->gateway->start();
  impl_->port = impl_->gateway->port();
  std::packaged_task<void()> run([this] { impl_->io.run(); });
  impl_->finished = run.get_future();
  impl_->thread = std::thread(std::move(run));
}

InProcessPod::~InProcessPod() {
  Impl& s = *impl_;
  asio::post(s.io, [&s] { s.gateway->stop(); });
  s.work.reset();
  // Once stopped, the gateway must leave no work behind: the loop returns.
  if (s.finished.wait_for(std::chrono::seconds(3)) != std::future_status::ready) {
    report("Gateway::stop() left work on the loop: io_context::run() did not return within 3 s");
    s.io.stop();
  }
  s.thread.join();
  s.gateway.reset();
}

std::uint16_t InProcessPod::port() const {
  return impl_->port;
}

std::string InProcessPod::url() const {
  return "ws://127.0.0.1:" + std::to_string(impl_->port);
}

void InProcessPod::run_on_loop(const std::function<void()>& fn) {
  std::packaged_task<void()> task(fn);
  std::future<void> done = task.get_future();
  asio::post(impl_->io, [&task] { task(); });
  done.get();
}

void InProcessPod::drain() {
  Impl& s = *impl_;
  asio::post(s.io, [&s] {
    s.gateway->drain([&s] {
      std::lock_guard<std::mutex> lock(s.mu);
      s.drained = true;
      s.cv.notify_all();
    });
  });
}

bool InProcessPod::wait_drained(Ms timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  return impl_->cv.wait_for(lock, timeout, [this] { return impl_->drained; });
}

// ---------------------------------------------------------------------------

PodSet& PodSet::shared() {
  std::unique_ptr<PodSet>& slot = shared_slot();
  if (slot) return *slot;
  const char* env = std::getenv("SIGNALMESH_TEST_PODS");
  if (env != nullptr && *env != '\0') {
    slot.reset(new PodSet());
    std::string list(env);
    std::size_t start = 0;
    while (start <= list.size()) {
      std::size_t comma = list.find(',', start);
      if (comma == std::string::npos) comma = list.size();
      std::string url = list.substr(start, comma - start);
      while (!url.empty() && url.back() == '/') url.pop_back();
      if (!url.empty()) slot->urls_.push_back(url);
      start = comma + 1;
    }
  } else {
    slot = std::make_unique<PodSet>(test_config());
  }
  return *slot;
}

PodSet::PodSet(Config config, std::size_t pods) {
  if (pods == 0) {
    const char* env = std::getenv("SIGNALMESH_TEST_LOCAL_PODS");
    pods = env != nullptr ? std::strtoul(env, nullptr, 10) : 1;
    if (pods == 0) pods = 1;
  }
  config.host = "127.0.0.1";
  config.port = 0;
  auto hub = std::make_shared<backends::local::LocalHub>();
  for (std::size_t i = 0; i < pods; ++i) {
    if (pods > 1 && config.backend == "local") {
      auto fanout = std::make_unique<backends::local::LocalFanout>(hub);
      pods_.push_back(std::make_unique<InProcessPod>(config, std::move(fanout)));
    } else {
      pods_.push_back(std::make_unique<InProcessPod>(config));
    }
    urls_.push_back(pods_.back()->url());
  }
}

PodSet::~PodSet() = default;

const std::string& PodSet::next_url() {
  return urls_[next_++ % urls_.size()];
}

// ---------------------------------------------------------------------------

struct BinaryPod::Impl {
  pid_t pid = -1;
  int out_fd = -1;
  int err_fd = -1;
  std::thread reader;
  std::thread waiter;

  mutable std::mutex mu;
  std::condition_variable cv;
  std::string out;
  std::string err;
  bool streams_done = false;
  std::optional<int> exit_status;
  std::uint16_t port = 0;

  void read_streams() {
    std::string* sinks[2] = {&out, &err};
    pollfd fds[2] = {{out_fd, POLLIN, 0}, {err_fd, POLLIN, 0}};
    int open_count = 2;
    while (open_count > 0) {
      if (::poll(fds, 2, -1) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      for (int i = 0; i < 2; ++i) {
        if (fds[i].fd < 0 || fds[i].revents == 0) continue;
        char chunk[4096];
        ssize_t n = ::read(fds[i].fd, chunk, sizeof chunk);
        if (n <= 0) {
          if (n < 0 && errno == EINTR) continue;
          fds[i].fd = -1;
          --open_count;
          continue;
        }
        std::lock_guard<std::mutex> lock(mu);
        sinks[i]->append(chunk, static_cast<std::size_t>(n));
        if (i == 0 && port == 0) {
          static const std::regex kListening(R"(signalmesh listening on http://[^\s:]+:(\d+))");
          std::smatch m;
          if (std::regex_search(out, m, kListening)) {
            port = static_cast<std::uint16_t>(std::stoi(m[1].str()));
          }
        }
        cv.notify_all();
      }
    }
    std::lock_guard<std::mutex> lock(mu);
    streams_done = true;
    cv.notify_all();
  }

  void wait_child() {
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
    std::lock_guard<std::mutex> lock(mu);
    exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    cv.notify_all();
  }
};

BinaryPod::BinaryPod(std::vector<std::string> args) : impl_(std::make_unique<Impl>()) {
  Impl& s = *impl_;
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe2 failed");
  }
  std::vector<std::string> argv_strings;
  argv_strings.push_back(SIGNALMESH_BINARY);
  // Pods keep no records unless the test asks for a store: tests running at
  // once must not share the default sqlite:signalmesh.db of the local backend.
  const bool has_store = std::find(args.begin(), args.end(), "--store") != args.end();
  for (auto& a : args) argv_strings.push_back(std::move(a));
  if (!has_store) {
    argv_strings.push_back("--store");
    argv_strings.push_back("none");
  }
  std::vector<char*> argv;
  for (auto& a : argv_strings) argv.push_back(a.data());
  argv.push_back(nullptr);
  // The child's environment: ours without SIGNALMESH_* (no stray settings).
  std::vector<char*> envp;
  for (char** e = environ; *e != nullptr; ++e) {
    if (std::string_view(*e).rfind("SIGNALMESH_", 0) != 0) envp.push_back(*e);
  }
  envp.push_back(nullptr);

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], STDERR_FILENO);
  int rc = ::posix_spawn(&s.pid, argv[0], &actions, nullptr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    throw std::runtime_error(std::string("posix_spawn ") + SIGNALMESH_BINARY + " failed");
  }
  s.out_fd = out_pipe[0];
  s.err_fd = err_pipe[0];
  s.reader = std::thread([&s] { s.read_streams(); });
  s.waiter = std::thread([&s] { s.wait_child(); });
}

BinaryPod::~BinaryPod() {
  Impl& s = *impl_;
  if (!wait_exit(Ms(0))) {
    ::kill(s.pid, SIGKILL);
  }
  s.waiter.join();
  s.reader.join();
  ::close(s.out_fd);
  ::close(s.err_fd);
}

bool BinaryPod::wait_listening(Ms timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  impl_->cv.wait_for(lock, timeout, [this] {
    return impl_->port != 0 || impl_->exit_status.has_value() || impl_->streams_done;
  });
  return impl_->port != 0;
}

std::uint16_t BinaryPod::port() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->port;
}

std::string BinaryPod::url() const {
  return "ws://127.0.0.1:" + std::to_string(port());
}

void BinaryPod::send_signal(int sig) {
  if (!wait_exit(Ms(0))) ::kill(impl_->pid, sig);
}

std::optional<int> BinaryPod::wait_exit(Ms timeout) {
  std::unique_lock<std::mutex> lock(impl_->mu);
  // Wait for the output too, so stdout_text()/stderr_text() are complete.
  impl_->cv.wait_for(lock, timeout,
                     [this] { return impl_->exit_status.has_value() && impl_->streams_done; });
  return impl_->streams_done ? impl_->exit_status : std::nullopt;
}

std::string BinaryPod::stdout_text() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->out;
}

std::string BinaryPod::stderr_text() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->err;
}

}  // namespace signalmesh::test
