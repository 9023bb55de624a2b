#include "store/postgres/pg_connection.hpp"

#include <libpq-fe.h>

#include <algorithm>
#include <string_view>
#include <utility>

namespace signalmesh::store::postgres {

namespace {

constexpr std::chrono::milliseconds kFirstBackoff{100};
constexpr std::chrono::milliseconds kMaxBackoff{5000};

std::string conn_error(PGconn* conn, const char* fallback) {
  std::string out = "postgres: ";
  const char* text = conn != nullptr ? PQerrorMessage(conn) : nullptr;
  out += text != nullptr && *text != '\0' ? text : fallback;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace

Connection::Connection(asio::io_context& loop, Options options, std::function<void(bool)> on_state)
    : loop_(loop),
      options_(std::move(options)),
      on_state_(std::move(on_state)),
      socket_(loop),
      connect_timer_(loop),
      retry_timer_(loop),
      backoff_(kFirstBackoff) {
  // The URL's own server options (?options=...) are kept, ours appended.
  if (PQconninfoOption* parsed = PQconninfoParse(options_.url.c_str(), nullptr)) {
    for (PQconninfoOption* o = parsed; o->keyword != nullptr; ++o) {
      if (std::string_view(o->keyword) == "options" && o->val != nullptr) url_options_ = o->val;
    }
    PQconninfoFree(parsed);
  }
}

Connection::~Connection() {
  drop_connection();
}

void Connection::start() {
  if (state_ != State::kIdle) return;
  connect();
}

void Connection::stop() {
  if (state_ == State::kStopped) return;
  state_ = State::kStopped;
  on_state_ = nullptr;
  retry_timer_.cancel();
  for (auto& p : queue_) {
    p->done = true;
    p->timer.cancel();
  }
  queue_.clear();
  if (in_flight_) {
    in_flight_->done = true;
    in_flight_->timer.cancel();
    in_flight_.reset();
  }
  counters_.queued_writes = 0;
  drop_connection();
}

// --- connecting

void Connection::connect() {
  state_ = State::kConnecting;
  const std::string timeout_ms = std::to_string(options_.timeout.count());
  // The server ends a statement the client has given up on; keepalives find
  // a dead peer even while the connection is idle.
  const std::string server_options =
      url_options_ + (url_options_.empty() ? "" : " ") + "-c statement_timeout=" + timeout_ms;
  const char* keys[] = {"dbname",     "application_name", "client_encoding",     "options",
                        "keepalives", "keepalives_idle",  "keepalives_interval", "keepalives_count",
                        nullptr};
  const char* values[] = {options_.url.c_str(),
                          "signalmesh",
                          "UTF8",
                          server_options.c_str(),
                          "1",
                          "10",
                          "5",
                          "3",
                          nullptr};
  // expand_dbname: the URL is expanded into its parts; the later keys win.
  conn_ = PQconnectStartParams(keys, values, 1);
  if (conn_ == nullptr || PQstatus(conn_) == CONNECTION_BAD) {
    lose(conn_error(conn_, "cannot start a connection"));
    return;
  }
  PQsetNoticeReceiver(
      conn_, [](void*, const PGresult*) {}, nullptr);  // NOTICEs are not errors
  connect_timer_.expires_after(options_.timeout);
  connect_timer_.async_wait(
      [self = shared_from_this(), gen = generation_](const asio::error_code& ec) {
        if (ec || gen != self->generation_ || self->state_ != State::kConnecting) return;
        self->lose("postgres: connecting timed out");
      });
  // libpq: behave as if PQconnectPoll had asked for writability first.
  wait_connect(false);
}

// libpq may close its socket and open another while connecting (the next
// address of a host), even under the same number, which epoll would no
// longer watch: the descriptor is bound afresh before every wait.
void Connection::rebind_socket() {
  if (socket_.is_open()) socket_.release();
  const int fd = PQsocket(conn_);
  if (fd < 0) return;
  asio::error_code ec;
  socket_.assign(fd, ec);
}

void Connection::wait_connect(bool for_read) {
  rebind_socket();
  if (!socket_.is_open()) {
    lose(conn_error(conn_, "no socket"));
    return;
  }
  connect_for_read_ = for_read;
  socket_.async_wait(for_read ? asio::posix::stream_descriptor::wait_read
                              : asio::posix::stream_descriptor::wait_write,
                     [self = shared_from_this(), gen = generation_](const asio::error_code& ec) {
                       if (ec == asio::error::operation_aborted) return;
                       self->on_connect_ready(gen);
                     });
}

void Connection::on_connect_ready(std::uint64_t generation) {
  if (generation != generation_ || state_ != State::kConnecting) return;
  switch (PQconnectPoll(conn_)) {
    case PGRES_POLLING_READING:
      wait_connect(true);
      return;
    case PGRES_POLLING_WRITING:
      wait_connect(false);
      return;
    case PGRES_POLLING_OK:
      on_connected();
      return;
    default:
      lose(conn_error(conn_, "connection refused"));
      return;
  }
}

void Connection::on_connected() {
  connect_timer_.cancel();
  rebind_socket();
  if (PQsetnonblocking(conn_, 1) != 0 || !socket_.is_open()) {
    lose(conn_error(conn_, "cannot use the connection"));
    return;
  }
  state_ = State::kSetup;
  arm_read();  // from now on, always: a server that goes away is noticed while idle too
  Command setup;
  setup.sql = options_.setup;
  setup.simple = true;
  setup.reply = [this](PgResult result) { on_setup_done(std::move(result)); };
  // The setup may wait for another pod's migration (an advisory lock).
  auto pending = std::make_shared<Pending>(loop_, std::move(setup));
  pending->has_deadline = true;
  pending->timer.expires_after(options_.timeout * 5);
  pending->timer.async_wait([self = shared_from_this(),
                             weak = std::weak_ptr<Pending>(pending)](const asio::error_code& ec) {
    if (auto p = weak.lock(); !ec && p) self->on_deadline(p);
  });
  send(std::move(pending));
}

void Connection::on_setup_done(PgResult result) {
  if (state_ != State::kSetup) return;
  std::string refusal =
      result.ok() ? (options_.check ? options_.check(result) : "") : result.message();
  if (!refusal.empty()) {
    lose(std::move(refusal));
    return;
  }
  state_ = State::kUp;
  backoff_ = kFirstBackoff;
  last_error_.clear();
  ++counters_.connects;
  // Writes that waited out the outage get their deadline from now.
  for (auto& p : queue_) {
    if (!p->done && !p->has_deadline) arm_deadline(p);
  }
  if (announced_ != true) {
    announced_ = true;
    post_state(true);
  }
  schedule_pump();
}

void Connection::drop_connection() {
  ++generation_;
  connect_timer_.cancel();
  if (socket_.is_open()) socket_.release();  // libpq closes the fd, in PQfinish
  reading_ = writing_ = false;
  answer_.reset();
  if (conn_ != nullptr) PQfinish(conn_);
  conn_ = nullptr;
}

void Connection::lose(std::string reason) {
  if (state_ == State::kStopped) return;
  drop_connection();
  state_ = State::kDown;
  last_error_ = std::move(reason);
  // Fail after the state is consistent: a reply may submit again.
  std::vector<PendingPtr> failed;
  if (in_flight_) failed.push_back(std::move(in_flight_));
  in_flight_.reset();
  std::deque<PendingPtr> kept;
  for (auto& p : queue_) {
    if (p->done) continue;
    if (p->command.write) {
      p->timer.cancel();
      p->has_deadline = false;
      kept.push_back(std::move(p));
    } else {
      failed.push_back(std::move(p));
    }
  }
  queue_.swap(kept);
  // Down after up, or the very first attempt failing: either is news.
  if (announced_ != false) {
    announced_ = false;
    post_state(false);
  }
  retry_timer_.expires_after(backoff_);
  retry_timer_.async_wait([self = shared_from_this()](const asio::error_code& ec) {
    if (!ec && self->state_ == State::kDown) self->connect();
  });
  backoff_ = std::min(backoff_ * 2, kMaxBackoff);
  for (auto& p : failed) {
    if (p->done) continue;
    p->done = true;
    p->timer.cancel();
    ++counters_.failures;
    if (p->command.reply) p->command.reply(PgResult::unavailable(last_error_));
    if (state_ == State::kStopped) return;
  }
}

void Connection::post_state(bool up) {
  asio::post(loop_, [self = shared_from_this(), up] {
    if (self->state_ != State::kStopped && self->on_state_) self->on_state_(up);
  });
}

}  // namespace signalmesh::store::postgres
