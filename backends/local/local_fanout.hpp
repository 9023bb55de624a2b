// The in-process fan-out backend: one process, no network. Adapters that
// share a LocalHub hear each other's envelopes, so several gateways in one
// process form a cluster (used by the adapter conformance tests); a lone
// adapter is the single-pod demo mode.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include "signalmesh/fanout.hpp"

namespace signalmesh::backends::local {

class LocalFanout;

// The shared bus. Lives as long as its longest-lived adapter.
class LocalHub {
 public:
  void attach(LocalFanout* adapter);
  void detach(LocalFanout* adapter);
  void deliver(const std::string& channel, std::string_view payload);

 private:
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

  // Called by the hub: hands the envelope to this adapter's loop.
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
