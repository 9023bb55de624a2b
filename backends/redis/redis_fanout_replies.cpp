// What comes back from Redis: replies, subscription acknowledgements and
// pub/sub messages, as hiredis callbacks. RedisLink::of(ac) is nullptr once a
// link was closed: such a callback is stale and does nothing.
#include <hiredis/async.h>
#include <hiredis/hiredis.h>

#include <algorithm>

#include "core/log.hpp"
#include "redis/redis_fanout.hpp"

namespace signalmesh::backends::redis {

namespace {

std::string_view view(const redisReply* r) {
  return {r->str, static_cast<std::size_t>(r->len)};
}

}  // namespace

void RedisFanout::on_link_lost(void* self, const std::string& why) {
  static_cast<RedisFanout*>(self)->fail(why);
}

void RedisFanout::on_setup_reply(redisAsyncContext* ac, void* r, void*) {
  RedisLink* link = RedisLink::of(ac);
  auto* reply = static_cast<redisReply*>(r);
  if (link == nullptr || reply == nullptr) return;
  link->replied();
  if (reply->type == REDIS_REPLY_ERROR) {
    static_cast<RedisFanout*>(link->owner())
        ->fail("AUTH/SELECT refused: " + std::string(view(reply)));
  }
}

void RedisFanout::on_pub_reply(redisAsyncContext* ac, void* r, void* privdata) {
  RedisLink* link = RedisLink::of(ac);
  auto* reply = static_cast<redisReply*>(r);
  if (link == nullptr || reply == nullptr) return;
  auto* self = static_cast<RedisFanout*>(link->owner());
  link->replied();
  const auto tag = reinterpret_cast<std::uintptr_t>(privdata);
  const bool refused = reply->type == REDIS_REPLY_ERROR;
  if (tag == kProbeTag) {
    if (refused) self->fail("probe PUBLISH refused: " + std::string(view(reply)));
    return;
  }
  self->pending_bytes_ -= std::min<std::size_t>(tag, self->pending_bytes_);
  if (refused) SM_DEBUG("redis backend: PUBLISH refused: " << view(reply));
}

void RedisFanout::on_sub_reply(redisAsyncContext* ac, void* r, void*) {
  RedisLink* link = RedisLink::of(ac);
  auto* reply = static_cast<redisReply*>(r);
  if (link == nullptr || reply == nullptr || reply->type != REDIS_REPLY_ARRAY ||
      reply->elements < 3) {
    return;
  }
  auto* self = static_cast<RedisFanout*>(link->owner());
  const std::string_view kind = view(reply->element[0]);
  if (kind == "message") return self->on_message(view(reply->element[1]), view(reply->element[2]));
  if (kind == "subscribe" || kind == "unsubscribe") self->on_ack(kind == "subscribe");
}

void RedisFanout::on_ack(bool subscribed) {
  sub_.replied();
  if (initial_acks_ > 0) {
    if (--initial_acks_ == 0) send_probe();
    return;
  }
  if (!subscribed || subscribe_acks_ == 0 || --subscribe_acks_ > 0) return;
  while (!held_.empty() && subscribe_acks_ == 0) {
    auto [channel, payload] = std::move(held_.front());
    held_.pop_front();
    pending_bytes_ -= std::min(pending_bytes_, channel.size() + payload.size());
    if (!send_publish(channel, payload, channel.size() + payload.size()))
      ++stats_.dropped_publishes;
  }
}

// May run the gateway's handler, which may stop this adapter: nothing after it.
void RedisFanout::on_message(std::string_view channel, std::string_view payload) {
  if (phase_ != Phase::kConnecting && phase_ != Phase::kUp) return;
  if (channel == probe_channel_) {
    if (!probe_outstanding_ || payload != probe_token_) return;
    probe_outstanding_ = false;
    if (phase_ == Phase::kUp) return;
    phase_ = Phase::kUp;
    backoff_ = options_.backoff_min;
    outage_logged_ = false;
    SM_INFO("redis backend up: " << url_.host << ":" << url_.port << ", " << channels_.size()
                                 << " channel(s)");
    return notify(true);
  }
  if (channels_.count(channel) != 0 && handlers_.on_message) handlers_.on_message(channel, payload);
}

}  // namespace signalmesh::backends::redis
