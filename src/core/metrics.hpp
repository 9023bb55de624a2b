// Prometheus metrics of one gateway pod. Plain counters in fixed arrays
// indexed by enums: the hot path bumps an integer, never looks up a name.
// Loop thread only (rendering included).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

#include "signalmesh/protocol.hpp"

namespace signalmesh {

// What we count messages by (both directions).
enum class MetricType : std::size_t {
  kWelcome,
  kPeerJoined,
  kPeerLeft,
  kHostChange,
  kSdp,
  kIce,
  kKick,
  kRoomStatus,
  kStateHash,
  kDesync,
  kServerMessage,
  kError,
  kBinary,
  kInvalid,  // received frames that did not name a known type
  kCount
};

MetricType metric_type_of(protocol::MessageType type);

// Close codes we send or see; everything else lands in "other".
enum class CloseKind : std::size_t {
  k1000,
  k1001,
  k1006,
  k1008,
  k1009,
  k1011,
  k1013,
  k4000,
  k4001,
  k4003,
  k4004,
  k4008,
  k4009,
  k4010,
  k4011,
  k4013,
  k4029,
  kOther,
  kCount
};

CloseKind close_kind_of(int code);

class Histogram {
 public:
  static constexpr std::array<double, 14> kBounds = {0.00001, 0.000025, 0.00005, 0.0001, 0.00025,
                                                     0.0005,  0.001,    0.0025,  0.005,  0.01,
                                                     0.025,   0.05,     0.1,     1.0};
  void observe(double seconds);
  void render(std::string& out, const char* name, const char* help) const;

 private:
  std::array<std::uint64_t, kBounds.size() + 1> buckets_{};
  double sum_ = 0;
  std::uint64_t count_ = 0;
};

struct Metrics {
  std::int64_t connections = 0;
  std::uint64_t connections_accepted = 0;
  std::int64_t rooms = 0;
  std::array<std::uint64_t, static_cast<std::size_t>(MetricType::kCount)> received{};
  std::array<std::uint64_t, static_cast<std::size_t>(MetricType::kCount)> sent{};
  std::array<std::uint64_t, protocol::kErrorCodeCount> errors{};
  std::array<std::uint64_t, static_cast<std::size_t>(CloseKind::kCount)> closes{};
  std::uint64_t http_rejected_404 = 0;
  std::uint64_t http_rejected_403 = 0;
  std::uint64_t http_rejected_503 = 0;
  std::uint64_t http_rejected_400 = 0;
  std::uint64_t backend_publishes = 0;
  std::uint64_t backend_receives = 0;
  std::uint64_t backend_failures = 0;
  std::uint64_t envelopes_ignored = 0;
  std::int64_t backend_channels = 0;
  bool backend_up = false;
  Histogram relay_latency;
  Histogram admission_latency;

  void count_received(MetricType t) { ++received[static_cast<std::size_t>(t)]; }
  void count_sent(MetricType t, std::uint64_t n = 1) { sent[static_cast<std::size_t>(t)] += n; }
  void count_error(protocol::ErrorCode c) { ++errors[static_cast<std::size_t>(c)]; }
  void count_close(int code) { ++closes[static_cast<std::size_t>(close_kind_of(code))]; }

  // Prometheus text exposition format 0.0.4.
  std::string render() const;
};

}  // namespace signalmesh
