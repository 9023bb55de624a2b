// Where the integration tests find gateways.
//
// PodSet::shared() is the pod set of tests that run with default limits: the
// base URLs in SIGNALMESH_TEST_PODS (comma-separated ws:// URLs, e.g. a
// multi-pod cluster) when set, else in-process Gateways on free ports.
// Tests that need other limits build their own PodSet from a Config. Either
// kind of in-process PodSet has SIGNALMESH_TEST_LOCAL_PODS pods (default 1);
// several share one LocalHub, so they form a cluster over the local backend.
// A BinaryPod runs the signalmesh executable itself (signals, exit codes).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "signalmesh/config.hpp"
#include "signalmesh/fanout.hpp"
#include "support/ws_client.hpp"

namespace signalmesh::test {

// A Config for an in-process test pod: loopback, port 0, local backend,
// default limits. (Gateways log at the process-wide level, which the test
// environment sets from SIGNALMESH_TEST_LOG_LEVEL.)
Config test_config();

// A fresh random identifier ("prefix-" + 12 URL-safe characters), so that
// tests never share a room.
std::string random_id(std::string_view prefix = "room");

// One Gateway on its own io_context and thread.
class InProcessPod {
 public:
  // Starts at once with make_fanout(config); throws if the gateway cannot
  // start.
  explicit InProcessPod(Config config);
  // The same with a given fan-out adapter.
  InProcessPod(Config config, FanoutPtr fanout);
  // Stops the gateway on its loop and joins the thread (bounded).
  ~InProcessPod();
  InProcessPod(const InProcessPod&) = delete;
  InProcessPod& operator=(const InProcessPod&) = delete;

  std::uint16_t port() const;
  std::string url() const;  // ws://127.0.0.1:PORT
  // Runs `fn` on the gateway's loop thread and waits until it returned.
  void run_on_loop(const std::function<void()>& fn);
  // Starts a graceful drain on the loop; returns at once.
  void drain();
  // True once the drain finished (its callback ran).
  bool wait_drained(Ms timeout);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// A fan-out adapter around another whose "up" state a test can switch, to
// see what the gateway does when its backend goes away (loop thread only).
class SwitchableFanout final : public FanoutAdapter {
 public:
  explicit SwitchableFanout(FanoutPtr inner) : inner_(std::move(inner)) {}
  void start(asio::io_context& loop, FanoutHandlers handlers) override;
  void stop() override { inner_->stop(); }
  bool subscribe(const std::string& channel) override { return inner_->subscribe(channel); }
  bool unsubscribe(const std::string& channel) override { return inner_->unsubscribe(channel); }
  bool publish(const std::string& channel, std::string_view payload) override {
    return up_ && inner_->publish(channel, payload);
  }
  bool is_up() const override { return up_ && inner_->is_up(); }
  std::string_view name() const override { return inner_->name(); }
  // Reports the new state through the gateway's on_state handler.
  void set_up(bool up);

 private:
  FanoutPtr inner_;
  FanoutHandlers handlers_;
  bool up_ = true;
};

class PodSet {
 public:
  // Default limits: SIGNALMESH_TEST_PODS, or lazily started in-process pods.
  static PodSet& shared();
  // In-process pods with `config` (host and port are forced to loopback:0);
  // `pods` 0 means SIGNALMESH_TEST_LOCAL_PODS (default 1).
  explicit PodSet(Config config, std::size_t pods = 0);
  ~PodSet();

  const std::vector<std::string>& urls() const { return urls_; }
  // Round-robin over urls(): spreads a test's clients over the pods.
  const std::string& next_url();
  // True when the pods are external (SIGNALMESH_TEST_PODS).
  bool external() const { return pods_.empty(); }

 private:
  PodSet() = default;
  std::vector<std::unique_ptr<InProcessPod>> pods_;
  std::vector<std::string> urls_;
  std::size_t next_ = 0;
};

// The signalmesh executable (SIGNALMESH_BINARY) run as a child process with
// its stdout and stderr captured.
class BinaryPod {
 public:
  explicit BinaryPod(std::vector<std::string> args);
  // Kills the child if it is still running.
  ~BinaryPod();
  BinaryPod(const BinaryPod&) = delete;
  BinaryPod& operator=(const BinaryPod&) = delete;

  // Waits for "signalmesh listening on http://HOST:PORT (...)" on stdout;
  // false if the process exited or timed out first.
  bool wait_listening(Ms timeout = kWait);
  std::uint16_t port() const;
  std::string url() const;  // ws://127.0.0.1:PORT

  void send_signal(int sig);
  // The exit status once the process ended within `timeout`: the exit code,
  // or 128 + signal number when killed by a signal (and its output has ended).
  std::optional<int> wait_exit(Ms timeout = kWait);

  std::string stdout_text() const;
  std::string stderr_text() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signalmesh::test
