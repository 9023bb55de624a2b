#include "redis/hiredis_asio.hpp"

#include <hiredis/async.h>

#include <asio/io_context.hpp>
#include <asio/posix/stream_descriptor.hpp>
#include <memory>

namespace signalmesh::backends::redis {

namespace {

// One per attached context. It owns itself (self_) while attached; each
// queued async_wait holds a reference too, so a wait that completes after
// cleanup finds a detached object rather than freed memory.
class Attachment : public std::enable_shared_from_this<Attachment> {
 public:
  Attachment(redisAsyncContext* ac, asio::io_context& loop) : ac_(ac), socket_(loop) {}

  bool assign() {
    asio::error_code ec;
    socket_.assign(ac_->c.fd, ec);
    return !ec;
  }

  void hook_up() {
    self_ = shared_from_this();
    ac_->ev.data = this;
    ac_->ev.addRead = [](void* data) { static_cast<Attachment*>(data)->want(kRead, true); };
    ac_->ev.delRead = [](void* data) { static_cast<Attachment*>(data)->want(kRead, false); };
    ac_->ev.addWrite = [](void* data) { static_cast<Attachment*>(data)->want(kWrite, true); };
    ac_->ev.delWrite = [](void* data) { static_cast<Attachment*>(data)->want(kWrite, false); };
    ac_->ev.cleanup = [](void* data) { static_cast<Attachment*>(data)->detach(); };
  }

 private:
  enum Direction { kRead = 0, kWrite = 1 };

  // addRead/delRead/addWrite/delWrite: idempotent. Turning a direction off
  // leaves a queued wait in place; it completes into a no-op.
  void want(Direction d, bool on) {
    wanted_[d] = on;
    if (on) arm(d);
  }

  void arm(Direction d) {
    if (armed_[d] || ac_ == nullptr) return;
    armed_[d] = true;
    const auto wait = d == kRead ? asio::posix::stream_descriptor::wait_read
                                 : asio::posix::stream_descriptor::wait_write;
    socket_.async_wait(wait, [self = shared_from_this(), d](const asio::error_code& ec) {
      self->on_ready(d, ec);
    });
  }

  void on_ready(Direction d, const asio::error_code& ec) {
    armed_[d] = false;
    if (ec == asio::error::operation_aborted || ac_ == nullptr || !wanted_[d]) return;
    // Any other error is left to hiredis: its read or write fails with the
    // real cause and it disconnects. hiredis re-arms through the hooks, and
    // may free the context (and call detach) before returning.
    if (d == kRead) {
      redisAsyncHandleRead(ac_);
    } else {
      redisAsyncHandleWrite(ac_);
    }
  }

  // cleanup: hiredis is freeing the context and will close the fd itself.
  void detach() {
    ac_->ev.data = nullptr;
    ac_ = nullptr;
    wanted_[kRead] = wanted_[kWrite] = false;
    socket_.release();             // deregisters and cancels the waits; never closes
    auto last = std::move(self_);  // may destroy *this on scope exit
  }

  redisAsyncContext* ac_;
  asio::posix::stream_descriptor socket_;
  bool wanted_[2] = {false, false};
  bool armed_[2] = {false, false};
  std::shared_ptr<Attachment> self_;
};

}  // namespace

bool attach_to_asio(redisAsyncContext* ac, asio::io_context& loop) {
  if (ac == nullptr || ac->ev.data != nullptr || ac->c.fd < 0) return false;
  auto attachment = std::make_shared<Attachment>(ac, loop);
  if (!attachment->assign()) return false;
  attachment->hook_up();
  return true;
}

}  // namespace signalmesh::backends::redis
