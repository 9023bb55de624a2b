// The command half of Connection: the FIFO queue, sending, reading results,
// deadlines and the bound on writes waiting out an outage.
#include <libpq-fe.h>

#include <utility>

#include "store/postgres/pg_connection.hpp"

namespace signalmesh::store::postgres {

void Connection::submit(Command command) {
  switch (state_) {
    case State::kIdle:
    case State::kStopped:
      return;  // never started, or stopped: nothing may answer
    case State::kDown:
      if (!command.write) {
        fail_later(std::move(command), last_error_.empty() ? "postgres: down" : last_error_);
        return;
      }
      break;
    default:
      break;
  }
  ++counters_.commands;
  if (command.write) {
    if (counters_.queued_writes >= options_.max_queued_writes) drop_oldest_write();
    ++counters_.queued_writes;
  }
  auto pending = std::make_shared<Pending>(loop_, std::move(command));
  // Reads wait for a connection that is being made, up to their deadline;
  // writes wait for as long as the outage lasts.
  if (state_ == State::kUp || !pending->command.write) arm_deadline(pending);
  queue_.push_back(std::move(pending));
  schedule_pump();
}

void Connection::defer(std::function<void()> fn) {
  asio::post(loop_, [self = shared_from_this(), fn = std::move(fn)] {
    if (self->state_ != State::kStopped) fn();
  });
}

void Connection::fail_later(Command command, std::string message) {
  ++counters_.failures;
  if (!command.reply) return;
  asio::post(loop_, [self = shared_from_this(), reply = std::move(command.reply),
                     message = std::move(message)]() mutable {
    if (self->state_ != State::kStopped) reply(PgResult::unavailable(std::move(message)));
  });
}

void Connection::drop_oldest_write() {
  for (auto& p : queue_) {
    if (p->done || !p->command.write) continue;
    p->done = true;
    p->timer.cancel();
    --counters_.queued_writes;
    ++counters_.dropped_writes;
    fail_later(std::move(p->command), "postgres: dropped, too many writes waiting");
    return;
  }
}

void Connection::arm_deadline(const PendingPtr& pending) {
  pending->has_deadline = true;
  pending->timer.expires_after(options_.timeout);
  pending->timer.async_wait([self = shared_from_this(),
                             weak = std::weak_ptr<Pending>(pending)](const asio::error_code& ec) {
    if (auto p = weak.lock(); !ec && p) self->on_deadline(p);
  });
}

void Connection::on_deadline(const PendingPtr& pending) {
  if (pending->done || state_ == State::kStopped) return;
  ++counters_.timeouts;
  if (pending == in_flight_) {
    // The connection is busy with it and cannot be used for anything else.
    lose("postgres: timed out after " + std::to_string(options_.timeout.count()) + " ms");
    return;
  }
  pending->done = true;
  if (pending->command.write) --counters_.queued_writes;
  ++counters_.failures;
  if (pending->command.reply) {
    pending->command.reply(PgResult::unavailable("postgres: timed out waiting for the connection"));
  }
}

// Sending never happens inside submit(): a failing send would answer inside
// the caller's call.
void Connection::schedule_pump() {
  if (pump_posted_ || state_ != State::kUp) return;
  pump_posted_ = true;
  asio::post(loop_, [self = shared_from_this()] {
    self->pump_posted_ = false;
    self->pump();
  });
}

void Connection::pump() {
  if (state_ != State::kUp || in_flight_) return;
  while (!queue_.empty()) {
    PendingPtr next = std::move(queue_.front());
    queue_.pop_front();
    if (next->done) continue;
    if (next->command.write) --counters_.queued_writes;
    send(std::move(next));
    return;
  }
}

void Connection::send(PendingPtr pending) {
  in_flight_ = std::move(pending);
  answer_.reset();
  if (!in_flight_->has_deadline) arm_deadline(in_flight_);
  const Command& c = in_flight_->command;
  int sent = 0;
  if (c.simple) {
    sent = PQsendQuery(conn_, c.sql.c_str());
  } else {
    std::vector<const char*> values;
    values.reserve(c.params.size());
    for (const auto& p : c.params) values.push_back(p ? p->c_str() : nullptr);
    sent = PQsendQueryParams(conn_, c.sql.c_str(), static_cast<int>(values.size()), nullptr,
                             values.data(), nullptr, nullptr, 0);
  }
  if (sent == 0) {
    lose("postgres: cannot send: " + std::string(PQerrorMessage(conn_)));
    return;
  }
  flush();
}

void Connection::flush() {
  const int left = PQflush(conn_);
  if (left < 0) {
    lose("postgres: cannot send: " + std::string(PQerrorMessage(conn_)));
  } else if (left > 0) {
    arm_write();
  }
}

void Connection::arm_read() {
  if (reading_ || !socket_.is_open()) return;
  reading_ = true;
  socket_.async_wait(asio::posix::stream_descriptor::wait_read,
                     [self = shared_from_this(), gen = generation_](const asio::error_code& ec) {
                       if (gen != self->generation_) return;
                       self->reading_ = false;
                       if (ec == asio::error::operation_aborted) return;
                       self->on_readable(gen);
                     });
}

void Connection::arm_write() {
  if (writing_ || !socket_.is_open()) return;
  writing_ = true;
  socket_.async_wait(asio::posix::stream_descriptor::wait_write,
                     [self = shared_from_this(), gen = generation_](const asio::error_code& ec) {
                       if (gen != self->generation_) return;
                       self->writing_ = false;
                       if (ec == asio::error::operation_aborted) return;
                       self->flush();
                     });
}

void Connection::on_readable(std::uint64_t generation) {
  if (state_ != State::kSetup && state_ != State::kUp) return;
  if (PQconsumeInput(conn_) == 0) {
    lose(conn_error_text());
    return;
  }
  drain();
  if (generation != generation_ || state_ == State::kStopped) return;
  // The server closes the connection after a FATAL (shutdown, terminate):
  // noticed here, between commands too.
  if (PQstatus(conn_) == CONNECTION_BAD) {
    lose(conn_error_text());
    return;
  }
  PGnotify* notify = nullptr;
  while ((notify = PQnotifies(conn_)) != nullptr) PQfreemem(notify);
  if (writing_ || PQflush(conn_) > 0) arm_write();
  arm_read();
}

std::string Connection::conn_error_text() const {
  std::string out = "postgres: ";
  const char* text = conn_ != nullptr ? PQerrorMessage(conn_) : nullptr;
  out += text != nullptr && *text != '\0' ? text : "connection lost";
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Reads every result that is complete; a command is complete when
// PQgetResult returns NULL. Replies may send the next command meanwhile.
void Connection::drain() {
  const std::uint64_t generation = generation_;
  while (in_flight_ && generation == generation_ && PQisBusy(conn_) == 0) {
    PGresult* r = PQgetResult(conn_);
    if (r == nullptr) {
      complete();
      continue;
    }
    PgResult result = PgResult::from(r);
    // An error wins; otherwise the last result with rows (a script's final
    // COMMIT says nothing).
    if (!answer_ || (answer_->ok() && (result.has_tuples() || !answer_->has_tuples()))) {
      answer_ = std::move(result);
    }
  }
}

void Connection::complete() {
  PendingPtr done = std::move(in_flight_);
  in_flight_.reset();
  PgResult result = answer_ ? std::move(*answer_) : PgResult::unavailable("postgres: no result");
  answer_.reset();
  done->done = true;
  done->timer.cancel();
  if (result.status() == Status::kUnavailable) ++counters_.failures;
  if (done->command.reply) done->command.reply(std::move(result));
  pump();
}

}  // namespace signalmesh::store::postgres
