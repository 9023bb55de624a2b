// Gateway lifecycle: wiring websocketpp onto the loop, liveness sweeps,
// drain and stop.
#include "signalmesh/gateway.hpp"

#include <algorithm>
#include <asio/io_context.hpp>
#include <cstdint>
#include <stdexcept>

#include "core/build_info.hpp"
#include "core/log.hpp"
#include "gateway/gateway_impl.hpp"
#include "store/none/none_store.hpp"
#include "websocket/tls_stream.hpp"

namespace signalmesh {

Gateway::Impl::Impl(asio::io_context& loop, Config config, FanoutPtr fanout, store::StorePtr store)
    : loop_(loop),
      config_(std::move(config)),
      fanout_(std::move(fanout)),
      store_(store ? std::move(store) : store::make_none_store()),
      clock_(loop),
      ping_timer_(loop),
      drain_timer_(loop) {
  if (config_.pod_id.empty()) config_.pod_id = protocol::random_peer_id();
  cluster::AgreementSettings settings;
  settings.pod_id = config_.pod_id;
  settings.max_room_members = config_.limits.max_room_members;
  settings.heartbeat_interval = std::chrono::milliseconds(config_.cluster.heartbeat_interval_ms);
  settings.pod_lost = std::chrono::milliseconds(config_.cluster.pod_lost_ms);
  settings.sync_timeout = std::chrono::milliseconds(config_.cluster.sync_timeout_ms);
  settings.rooms_need_record = config_.rooms.require_record;
  settings.hash_window_ticks = config_.store.hash_retention_ticks;
  agreement_ =
      std::make_unique<cluster::Agreement>(std::move(settings), *fanout_, clock_, *this, metrics_);
  mirror_ = std::make_unique<StoreMirror>(
      *store_, !config_.rooms.require_record, config_.store.max_queued_writes,
      [this] { return static_cast<std::int64_t>(clock_.unix_us() / 1000); });
  mirror_->attach(*agreement_);
  if (!config_.webhooks.urls.empty()) {
    webhooks::WebhookSettings hooks;
    hooks.urls = config_.webhooks.urls;
    hooks.secret = config_.webhooks.secret;
    hooks.max_queued = config_.webhooks.max_queued;
    hooks.timeout = std::chrono::milliseconds(config_.webhooks.timeout_ms);
    hooks.max_attempts = config_.webhooks.max_attempts;
    hooks_ = std::make_unique<webhooks::WebhookSender>(std::move(hooks));
    events_ = std::make_unique<WebhookEvents>(*hooks_, store_->name() != "none", [this] {
      return static_cast<std::int64_t>(clock_.unix_us() / 1000);
    });
    // A room a first join created in the store is announced by the pod
    // whose read created it.
    mirror_->on_record_created(
        [this](const std::string& room_id) { events_->room_created(room_id, "join"); });
  }
  observers_ = std::make_unique<RoomObservers>(*mirror_, events_.get());
  agreement_->set_observer(observers_.get());
  api::ApiSettings api_settings;
  api_settings.keys = config_.api.keys;
  api_settings.max_body_bytes = config_.api.max_body_bytes;
  api_settings.max_room_members = static_cast<std::uint32_t>(
      std::min<std::size_t>(config_.limits.max_room_members, UINT32_MAX));
  api_ = std::make_unique<api::DataApi>(*store_, *this, std::move(api_settings), [this] {
    return static_cast<std::int64_t>(clock_.unix_us() / 1000);
  });
}

void Gateway::Impl::configure_listener(Server& server) {
  using websocketpp::connection_hdl;
  server.init_asio(&loop_);
  server.set_reuse_addr(true);
  server.set_listen_backlog(1024);
  // Every answer, websocketpp's own errors included, names signalmesh (not
  // the library and its version).
  server.set_user_agent(std::string("signalmesh/") + build_info::kVersion);
  server.set_max_message_size(config_.limits.max_message_bytes);
  // The API's bodies (checked again there, with a 413 of its own).
  server.set_max_http_body_size(api_->enabled() ? config_.api.max_body_bytes + 1 : 4096);
  server.set_open_handshake_timeout(config_.limits.handshake_timeout_ms);
  server.set_close_handshake_timeout(config_.limits.close_timeout_ms);
  // After its close frame, a connection reads until the client's end for at
  // most as long again (ws_socket.hpp).
  server.set_linger(std::chrono::milliseconds(config_.limits.close_timeout_ms));
  // websocketpp never sets TCP_NODELAY; small frames would wait ~40 ms.
  server.set_socket_init_handler([](connection_hdl, asio::ip::tcp::socket& socket) {
    asio::error_code ec;
    socket.set_option(asio::ip::tcp::no_delay(true), ec);
  });
}

namespace {

// Binds and starts accepting; returns the bound port. `what` names the flags
// in the error.
std::uint16_t listen_on(Server& server, const std::string& host, std::uint16_t port,
                        const char* what) {
  asio::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) {
    throw std::runtime_error(std::string("invalid ") + what + " '" + host + "': " + ec.message());
  }
  server.listen(asio::ip::tcp::endpoint(address, port), ec);
  if (ec) {
    throw std::runtime_error("cannot listen on " + host + ":" + std::to_string(port) + " (" + what +
                             "): " + ec.message());
  }
  const std::uint16_t bound = server.get_local_endpoint(ec).port();
  server.start_accept(ec);
  if (ec) throw std::runtime_error("cannot accept: " + ec.message());
  return bound;
}

}  // namespace

void Gateway::Impl::start() {
  using websocketpp::connection_hdl;
  // An embedding program has only Config to set the level with.
  log::set_level(config_.log_level);
  log::set_format(config_.log_format);
  log::set_pod(config_.pod_id);
  configure_listener(server_);
  server_.set_validate_handler([this](connection_hdl h) { return on_validate(h); });
  server_.set_http_handler(
      [this](connection_hdl h) { on_http(server_.get_con_from_hdl(h), Listener::kPublic); });
  server_.set_open_handler([this](connection_hdl h) { on_open(h); });
  server_.set_close_handler([this](connection_hdl h) { on_close(h); });
  server_.set_fail_handler([this](connection_hdl h) { on_close(h); });
  server_.set_message_handler([this](connection_hdl h, MessagePtr m) { on_message(h, m); });
  server_.set_pong_handler([this](connection_hdl h, const std::string&) {
    asio::error_code ec;
    if (auto con = server_.get_con_from_hdl(h, ec))
      con->last_seen = std::chrono::steady_clock::now();
  });
  // Before listening: a bad certificate stops the start (exit 1).
  if (config_.tls.enabled()) {
    server_.set_tls_context(make_tls_context(config_.tls.cert_file, config_.tls.key_file));
  }
  port_ = listen_on(server_, config_.host, config_.port, "--host/--port");
  if (config_.internal_port) {
    configure_listener(internal_server_);
    // Plain HTTP only: an upgrade here is a 404, like any path it does not serve.
    internal_server_.set_validate_handler([this](connection_hdl h) {
      auto con = internal_server_.get_con_from_hdl(h);
      ++metrics_.http_rejected_404;
      con->set_status(websocketpp::http::status_code::not_found);
      con->replace_header("Content-Type", "text/plain; charset=utf-8");
      con->set_body("not found\n");
      return false;
    });
    internal_server_.set_http_handler([this](connection_hdl h) {
      on_http(internal_server_.get_con_from_hdl(h), Listener::kInternal);
    });
    internal_port_ = listen_on(internal_server_, config_.internal_host, *config_.internal_port,
                               "--internal-host/--internal-port");
  }

  fanout_->start(loop_, FanoutHandlers{
                            [this](std::string_view channel, std::string_view payload) {
                              agreement_->on_envelope(channel, payload);
                            },
                            [this](bool up) { agreement_->on_backend_state(up); },
                        });
  store_->start(loop_, [this](bool up) { mirror_->on_store_state(up); });
  agreement_->start();
  if (hooks_) hooks_->start();
  started_ = true;
  schedule_ping();
  if (config_.auth.allowed_origins.empty()) {
    SM_WARN(
        "no --allowed-origins: pages from any origin may connect (fine for the local demo, "
        "not for a public service)");
  }
  if (config_.auth.jwt_secret.empty()) SM_INFO("auth is off: no token is required to join");
  SM_INFO("server API " << (api_->enabled()
                                ? "on (" + std::to_string(config_.api.keys.size()) + " key(s))"
                                : std::string("off (no --api-key)")));
  SM_INFO("gateway pod " << config_.pod_id << " listening on " << config_.host << ":" << port_
                         << (config_.tls.enabled() ? " with TLS" : "") << " (backend "
                         << fanout_->name() << ", store " << store_->name() << ")");
  if (internal_port_ != 0) {
    SM_INFO("internal endpoints (metrics, health, API, admin) on " << config_.internal_host << ":"
                                                                   << internal_port_);
  }
}

std::string Gateway::Impl::reload_tls() {
  if (!config_.tls.enabled()) return "TLS is off (no --tls-cert-file): nothing to reload";
  try {
    server_.set_tls_context(make_tls_context(config_.tls.cert_file, config_.tls.key_file));
  } catch (const std::exception& e) {
    SM_WARN("TLS: the certificate was not reloaded, the previous one stays: " << e.what());
    return e.what();
  }
  SM_INFO("TLS: certificate reloaded from " << config_.tls.cert_file
                                            << " (open connections keep theirs)");
  return {};
}

bool Gateway::Impl::is_ready() const {
  return started_ && !draining_ && !stopped_ && agreement_->is_caught_up();
}

void Gateway::Impl::schedule_ping() {
  ping_timer_.expires_after(std::chrono::milliseconds(config_.limits.ping_interval_ms));
  ping_timer_.async_wait([this](const asio::error_code& ec) {
    if (!ec && !stopped_) on_ping_tick();
  });
}

// One sweep per interval instead of a timer per connection: pings every
// connection and drops those silent for two intervals.
void Gateway::Impl::on_ping_tick() {
  const auto now = std::chrono::steady_clock::now();
  const auto silence_limit = std::chrono::milliseconds(2 * config_.limits.ping_interval_ms);
  std::vector<ConnectionPtr> dead;
  for (const auto& con : sessions_) {
    if (con->closing) continue;
    if (now - con->last_seen > silence_limit) {
      dead.push_back(con);
      continue;
    }
    asio::error_code ec;
    con->ping("", ec);
  }
  for (const auto& con : dead) {
    SM_DEBUG("peer " << con->peer_id << " timed out");
    con->leave_reason = "timeout";
    con->closing = true;
    con->terminate(websocketpp::error::make_error_code(websocketpp::error::general));
  }
  schedule_ping();
}

void Gateway::Impl::drain(std::function<void()> on_drained) {
  if (draining_ || stopped_) return;
  draining_ = true;
  on_drained_ = std::move(on_drained);
  SM_INFO("draining " << sessions_.size() << " connections");
  const auto open = sessions_;  // close() does not remove, but be safe
  for (const auto& con : open) close(*con, websocketpp::close::status::going_away, "going-away");
  drain_timer_.expires_after(std::chrono::milliseconds(config_.drain_timeout_ms));
  drain_timer_.async_wait([this](const asio::error_code& ec) {
    if (ec || stopped_) return;
    SM_WARN("drain deadline passed with " << sessions_.size() << " connections left");
    finish_drain();
  });
  if (sessions_.empty()) asio::post(loop_, [this] { finish_drain(); });
}

void Gateway::Impl::finish_drain() {
  if (!draining_ || stopped_) return;
  stop();
  if (on_drained_) {
    auto done = std::move(on_drained_);
    on_drained_ = nullptr;
    done();
  }
}

void Gateway::Impl::stop() {
  if (stopped_) return;
  stopped_ = true;
  ping_timer_.cancel();
  drain_timer_.cancel();
  agreement_->stop();
  if (started_) {
    asio::error_code ec;
    server_.stop_listening(ec);
    if (internal_port_ != 0) internal_server_.stop_listening(ec);
    const auto open = sessions_;
    for (const auto& con : open) {
      con->closing = true;
      con->terminate(websocketpp::error::make_error_code(websocketpp::error::general));
      // Stopping is not draining: no connection waits for its client's end.
      con->end_linger();
    }
    fanout_->stop();
    // After the connections: a drain's departures are written first.
    mirror_->stop();
    store_->stop();
  }
  // Last, so that the departures above are sent: a drained pod waits a
  // little for its receivers (the events are not kept anywhere else).
  if (hooks_) hooks_->stop(std::chrono::milliseconds(draining_ ? 3000 : 500));
}

Gateway::Gateway(asio::io_context& loop, Config config, FanoutPtr fanout)
    : impl_(std::make_unique<Impl>(loop, std::move(config), std::move(fanout), nullptr)) {}

Gateway::Gateway(asio::io_context& loop, Config config, FanoutPtr fanout, store::StorePtr store)
    : impl_(std::make_unique<Impl>(loop, std::move(config), std::move(fanout), std::move(store))) {}

Gateway::~Gateway() {
  impl_->stop();
}

void Gateway::start() {
  impl_->start();
}
std::uint16_t Gateway::port() const {
  return impl_->port_;
}
std::uint16_t Gateway::internal_port() const {
  return impl_->internal_port_;
}
std::string Gateway::reload_tls() {
  return impl_->reload_tls();
}
void Gateway::drain(std::function<void()> on_drained) {
  impl_->drain(std::move(on_drained));
}
void Gateway::stop() {
  impl_->stop();
}
bool Gateway::is_ready() const {
  return impl_->is_ready();
}
const Config& Gateway::config() const {
  return impl_->config_;
}

}  // namespace signalmesh
