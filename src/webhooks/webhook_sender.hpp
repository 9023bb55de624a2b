// Webhook delivery (app-integration.md §5): every event is POSTed as JSON,
// signed with HMAC-SHA256, to every configured URL, at least once. Delivery
// runs on a thread of its own over libcurl's multi interface, so a slow or
// dead receiver never slows the caller; each URL has its own bounded queue,
// and for one URL at most one event of a room is in flight at a time, so a
// receiver sees each room's events in order, retries included.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace signalmesh::webhooks {

struct WebhookSettings {
  std::vector<std::string> urls;   // each event goes to every URL, each URL with its own queue
  std::string secret;              // HMAC key
  std::size_t max_queued = 10000;  // per URL, events waiting or in flight; beyond: the new event is
                                   // dropped and counted
  std::size_t max_in_flight = 16;  // per URL, concurrent requests (different rooms)
  std::chrono::milliseconds timeout{5000};  // per attempt, connect included
  std::size_t max_attempts = 12;            // then dropped and counted
  // The first retry waits rand(0, backoff_min], the n-th
  // rand(0, min(backoff_max, backoff_min*2^(n-1))].
  std::chrono::milliseconds backoff_min{250};
  std::chrono::milliseconds backoff_max{30000};
};

struct Event {
  std::string id;        // stable across retries, unique
  std::string type;      // room.created, peer.joined, ...
  std::int64_t time_ms;  // when it happened (Unix ms)
  std::string room_id;
  std::string data_json;  // a JSON object's text, inserted verbatim ("" is sent as {})
};

// The POST body: {"id","type","time","roomId","data"} in that order, strings
// JSON-escaped, data_json inserted verbatim.
std::string event_body(const Event& e);
// "t=UNIX_SECONDS,v1=" + lower-case hex of HMAC-SHA256(secret, "<t>.<body>").
std::string signature_header(std::string_view secret, std::int64_t unix_seconds,
                             std::string_view body);
// "evt_" + 32 hex chars from RAND_bytes. Throws std::runtime_error if the
// random generator fails.
std::string new_event_id();

class WebhookSender {
 public:
  // Throws std::invalid_argument for a URL that is not http(s) or for
  // max_in_flight, max_queued or max_attempts of 0.
  explicit WebhookSender(WebhookSettings settings);
  ~WebhookSender();  // stop(0ms) if still running
  WebhookSender(const WebhookSender&) = delete;
  WebhookSender& operator=(const WebhookSender&) = delete;

  // Starts the delivery thread (once; events sent before are kept queued).
  void start();
  // Never blocks beyond a short mutex; safe from any thread. Returns false if
  // the event was dropped for at least one URL (that URL's queue full, or the
  // sender stopped); it is still delivered to the URLs that accepted it.
  bool send(Event event);
  // Delivers what is queued for up to `drain` (no new retries are scheduled
  // past it), then drops the rest (counted) and joins the thread. Later
  // send()s return false.
  void stop(std::chrono::milliseconds drain);

  // Prometheus text, with # HELP/# TYPE lines, appended to `text`:
  //   signalmesh_webhook_events_total{type}  counter (accepted by send for at least one URL)
  //   signalmesh_webhook_deliveries_total{url_index}  counter, 2xx answers
  //   signalmesh_webhook_retries_total{url_index}     counter
  //   signalmesh_webhook_dropped_total{url_index,reason="queue-full"|"attempts"|"stopped"}
  //   signalmesh_webhook_queued{url_index}           gauge
  //   signalmesh_webhook_delivery_seconds{url_index} histogram, Event::time_ms to the 2xx
  // (url_index "0","1",...: the URL itself may hold a token.)
  void append_metrics(std::string& text) const;

  // The last `limit` (<=200) events accepted, newest first. With several
  // URLs: "dropped" if a URL dropped it, else "retrying" or "queued" while a
  // URL still has it, else "delivered"; attempts is the most made to one URL.
  struct Recent {
    std::string id, type, room_id;
    std::int64_t time_ms;
    std::string state;  // "queued"|"delivered"|"retrying"|"dropped"
    std::size_t attempts;
  };
  std::vector<Recent> recent(std::size_t limit) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace signalmesh::webhooks
