// The fan-out adapter: the one seam between a gateway pod and the other pods
// of its cluster. It moves opaque byte envelopes on named channels
// (`room:{roomId}`, cluster-wide channels) and reports whether it can.
// A backend never parses client messages; the gateway never names a backend.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace asio {
class io_context;
}

namespace signalmesh {

struct Config;

// Called on the gateway's loop thread only. on_state is posted (is_up()
// has already changed when it runs); on_message is called directly from the
// backend's read path and may call stop().
struct FanoutHandlers {
  // An envelope arrived on a channel this pod subscribed to. The views are
  // valid only during the call.
  std::function<void(std::string_view channel, std::string_view payload)> on_message;
  // The backend became able (true) or unable (false) to carry envelopes.
  std::function<void(bool up)> on_state;
};

class FanoutAdapter {
 public:
  virtual ~FanoutAdapter() = default;

  // Attaches to the gateway's loop. Handlers are invoked on that loop only;
  // a backend with its own thread posts onto it. Loop thread only.
  virtual void start(asio::io_context& loop, FanoutHandlers handlers) = 0;
  // Detaches; no handler runs after it returns. Must be called before the
  // io_context is destroyed. Loop thread only.
  virtual void stop() = 0;
  // Idempotent; returns true when the subscription set changed. Contract:
  // an envelope this adapter publishes after subscribe() returned, and any
  // envelope published in reply to it, reaches this subscription (the Redis
  // backend holds such publishes until the SUBSCRIBE is acknowledged).
  virtual bool subscribe(const std::string& channel) = 0;
  virtual bool unsubscribe(const std::string& channel) = 0;
  // Queues an envelope; false when the backend is down and it was dropped.
  virtual bool publish(const std::string& channel, std::string_view payload) = 0;
  // Whether envelopes can currently be carried (drives /readyz).
  virtual bool is_up() const = 0;
  virtual std::string_view name() const = 0;
  // Appends the backend's own metrics (Prometheus text format, names
  // prefixed signalmesh_{name}_) to the gateway's /metrics. Loop thread only.
  virtual void append_metrics(std::string& /*prometheus_text*/) const {}
};

using FanoutPtr = std::unique_ptr<FanoutAdapter>;

// Config::backend's adapter with that backend's default settings (the
// table of signalmesh/backends.hpp, in the signalmesh_backends library; to
// set a backend's own settings, use make_fanout(config, settings) there).
// Returns nullptr for an unknown name; throws std::invalid_argument for
// settings the backend refuses (the zmq backend has no default endpoint).
FanoutPtr make_fanout(const Config& config);

}  // namespace signalmesh
