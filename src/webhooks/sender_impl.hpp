// WebhookSender's shared state (webhook_sender.cpp: the caller's side;
// delivery.cpp: the delivery thread; sender_metrics.cpp: the readers).
#pragma once

#include <curl/curl.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "webhooks/webhook_sender.hpp"

namespace signalmesh::webhooks {

using Clock = std::chrono::steady_clock;

enum class UrlState : std::uint8_t { queued, retrying, delivered, dropped };
enum DropReason : std::size_t { kQueueFull = 0, kAttempts = 1, kStopped = 2, kDropReasons = 3 };
inline constexpr const char* kDropReasonNames[kDropReasons] = {"queue-full", "attempts", "stopped"};

// signalmesh_webhook_delivery_seconds' upper bounds (+Inf is implied).
inline constexpr std::array<double, 13> kDeliveryBuckets = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
inline constexpr std::size_t kRecentMax = 200;

// One accepted event, shared by every URL's queue and the recent list.
struct EventRecord {
  std::string id, type, room_id;
  std::int64_t time_ms = 0;
  std::string body;            // never changes once built
  std::vector<bool> accepted;  // per URL; written before the record is published
  // Guarded by Impl::mu.
  std::vector<UrlState> states;
  std::vector<std::size_t> attempts;
};

// One URL's counters; guarded by Impl::mu.
struct UrlStats {
  std::uint64_t deliveries = 0;
  std::uint64_t retries = 0;
  std::array<std::uint64_t, kDropReasons> dropped{};
  std::size_t queued = 0;  // accepted, not yet delivered or dropped
  std::array<std::uint64_t, kDeliveryBuckets.size() + 1> buckets{};  // not cumulative
  std::uint64_t delivered_count = 0;
  double delivered_seconds = 0;
};

// The wall clock in Unix milliseconds.
std::int64_t unix_ms();

// Sets `easy` up for one attempt of rec to settings.urls[url]: a POST of its
// body, signed now, its headers, the timeout, `priv` as CURLOPT_PRIVATE.
// Returns the header list, to free once the transfer is done, or nullptr if
// it could not be allocated. rec must outlive the transfer (the body is not
// copied).
curl_slist* prepare_post(CURL* easy, const WebhookSettings& settings, std::size_t url,
                         const EventRecord& rec, void* priv);

struct WebhookSender::Impl {
  explicit Impl(WebhookSettings s);
  ~Impl();

  // The delivery thread's body (delivery.cpp).
  void run();
  // Under mu: the URL is done with the event (delivered or dropped).
  void settle_locked(EventRecord& rec, std::size_t url, UrlState state, DropReason reason);

  const WebhookSettings settings;
  CURLM* const multi;

  mutable std::mutex mu;
  enum class Phase { created, running, stopping, stopped } phase = Phase::created;
  std::vector<std::shared_ptr<EventRecord>> inbox;  // accepted, not yet taken by the thread
  Clock::time_point deadline{};                     // of the drain, once stopping
  std::vector<UrlStats> stats;
  std::map<std::string, std::uint64_t> events_by_type;
  std::deque<std::shared_ptr<EventRecord>> recent;  // oldest first, at most kRecentMax
  std::thread thread;
};

}  // namespace signalmesh::webhooks
