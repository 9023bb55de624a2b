// Helpers shared by the webhook tests: settings with short backoffs, events,
// reading a body's fields and a metric's value.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <thread>

#include "support/webhook_receiver.hpp"
#include "webhooks/webhook_sender.hpp"

namespace signalmesh::webhooks::testutil {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using Requests = std::vector<test::WebhookReceiver::Request>;

inline WebhookSettings settings(std::vector<std::string> urls) {
  WebhookSettings s;
  s.urls = std::move(urls);
  s.secret = "whsec_test";
  s.timeout = 3000ms;
  s.backoff_min = 10ms;
  s.backoff_max = 100ms;
  return s;
}

inline std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

inline Event event(const std::string& room, const std::string& type = "peer.joined",
                   const std::string& data = "{}") {
  return Event{new_event_id(), type, now_ms(), room, data};
}

// A string field of one of our bodies ("id", "roomId", ...), or "".
inline std::string field(const std::string& body, const std::string& name) {
  const std::string key = "\"" + name + "\":\"";
  const auto at = body.find(key);
  if (at == std::string::npos) return "";
  const auto begin = at + key.size();
  return body.substr(begin, body.find('"', begin) - begin);
}

// The value of one sample (`name{labels}` exactly as printed), or -1.
inline double metric(const std::string& text, const std::string& series) {
  const std::string key = series + " ";
  std::size_t at = text.rfind(key, 0) == 0 ? 0 : text.find("\n" + key);
  if (at == std::string::npos) return -1;
  if (text[at] == '\n') ++at;
  return std::stod(text.substr(at + key.size()));
}

inline double metric(const WebhookSender& sender, const std::string& series) {
  std::string text;
  sender.append_metrics(text);
  return metric(text, series);
}

inline std::string dropped(const std::string& reason, int url = 0) {
  return "signalmesh_webhook_dropped_total{url_index=\"" + std::to_string(url) + "\",reason=\"" +
         reason + "\"}";
}

inline std::string series(const std::string& name, int url = 0) {
  return "signalmesh_webhook_" + name + "{url_index=\"" + std::to_string(url) + "\"}";
}

inline bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (pred()) return true;
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(5ms);
  }
}

inline std::function<bool(const Requests&)> at_least(std::size_t n) {
  return [n](const Requests& r) { return r.size() >= n; };
}

}  // namespace signalmesh::webhooks::testutil
