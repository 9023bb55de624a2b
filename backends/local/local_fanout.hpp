// The in-process fan-out backend: one process, no network. Adapters that
// share a LocalHub hear each other's envelopes, so several gateways in one
// process form a cluster (used by the adapter conformance tests); a lone
// adapter is the single-pod demo mode.
#pragma once

#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "signalmesh/fanout.hpp"

namespace signalmesh::backends::local {

class LocalFanout;

// The shared bus. Lives as long as its longest-lived adapter. Adapters may
// run on different loops (one per in-process pod), so the hub locks; it is
// touched only on publish (joins, leaves, cross-pod traffic), never by a
// relay between members of one pod.
class LocalHub {
 public:
  void attach(LocalFanout* adapter);
  void detach(LocalFanout* adapter);
  void deliver(const std::string& channel, std::string_view payload);

 private:
  std::mutex mutex_;
  std::vector<LocalFanout*> adapters_;
};

class LocalFanout final : public FanoutAdapter {
 public:
  explicit LocalFanout(std::shared_ptr<LocalHub> hub = std::make_shared<LocalHub>());
  ~LocalFanout() override;

  void start(asio::io_context& loop, FanoutHandlers handlers) override;
  void stop() override;
  bool subscribe(const std::string& channel) override;
  bool unsubscribe(const std::string& channel) override;
  bool publish(const std::string& channel, std::string_view payload) override;
  bool is_up() const override { return loop_ != nullptr; }
  std::string_view name() const override { return "local"; }

  // Called by the hub (from any thread, hub locked): hands the envelope to
  // this adapter's loop, where the subscription is checked.
  void receive(const std::string& channel, std::string_view payload);

 private:
  std::shared_ptr<LocalHub> hub_;
  asio::io_context* loop_ = nullptr;
  FanoutHandlers handlers_;
  std::set<std::string, std::less<>> channels_;
  // Guards handlers posted before stop() from running after it.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace signalmesh::backends::local
