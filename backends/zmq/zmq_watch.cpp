#include "zmq/zmq_watch.hpp"

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <asio/post.hpp>
#include <cerrno>
#include <vector>

namespace signalmesh::backends::zmq {

// Shared with the queued handlers, which find `alive` false once the watch
// is gone; they hold the state (and so the descriptor) while they run, even
// if on_input destroys the watch.
struct SocketWatch::State {
  State(asio::io_context& loop, ::zmq::socket_t& s, std::function<void()> fn)
      : io(loop), socket(s), fd(loop), on_input(std::move(fn)) {}
  asio::io_context& io;
  ::zmq::socket_t& socket;
  asio::posix::stream_descriptor fd;
  std::function<void()> on_input;
  bool alive = true;
  bool check_posted = false;
};

SocketWatch::SocketWatch(asio::io_context& loop, ::zmq::socket_t& socket,
                         std::function<void()> on_input)
    : state_(std::make_shared<State>(loop, socket, std::move(on_input))) {
  int fd = -1;
  std::size_t size = sizeof fd;
  if (zmq_getsockopt(socket.handle(), ZMQ_FD, &fd, &size) == 0) {
    state_->fd.assign(fd);
    wait_for_edge(state_);
  }
  // Input may already be waiting: its edge fired before we watched.
  recheck();
}

SocketWatch::~SocketWatch() {
  state_->alive = false;
  if (state_->fd.is_open()) {
    asio::error_code ignored;
    state_->fd.cancel(ignored);
    state_->fd.release();  // ZeroMQ's fd: never close it
  }
}

void SocketWatch::recheck() {
  if (state_->check_posted) return;
  state_->check_posted = true;
  asio::post(state_->io, [state = state_] {
    if (!state->alive) return;
    state->check_posted = false;
    if (has_input(state->socket)) state->on_input();
  });
}

void SocketWatch::wait_for_edge(const std::shared_ptr<State>& state) {
  state->fd.async_wait(asio::posix::stream_descriptor::wait_read,
                       [state](const asio::error_code& ec) {
                         if (!state->alive || ec) return;
                         if (has_input(state->socket)) state->on_input();
                         // Waiting again right after the last ZMQ_EVENTS check,
                         // in this same handler: no edge is lost in between.
                         if (state->alive) wait_for_edge(state);
                       });
}

bool has_input(::zmq::socket_t& socket) {
  int events = 0;
  std::size_t size = sizeof events;
  while (zmq_getsockopt(socket.handle(), ZMQ_EVENTS, &events, &size) != 0) {
    if (zmq_errno() != EINTR) return false;
  }
  return (events & ZMQ_POLLIN) != 0;
}

std::size_t receive(::zmq::socket_t& socket, std::vector<::zmq::message_t>& frames) {
  std::size_t count = 0;
  ::zmq::message_t spill;
  int more = 1;
  while (more != 0) {
    ::zmq::message_t& into = count < frames.size() ? frames[count] : spill;
    // Later frames of a message are there at once: ZeroMQ delivers whole ones.
    const int flags = count == 0 ? ZMQ_DONTWAIT : 0;
    if (zmq_msg_recv(into.handle(), socket.handle(), flags) < 0) {
      if (zmq_errno() == EINTR) continue;
      return 0;
    }
    ++count;
    more = zmq_msg_more(into.handle());
  }
  return count;
}

bool send(::zmq::socket_t& socket, std::initializer_list<std::string_view> frames) {
  std::size_t i = 0;
  for (const std::string_view frame : frames) {
    const int flags = ZMQ_DONTWAIT | (++i < frames.size() ? ZMQ_SNDMORE : 0);
    while (zmq_send(socket.handle(), frame.data(), frame.size(), flags) < 0) {
      if (zmq_errno() != EINTR) return false;
    }
  }
  return true;
}

}  // namespace signalmesh::backends::zmq
