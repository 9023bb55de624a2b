// WebhookSender's readers: append_metrics() and recent().
#include <algorithm>
#include <cstdio>

#include "webhooks/sender_impl.hpp"

namespace signalmesh::webhooks {
namespace {

void header(std::string& out, const char* name, const char* type, const char* help) {
  out += "# HELP ";
  out += name;
  out += ' ';
  out += help;
  out += "\n# TYPE ";
  out += name;
  out += ' ';
  out += type;
  out += '\n';
}

std::string label_value(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

std::string url_label(std::size_t u) {
  return "url_index=\"" + std::to_string(u) + "\"";
}

const char* state_name(UrlState s) {
  switch (s) {
    case UrlState::queued:
      return "queued";
    case UrlState::retrying:
      return "retrying";
    case UrlState::delivered:
      return "delivered";
    case UrlState::dropped:
      break;
  }
  return "dropped";
}

}  // namespace

void WebhookSender::append_metrics(std::string& text) const {
  const Impl& impl = *impl_;
  std::lock_guard<std::mutex> lock(impl.mu);
  header(text, "signalmesh_webhook_events_total", "counter",
         "Webhook events accepted for delivery, by type.");
  for (const auto& [type, n] : impl.events_by_type) {
    text += "signalmesh_webhook_events_total{type=\"" + label_value(type) + "\"} " +
            std::to_string(n) + '\n';
  }
  header(text, "signalmesh_webhook_deliveries_total", "counter",
         "Webhook requests answered with a 2xx, by URL.");
  for (std::size_t u = 0; u < impl.stats.size(); ++u) {
    text += "signalmesh_webhook_deliveries_total{" + url_label(u) + "} " +
            std::to_string(impl.stats[u].deliveries) + '\n';
  }
  header(text, "signalmesh_webhook_retries_total", "counter",
         "Webhook attempts that failed and were scheduled again, by URL.");
  for (std::size_t u = 0; u < impl.stats.size(); ++u) {
    text += "signalmesh_webhook_retries_total{" + url_label(u) + "} " +
            std::to_string(impl.stats[u].retries) + '\n';
  }
  header(text, "signalmesh_webhook_dropped_total", "counter",
         "Webhook events given up for a URL, by URL and reason.");
  for (std::size_t u = 0; u < impl.stats.size(); ++u) {
    for (std::size_t r = 0; r < kDropReasons; ++r) {
      text += "signalmesh_webhook_dropped_total{" + url_label(u) + ",reason=\"" +
              kDropReasonNames[r] + "\"} " + std::to_string(impl.stats[u].dropped[r]) + '\n';
    }
  }
  header(text, "signalmesh_webhook_queued", "gauge",
         "Webhook events waiting or in flight, by URL.");
  for (std::size_t u = 0; u < impl.stats.size(); ++u) {
    text += "signalmesh_webhook_queued{" + url_label(u) + "} " +
            std::to_string(impl.stats[u].queued) + '\n';
  }
  header(text, "signalmesh_webhook_delivery_seconds", "histogram",
         "From an event's time to its 2xx answer, by URL.");
  for (std::size_t u = 0; u < impl.stats.size(); ++u) {
    const UrlStats& st = impl.stats[u];
    std::uint64_t cumulative = 0;
    for (std::size_t b = 0; b <= kDeliveryBuckets.size(); ++b) {
      cumulative += st.buckets[b];
      const std::string le = b < kDeliveryBuckets.size() ? number(kDeliveryBuckets[b]) : "+Inf";
      text += "signalmesh_webhook_delivery_seconds_bucket{" + url_label(u) + ",le=\"" + le +
              "\"} " + std::to_string(cumulative) + '\n';
    }
    text += "signalmesh_webhook_delivery_seconds_sum{" + url_label(u) + "} " +
            number(st.delivered_seconds) + '\n';
    text += "signalmesh_webhook_delivery_seconds_count{" + url_label(u) + "} " +
            std::to_string(st.delivered_count) + '\n';
  }
}

std::vector<WebhookSender::Recent> WebhookSender::recent(std::size_t limit) const {
  const Impl& impl = *impl_;
  std::vector<Recent> out;
  std::lock_guard<std::mutex> lock(impl.mu);
  limit = std::min({limit, kRecentMax, impl.recent.size()});
  out.reserve(limit);
  for (auto it = impl.recent.rbegin(); it != impl.recent.rend() && out.size() < limit; ++it) {
    const EventRecord& rec = **it;
    // Dropped for any URL (queue-full included), else the least advanced state.
    bool dropped = false, retrying = false, queued = false;
    std::size_t attempts = 0;
    for (std::size_t u = 0; u < rec.states.size(); ++u) {
      dropped |= rec.states[u] == UrlState::dropped;
      retrying |= rec.states[u] == UrlState::retrying;
      queued |= rec.states[u] == UrlState::queued;
      attempts = std::max(attempts, rec.attempts[u]);
    }
    const UrlState state = dropped    ? UrlState::dropped
                           : retrying ? UrlState::retrying
                           : queued   ? UrlState::queued
                                      : UrlState::delivered;
    out.push_back(Recent{rec.id, rec.type, rec.room_id, rec.time_ms, state_name(state), attempts});
  }
  return out;
}

}  // namespace signalmesh::webhooks
