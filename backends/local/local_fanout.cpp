#include "local/local_fanout.hpp"

#include <algorithm>
#include <asio/io_context.hpp>
#include <asio/post.hpp>

namespace signalmesh::backends::local {

void LocalHub::attach(LocalFanout* adapter) {
  std::lock_guard<std::mutex> lock(mutex_);
  adapters_.push_back(adapter);
}

void LocalHub::detach(LocalFanout* adapter) {
  std::lock_guard<std::mutex> lock(mutex_);
  adapters_.erase(std::remove(adapters_.begin(), adapters_.end(), adapter), adapters_.end());
}

void LocalHub::deliver(const std::string& channel, std::string_view payload) {
  std::lock_guard<std::mutex> lock(mutex_);
  for (LocalFanout* adapter : adapters_) adapter->receive(channel, payload);
}

LocalFanout::LocalFanout(std::shared_ptr<LocalHub> hub) : hub_(std::move(hub)) {}

LocalFanout::~LocalFanout() {
  stop();
}

void LocalFanout::start(asio::io_context& loop, FanoutHandlers handlers) {
  loop_ = &loop;
  handlers_ = std::move(handlers);
  hub_->attach(this);
  if (handlers_.on_state) {
    asio::post(loop, [alive = alive_, this] {
      if (*alive && handlers_.on_state) handlers_.on_state(true);
    });
  }
}

void LocalFanout::stop() {
  if (loop_ == nullptr) return;
  hub_->detach(this);  // no receive() runs after this
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  loop_ = nullptr;
  channels_.clear();
}

bool LocalFanout::subscribe(const std::string& channel) {
  return channels_.insert(channel).second;
}

bool LocalFanout::unsubscribe(const std::string& channel) {
  return channels_.erase(channel) > 0;
}

bool LocalFanout::publish(const std::string& channel, std::string_view payload) {
  if (loop_ == nullptr) return false;
  hub_->deliver(channel, payload);
  return true;
}

// Every adapter receives its own envelopes too, as Redis subscribers do;
// the gateway drops its own echoes by origin pod id.
void LocalFanout::receive(const std::string& channel, std::string_view payload) {
  // Copy: the publisher's buffer is gone by the time the loop runs this.
  // loop_ and alive_ change only while this adapter is detached (hub locked).
  asio::post(*loop_, [alive = alive_, this, channel, data = std::string(payload)] {
    if (*alive && channels_.count(channel) != 0 && handlers_.on_message) {
      handlers_.on_message(channel, data);
    }
  });
}

}  // namespace signalmesh::backends::local
