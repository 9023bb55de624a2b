// The embeddable signaling gateway: WebSocket + HTTP on one port, rooms,
// protocol validation, limits, metrics. It owns no thread: it runs on the
// io_context it is given, and all of its state belongs to that loop.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "signalmesh/config.hpp"
#include "signalmesh/fanout.hpp"
#include "signalmesh/store.hpp"

namespace asio {
class io_context;
}

namespace signalmesh {

class Gateway {
 public:
  // The gateway never inspects which backend `fanout` is.
  Gateway(asio::io_context& loop, Config config, FanoutPtr fanout);
  // With a store (signalmesh/store.hpp): rooms, users and hashes are kept
  // there; nullptr is `--store none`.
  Gateway(asio::io_context& loop, Config config, FanoutPtr fanout, store::StorePtr store);
  ~Gateway();
  Gateway(const Gateway&) = delete;
  Gateway& operator=(const Gateway&) = delete;

  // Binds config.host:config.port and starts accepting. Throws
  // std::runtime_error when the address cannot be bound. Call before the
  // loop runs or on the loop thread.
  void start();
  // The bound port (useful with config.port == 0). Valid after start().
  std::uint16_t port() const;
  // The internal listener's bound port (config.internal_port); 0 without one.
  std::uint16_t internal_port() const;
  // Reads config.tls's files again (SIGHUP in the binary): connections
  // accepted from now on get the new certificate, open ones keep theirs.
  // Returns "" or why it was refused (the previous certificate stays).
  // Loop thread only.
  std::string reload_tls();
  // Graceful drain: readyz turns 503, new upgrades get 503, every connection
  // is closed with 1001; `on_drained` runs on the loop once all are gone or
  // config.drain_timeout_ms has passed. Loop thread only.
  void drain(std::function<void()> on_drained);
  // Closes the listener and every connection at once. Loop thread only.
  void stop();
  // What /readyz reports: accepting and the backend is up.
  bool is_ready() const;
  const Config& config() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signalmesh
