#include "support/ws_client.hpp"

#include <gtest/gtest.h>

#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <thread>

// clang-format off
// The gateway's specialization of websocketpp's UTF-8 check: every
// translation unit of a program must see the same one (see the file).
#include "websocket/ws_utf8.hpp"
// clang-format on

#include <websocketpp/client.hpp>
#include <websocketpp/config/asio_no_tls_client.hpp>

namespace signalmesh::test {

namespace {

using Client = websocketpp::client<websocketpp::config::asio_client>;
using websocketpp::connection_hdl;

enum class State { kIdle, kConnecting, kOpen, kClosed, kFailed };

}  // namespace

struct WsClient::Impl {
  Options options;
  asio::io_context io;
  Client client;
  std::thread thread;
  Client::connection_ptr con;  // touched on the io thread only, after connect()

  mutable std::mutex mu;
  std::condition_variable cv;
  State state = State::kIdle;
  std::deque<std::string> messages;
  CloseInfo close_info;
  int http_status = 0;
  std::string error;
  std::size_t pings = 0;

  explicit Impl(Options o) : options(std::move(o)) {
    client.clear_access_channels(websocketpp::log::alevel::all);
    client.clear_error_channels(websocketpp::log::elevel::all);
    client.init_asio(&io);
    client.start_perpetual();
    thread = std::thread([this] { io.run(); });
  }

  ~Impl() {
    bool open;
    {
      std::lock_guard<std::mutex> lock(mu);
      open = state == State::kOpen;
    }
    if (open) {
      asio::post(io, [this] {
        websocketpp::lib::error_code ec;
        con->close(websocketpp::close::status::normal, "", ec);
      });
      std::unique_lock<std::mutex> lock(mu);
      cv.wait_for(lock, std::chrono::seconds(1), [this] { return state == State::kClosed; });
    }
    client.stop_perpetual();
    io.stop();
    thread.join();
  }

  void set_state(State s) {
    std::lock_guard<std::mutex> lock(mu);
    state = s;
    cv.notify_all();
  }

  // Runs `fn` on the io thread and returns its result.
  template <typename Fn>
  auto on_io(Fn fn) -> decltype(fn()) {
    std::packaged_task<decltype(fn())()> task(std::move(fn));
    auto result = task.get_future();
    asio::post(io, [&task] { task(); });
    return result.get();
  }

  bool send(std::string_view payload, websocketpp::frame::opcode::value op) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (state != State::kOpen) return false;
    }
    std::string copy(payload);
    return on_io([this, &copy, op] { return !con->send(copy, op); });
  }
};

WsClient::WsClient() : WsClient(Options{}) {}
WsClient::WsClient(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}
WsClient::~WsClient() = default;

ConnectResult WsClient::connect(const std::string& url, Ms timeout) {
  Impl& s = *impl_;
  {
    std::lock_guard<std::mutex> lock(s.mu);
    if (s.state != State::kIdle) return {false, 0, "connect() called twice"};
    s.state = State::kConnecting;
  }
  std::string setup_error = s.on_io([&s, &url]() -> std::string {
    websocketpp::lib::error_code ec;
    Client::connection_ptr con = s.client.get_connection(url, ec);
    if (ec) return ec.message();
    for (const auto& [name, value] : s.options.headers) con->append_header(name, value);
    con->set_open_handler([&s](connection_hdl) {
      std::lock_guard<std::mutex> lock(s.mu);
      s.http_status = static_cast<int>(s.con->get_response_code());
      s.state = State::kOpen;
      s.cv.notify_all();
    });
    con->set_fail_handler([&s](connection_hdl) {
      std::lock_guard<std::mutex> lock(s.mu);
      s.http_status = static_cast<int>(s.con->get_response_code());
      s.error = s.con->get_ec().message();
      s.state = State::kFailed;
      s.cv.notify_all();
    });
    con->set_close_handler([&s](connection_hdl) {
      std::lock_guard<std::mutex> lock(s.mu);
      s.close_info.code = static_cast<int>(s.con->get_remote_close_code());
      s.close_info.reason = s.con->get_remote_close_reason();
      s.state = State::kClosed;
      s.cv.notify_all();
    });
    con->set_message_handler([&s](connection_hdl, Client::message_ptr msg) {
      std::lock_guard<std::mutex> lock(s.mu);
      s.messages.push_back(msg->get_payload());
      s.cv.notify_all();
    });
    con->set_ping_handler([&s](connection_hdl, std::string) {
      std::lock_guard<std::mutex> lock(s.mu);
      ++s.pings;
      return s.options.auto_pong;
    });
    s.con = con;
    s.client.connect(con);
    return "";
  });
  if (!setup_error.empty()) {
    s.set_state(State::kFailed);
    return {false, 0, setup_error};
  }
  std::unique_lock<std::mutex> lock(s.mu);
  if (!s.cv.wait_for(lock, timeout, [&s] { return s.state != State::kConnecting; })) {
    return {false, 0, "timed out waiting for the handshake"};
  }
  // A connection may open and be closed before we look: it did open.
  if (s.state == State::kOpen || s.state == State::kClosed) return {true, s.http_status, ""};
  return {false, s.http_status, s.error};
}

bool WsClient::send_text(std::string_view payload) {
  return impl_->send(payload, websocketpp::frame::opcode::text);
}

bool WsClient::send_binary(std::string_view payload) {
  return impl_->send(payload, websocketpp::frame::opcode::binary);
}

bool WsClient::ping(std::string_view payload) {
  if (!is_open()) return false;
  std::string copy(payload);
  return impl_->on_io([this, &copy] {
    websocketpp::lib::error_code ec;
    impl_->con->ping(copy, ec);
    return !ec;
  });
}

bool WsClient::pong(std::string_view payload) {
  if (!is_open()) return false;
  std::string copy(payload);
  return impl_->on_io([this, &copy] {
    websocketpp::lib::error_code ec;
    impl_->con->pong(copy, ec);
    return !ec;
  });
}

bool WsClient::close(int code, std::string_view reason) {
  if (!is_open()) return false;
  std::string copy(reason);
  return impl_->on_io([this, code, &copy] {
    websocketpp::lib::error_code ec;
    impl_->con->close(static_cast<websocketpp::close::status::value>(code), copy, ec);
    return !ec;
  });
}

void WsClient::abort() {
  if (!is_open()) return;
  impl_->on_io([this] {
    asio::error_code ec;
    impl_->con->get_raw_socket().shutdown(asio::ip::tcp::socket::shutdown_both, ec);
    impl_->con->get_raw_socket().close(ec);
    return 0;
  });
}

std::optional<std::string> WsClient::next_message(Ms timeout) {
  Impl& s = *impl_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.cv.wait_for(lock, timeout, [&s] {
    return !s.messages.empty() || s.state == State::kClosed || s.state == State::kFailed;
  });
  if (s.messages.empty()) return std::nullopt;
  std::string out = std::move(s.messages.front());
  s.messages.pop_front();
  return out;
}

std::optional<Json> WsClient::expect_message_of_type(std::string_view type, Ms timeout) {
  std::optional<std::string> text = next_message(timeout);
  if (!text) {
    std::optional<CloseInfo> closed = wait_closed(Ms(0));
    ADD_FAILURE() << "expected a '" << type << "' message, got none"
                  << (closed ? " (closed with " + std::to_string(closed->code) + ")"
                             : " within " + std::to_string(timeout.count()) + " ms");
    return std::nullopt;
  }
  std::optional<Json> json = Json::parse(*text);
  if (!json || !json->is_object() || json->type() != type) {
    ADD_FAILURE() << "expected a '" << type << "' message, got: " << text->substr(0, 300);
    return std::nullopt;
  }
  return json;
}

std::optional<Json> WsClient::expect_error(std::string_view code, Ms timeout) {
  std::optional<Json> error = expect_message_of_type("error", timeout);
  if (error && error->str("code") != code) {
    ADD_FAILURE() << "expected error '" << code << "', got: " << error->text();
    return std::nullopt;
  }
  return error;
}

std::optional<Json> WsClient::wait_for_type(std::string_view type, Ms timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    auto left = std::chrono::duration_cast<Ms>(deadline - std::chrono::steady_clock::now());
    if (left.count() < 0) return std::nullopt;
    std::optional<std::string> text = next_message(left);
    if (!text) return std::nullopt;
    std::optional<Json> json = Json::parse(*text);
    if (json && json->is_object() && json->type() == type) return json;
  }
}

std::optional<CloseInfo> WsClient::wait_closed(Ms timeout) {
  Impl& s = *impl_;
  std::unique_lock<std::mutex> lock(s.mu);
  s.cv.wait_for(lock, timeout,
                [&s] { return s.state == State::kClosed || s.state == State::kFailed; });
  if (s.state == State::kClosed) return s.close_info;
  if (s.state == State::kFailed) return CloseInfo{1006, s.error};
  return std::nullopt;
}

bool WsClient::expect_close(int code, Ms timeout) {
  std::optional<CloseInfo> closed = wait_closed(timeout);
  if (!closed) {
    ADD_FAILURE() << "expected close " << code << ", still open after " << timeout.count() << " ms";
    return false;
  }
  if (closed->code != code) {
    ADD_FAILURE() << "expected close " << code << ", got " << closed->code << " '" << closed->reason
                  << "'";
    return false;
  }
  return true;
}

bool WsClient::is_open() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->state == State::kOpen;
}

std::size_t WsClient::pings_received() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->pings;
}

std::size_t WsClient::pending_messages() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->messages.size();
}

}  // namespace signalmesh::test
