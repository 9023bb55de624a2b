#include "redis/redis_link.hpp"

#include <hiredis/async.h>

#include "redis/hiredis_asio.hpp"

namespace signalmesh::backends::redis {

bool RedisLink::open(asio::io_context& loop, const std::string& address, std::uint16_t port,
                     void* owner, LostFn lost, std::string* why) {
  close();
  redisAsyncContext* ac = redisAsyncConnect(address.c_str(), port);
  if (ac == nullptr || ac->err != 0 || !attach_to_asio(ac, loop)) {
    *why = ac == nullptr ? "out of memory" : ac->err != 0 ? ac->errstr : "cannot watch its socket";
    if (ac != nullptr) redisAsyncFree(ac);
    return false;
  }
  ac_ = ac;
  ac->data = this;
  owner_ = owner;
  lost_ = lost;
  pending_ = 0;
  redisAsyncSetConnectCallback(ac, &on_connect);
  redisAsyncSetDisconnectCallback(ac, &on_disconnect);
  return true;
}

void RedisLink::close() {
  redisAsyncContext* ac = ac_;
  if (ac == nullptr) return;
  ac_ = nullptr;
  pending_ = 0;
  ac->data = nullptr;  // silences the callbacks hiredis runs while freeing
  redisAsyncFree(ac);
}

RedisLink* RedisLink::of(const redisAsyncContext* ac) {
  return static_cast<RedisLink*>(ac->data);
}

bool RedisLink::command(ReplyFn fn, void* privdata, std::initializer_list<std::string_view> args) {
  const char* argv[4];
  std::size_t lens[4];
  int argc = 0;
  for (std::string_view arg : args) {
    if (argc == 4) return false;
    argv[argc] = arg.empty() ? "" : arg.data();
    lens[argc++] = arg.size();
  }
  return send(fn, privdata, argc, argv, lens, 1);
}

bool RedisLink::command(ReplyFn fn, void* privdata, const std::vector<std::string_view>& args,
                        std::size_t acks) {
  std::vector<const char*> argv;
  std::vector<std::size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (std::string_view arg : args) {
    argv.push_back(arg.empty() ? "" : arg.data());
    lens.push_back(arg.size());
  }
  return send(fn, privdata, static_cast<int>(argv.size()), argv.data(), lens.data(), acks);
}

bool RedisLink::send(ReplyFn fn, void* privdata, int argc, const char** argv,
                     const std::size_t* lens, std::size_t acks) {
  if (ac_ == nullptr || redisAsyncCommandArgv(ac_, fn, privdata, argc, argv, lens) != REDIS_OK) {
    return false;
  }
  if (pending_ == 0) progress_ = Clock::now();
  pending_ += acks;
  return true;
}

void RedisLink::replied() {
  if (pending_ > 0) --pending_;
  progress_ = Clock::now();
}

// hiredis frees the context right after both callbacks: forget it first, so
// that close() from the owner's handler is a no-op for this link.
void RedisLink::lost(const char* what, const char* detail) {
  ac_->data = nullptr;
  ac_ = nullptr;
  pending_ = 0;
  if (lost_ != nullptr) lost_(owner_, std::string(what) + ": " + detail);
}

void RedisLink::on_connect(const redisAsyncContext* ac, int status) {
  RedisLink* link = of(ac);
  if (link != nullptr && status != REDIS_OK) link->lost("cannot connect", ac->c.errstr);
}

void RedisLink::on_disconnect(const redisAsyncContext* ac, int /*status*/) {
  RedisLink* link = of(ac);
  if (link != nullptr) link->lost("connection lost", ac->err != 0 ? ac->errstr : "closed");
}

}  // namespace signalmesh::backends::redis
