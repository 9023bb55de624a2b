// One hiredis connection on the gateway's loop, with the bookkeeping needed
// to notice a dead one: how many replies are still due and when the last
// one came. The broker logic lives in RedisFanout; this is only the wire.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

struct redisAsyncContext;

namespace asio {
class io_context;
}

namespace signalmesh::backends::redis {

class RedisLink {
 public:
  using Clock = std::chrono::steady_clock;
  // A hiredis reply callback; `reply` is nullptr when the connection went away.
  using ReplyFn = void (*)(redisAsyncContext* ac, void* reply, void* privdata);
  // Told when hiredis dropped the connection by itself (connect failure, I/O
  // error, server closed it). The link is already closed when it runs.
  using LostFn = void (*)(void* owner, const std::string& why);

  RedisLink() = default;
  ~RedisLink() { close(); }
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  // Starts a non-blocking connect to a numeric address; commands may be
  // queued at once. False (and `why`) when it could not even start.
  bool open(asio::io_context& loop, const std::string& address, std::uint16_t port, void* owner,
            LostFn lost, std::string* why);
  // Frees the connection. Safe anywhere on the loop, inside this link's own
  // reply callbacks too (hiredis then frees it when the callback returns);
  // callbacks still due find no link (of() == nullptr) and must do nothing.
  void close();
  bool is_open() const { return ac_ != nullptr; }

  // Queues a command (copied) for which `acks` replies are due; false when
  // the link is closed or hiredis refused it.
  bool command(ReplyFn fn, void* privdata, std::initializer_list<std::string_view> args);
  bool command(ReplyFn fn, void* privdata, const std::vector<std::string_view>& args,
               std::size_t acks);
  // One due reply arrived.
  void replied();
  // Replies are due and none arrived for longer than `timeout`.
  bool stalled(Clock::time_point now, Clock::duration timeout) const {
    return pending_ > 0 && now - progress_ > timeout;
  }

  void* owner() const { return owner_; }
  // The open link a callback's context belongs to, or nullptr.
  static RedisLink* of(const redisAsyncContext* ac);

 private:
  static void on_connect(const redisAsyncContext* ac, int status);
  static void on_disconnect(const redisAsyncContext* ac, int status);
  bool send(ReplyFn fn, void* privdata, int argc, const char** argv, const std::size_t* lens,
            std::size_t acks);
  void lost(const char* what, const char* detail);

  redisAsyncContext* ac_ = nullptr;
  void* owner_ = nullptr;
  LostFn lost_ = nullptr;
  std::size_t pending_ = 0;
  Clock::time_point progress_;  // the last reply, or when replies became due
};

}  // namespace signalmesh::backends::redis
