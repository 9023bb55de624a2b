#include "core/metrics.hpp"

#include <cstdio>

#include "core/process_metrics.hpp"
#include "core/prometheus.hpp"

namespace signalmesh {
namespace {

const char* const kTypeNames[] = {
    "welcome",     "peer-joined", "peer-left", "host-change",    "sdp",   "ice",    "kick",
    "room-status", "state-hash",  "desync",    "server-message", "error", "binary", "invalid"};
static_assert(sizeof(kTypeNames) / sizeof(kTypeNames[0]) ==
              static_cast<std::size_t>(MetricType::kCount));

const int kCloseCodes[] = {1000, 1001, 1006, 1008, 1009, 1011, 1013, 4000, 4001,
                           4003, 4004, 4008, 4009, 4010, 4011, 4013, 4029};
static_assert(sizeof(kCloseCodes) / sizeof(kCloseCodes[0]) + 1 ==
              static_cast<std::size_t>(CloseKind::kCount));

using prometheus::header;
using prometheus::sample;
using prometheus::scalar;

template <typename Array>
void by_type(std::string& out, const char* name, const char* help, const Array& values) {
  header(out, name, "counter", help);
  for (std::size_t i = 0; i < values.size(); ++i) {
    std::string labels = "{type=\"";
    labels += kTypeNames[i];
    labels += "\"}";
    sample(out, name, labels.c_str(), static_cast<double>(values[i]));
  }
}

}  // namespace

MetricType metric_type_of(protocol::MessageType type) {
  switch (type) {
    case protocol::MessageType::kSdp:
      return MetricType::kSdp;
    case protocol::MessageType::kIce:
      return MetricType::kIce;
    case protocol::MessageType::kHostChange:
      return MetricType::kHostChange;
    case protocol::MessageType::kKick:
      return MetricType::kKick;
    case protocol::MessageType::kRoomStatus:
      return MetricType::kRoomStatus;
    case protocol::MessageType::kStateHash:
      return MetricType::kStateHash;
  }
  return MetricType::kInvalid;
}

CloseKind close_kind_of(int code) {
  for (std::size_t i = 0; i < sizeof(kCloseCodes) / sizeof(kCloseCodes[0]); ++i) {
    if (kCloseCodes[i] == code) return static_cast<CloseKind>(i);
  }
  return CloseKind::kOther;
}

void Histogram::observe(double seconds) {
  std::size_t i = 0;
  while (i < kBounds.size() && seconds > kBounds[i]) ++i;
  ++buckets_[i];
  sum_ += seconds;
  ++count_;
}

void Histogram::render(std::string& out, const char* name, const char* help) const {
  header(out, name, "histogram", help);
  std::string bucket_name = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  char labels[48];
  for (std::size_t i = 0; i < kBounds.size(); ++i) {
    cumulative += buckets_[i];
    std::snprintf(labels, sizeof labels, "{le=\"%g\"}", kBounds[i]);
    sample(out, bucket_name.c_str(), labels, static_cast<double>(cumulative));
  }
  cumulative += buckets_[kBounds.size()];
  sample(out, bucket_name.c_str(), "{le=\"+Inf\"}", static_cast<double>(cumulative));
  sample(out, (std::string(name) + "_sum").c_str(), "", sum_);
  sample(out, (std::string(name) + "_count").c_str(), "", static_cast<double>(count_));
}

std::string Metrics::render() const {
  std::string out;
  out.reserve(8192);
  scalar(out, "signalmesh_connections", "gauge", "Open WebSocket connections.", connections);
  scalar(out, "signalmesh_connections_accepted_total", "counter",
         "WebSocket connections admitted since start.", connections_accepted);
  scalar(out, "signalmesh_rooms", "gauge", "Rooms with at least one member known to this pod.",
         rooms);
  by_type(out, "signalmesh_messages_received_total", "Client messages received, by type.",
          received);
  by_type(out, "signalmesh_messages_sent_total",
          "Messages sent to clients (per recipient), by type.", sent);
  header(out, "signalmesh_errors_total", "counter", "error messages sent to clients, by code.");
  for (std::size_t i = 1; i < errors.size(); ++i) {
    std::string labels = "{code=\"";
    labels += protocol::error_code_name(static_cast<protocol::ErrorCode>(i));
    labels += "\"}";
    sample(out, "signalmesh_errors_total", labels.c_str(), static_cast<double>(errors[i]));
  }
  header(out, "signalmesh_closes_total", "counter", "WebSocket connections closed, by close code.");
  for (std::size_t i = 0; i < closes.size(); ++i) {
    std::string labels = "{code=\"";
    labels += i < closes.size() - 1 ? std::to_string(kCloseCodes[i]) : std::string("other");
    labels += "\"}";
    sample(out, "signalmesh_closes_total", labels.c_str(), static_cast<double>(closes[i]));
  }
  header(out, "signalmesh_http_rejected_total", "counter",
         "Requests refused before the upgrade, by HTTP status.");
  sample(out, "signalmesh_http_rejected_total", "{status=\"400\"}", http_rejected_400);
  sample(out, "signalmesh_http_rejected_total", "{status=\"403\"}", http_rejected_403);
  sample(out, "signalmesh_http_rejected_total", "{status=\"404\"}", http_rejected_404);
  sample(out, "signalmesh_http_rejected_total", "{status=\"503\"}", http_rejected_503);
  scalar(out, "signalmesh_backend_up", "gauge", "1 when the fan-out backend can carry envelopes.",
         backend_up ? 1 : 0);
  scalar(out, "signalmesh_backend_publishes_total", "counter", "Envelopes published.",
         backend_publishes);
  scalar(out, "signalmesh_backend_receives_total", "counter", "Envelopes received.",
         backend_receives);
  scalar(out, "signalmesh_backend_failures_total", "counter",
         "Envelopes that could not be published.", backend_failures);
  scalar(out, "signalmesh_backend_envelopes_ignored_total", "counter",
         "Envelopes ignored: another protocol version, or malformed.", envelopes_ignored);
  scalar(out, "signalmesh_backend_subscribed_channels", "gauge",
         "Backend channels this pod is subscribed to.", backend_channels);
  relay_latency.render(out, "signalmesh_relay_latency_seconds",
                       "Time from receiving a client message to queueing it for its recipients.");
  admission_latency.render(out, "signalmesh_admission_seconds",
                           "Time from the WebSocket upgrade to the welcome (the room's sync and "
                           "record read included).");
  process_metrics::append(out);
  return out;
}

}  // namespace signalmesh
