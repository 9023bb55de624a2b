// The hiredis half of RedisClient (redis_client.hpp): opening a context and
// its handshake (AUTH, SELECT, SCRIPT LOAD), losing it, and hiredis' own
// callbacks. Commands, queues and timers are in redis_client.cpp.
#include <hiredis/async.h>

#include <asio/io_context.hpp>
#include <asio/post.hpp>

#include "redis/hiredis_asio.hpp"
#include "store/redis/redis_client.hpp"

namespace signalmesh::store::redis {
namespace {

Reply copy_reply(const redisReply* r) {
  Reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING:
      out.type = Reply::Type::kString;
      break;
    case REDIS_REPLY_STATUS:
      out.type = Reply::Type::kStatus;
      break;
    case REDIS_REPLY_ERROR:
      out.type = Reply::Type::kError;
      break;
    case REDIS_REPLY_INTEGER:
      out.type = Reply::Type::kInteger;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = Reply::Type::kArray;
      break;
    default:
      out.type = Reply::Type::kNil;
      break;
  }
  if (r->str != nullptr) out.str.assign(r->str, r->len);
  out.integer = r->integer;
  out.elements.reserve(r->elements);
  for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(copy_reply(r->element[i]));
  return out;
}

}  // namespace

// ---- connecting ---------------------------------------------------------------

void RedisClient::open(const std::string& address) {
  redisAsyncContext* ac = redisAsyncConnect(address.c_str(), options_.url.port);
  if (ac == nullptr || ac->err != 0 || !backends::redis::attach_to_asio(ac, *loop_)) {
    const std::string why = ac == nullptr ? "out of memory" : ac->err != 0 ? ac->errstr : "no fd";
    if (ac != nullptr) redisAsyncFree(ac);
    return fail("cannot connect: " + why);
  }
  ac_ = ac;
  ac->data = this;
  redisAsyncSetConnectCallback(ac, &on_connect);
  redisAsyncSetDisconnectCallback(ac, &on_disconnect);

  // Queued at once; hiredis writes them when the connect completes.
  const auto& url = options_.url;
  const auto& sources = script_sources();
  shas_.assign(sources.size(), std::string());
  handshake_left_ = sources.size() + (url.password.empty() ? 0 : 1) + (url.db != 0 ? 1 : 0);
  auto expect_ok = [this](const char* what) {
    return [this, what](const Reply* r) {
      if (r->type == Reply::Type::kError) return fail(std::string(what) + ": " + r->str);
      if (--handshake_left_ == 0) on_handshaken();
    };
  };
  if (!url.password.empty()) {
    handshake_step(url.user.empty() ? std::vector<std::string>{"AUTH", url.password}
                                    : std::vector<std::string>{"AUTH", url.user, url.password},
                   expect_ok("AUTH"));
  }
  if (url.db != 0) handshake_step({"SELECT", std::to_string(url.db)}, expect_ok("SELECT"));
  for (std::size_t i = 0; i < sources.size() && ac_ != nullptr; ++i) {
    handshake_step({"SCRIPT", "LOAD", sources[i]}, [this, i](const Reply* r) {
      if (r->type != Reply::Type::kString) return fail("SCRIPT LOAD: " + r->str);
      shas_[i] = r->str;
      if (--handshake_left_ == 0) on_handshaken();
    });
  }
}

void RedisClient::handshake_step(std::vector<std::string> args,
                                 std::function<void(const Reply*)> done) {
  Request r;
  r.args = std::move(args);
  r.handshake = std::move(done);
  send(std::move(r));
}

void RedisClient::on_handshaken() {
  phase_ = Phase::kUp;
  backoff_ = options_.backoff_min;
  // In order: what waited for the connection goes before anything newer.
  std::deque<Request> waiting;
  waiting.swap(queue_);
  queued_writes_ = 0;
  for (auto& r : waiting) {
    if (phase_ != Phase::kUp) {
      submit(std::move(r));  // lost again meanwhile: back to waiting (or failed)
    } else if (r.handler) {
      send(std::move(r));
    }
  }
  if (phase_ == Phase::kUp && !reported_up_) {
    reported_up_ = true;
    asio::post(*loop_, [alive = alive_, cb = on_state_] {
      if (*alive && cb) cb(true);
    });
  }
}

// ---- losing it ----------------------------------------------------------------

void RedisClient::fail(const std::string& why) {
  if (phase_ != Phase::kConnecting && phase_ != Phase::kUp) return;
  const bool was_up = phase_ == Phase::kUp;
  phase_ = Phase::kDown;
  if (was_up) ++stats_.outages;
  close_context();
  // Retried writes go back to the head of the queue, in their order.
  std::deque<InFlight> lost;
  lost.swap(inflight_);
  for (auto it = lost.rbegin(); it != lost.rend(); ++it) {
    Request& r = it->request;
    if (r.handshake || !r.handler) continue;
    if (r.retried) {
      queue_.push_front(std::move(r));
      ++queued_writes_;
    } else {
      unavailable(r, "the store went away: " + why);
    }
  }
  for (auto it = queue_.begin(); it != queue_.end();) {
    if (it->retried) {
      ++it;
      continue;
    }
    unavailable(*it, "the store is unreachable: " + why);
    it = queue_.erase(it);
  }
  while (queued_writes_ > options_.max_queued_writes) {
    ++stats_.dropped_writes;
    unavailable(queue_.front(), "dropped: too many writes waiting for the store");
    queue_.pop_front();
    --queued_writes_;
  }
  last_error_ = why;
  schedule_reconnect();
  // The first failed attempt says "down" too, so that a store that never came
  // up is reported.
  if (reported_up_ || !reported_down_) {
    reported_up_ = false;
    reported_down_ = true;
    asio::post(*loop_, [alive = alive_, cb = on_state_] {
      if (*alive && cb) cb(false);
    });
  }
}

void RedisClient::close_context() {
  redisAsyncContext* ac = ac_;
  if (ac == nullptr) return;
  ac_ = nullptr;
  ac->data = nullptr;  // the callbacks hiredis runs while freeing it find no client
  redisAsyncFree(ac);  // inside a hiredis callback, hiredis defers it until it returns
}

// ---- hiredis callbacks ---------------------------------------------------------

void RedisClient::on_connect(const redisAsyncContext* ac, int status) {
  auto* self = static_cast<RedisClient*>(ac->data);
  if (self == nullptr || status == REDIS_OK) return;
  // hiredis frees the context after this callback: forget it first.
  self->ac_->data = nullptr;
  self->ac_ = nullptr;
  self->fail(std::string("cannot connect: ") + ac->errstr);
}

void RedisClient::on_disconnect(const redisAsyncContext* ac, int /*status*/) {
  auto* self = static_cast<RedisClient*>(ac->data);
  if (self == nullptr) return;
  self->ac_->data = nullptr;
  self->ac_ = nullptr;
  self->fail(std::string("connection lost: ") + (ac->err != 0 ? ac->errstr : "closed"));
}

void RedisClient::on_reply(redisAsyncContext* ac, void* reply, void* /*privdata*/) {
  auto* self = static_cast<RedisClient*>(ac->data);
  if (self != nullptr) self->handle_reply(reply);
}

void RedisClient::handle_reply(const void* raw) {
  if (raw == nullptr) {
    // hiredis is freeing the context on its own (an I/O error, the server
    // closed it): the due replies come first as nullptr, then the
    // disconnect callback.
    ac_->data = nullptr;
    ac_ = nullptr;
    return fail("connection lost");
  }
  if (inflight_.empty()) return;  // cannot happen: Redis answers each command once
  InFlight f = std::move(inflight_.front());
  inflight_.pop_front();
  Reply reply = copy_reply(static_cast<const redisReply*>(raw));
  if (f.request.handshake) return f.request.handshake(&reply);
  if (reply.type == Reply::Type::kError) {
    ++stats_.error_replies;
    if (reply.str.rfind("NOSCRIPT", 0) == 0) {
      // Someone ran SCRIPT FLUSH: reconnecting loads them again, and the
      // retried writes keep their order.
      inflight_.push_front(std::move(f));
      return fail("the scripts were flushed");
    }
  }
  Result<Reply> result;
  result.value = std::move(reply);
  answer(f.request, std::move(result));
}

}  // namespace signalmesh::store::redis
