// Building the output: a small ordered JSON writer, latency summaries and
// the servers' CPU and memory over the measured window.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "histogram.hpp"

namespace sm_bench {

class Json {
 public:
  Json& num(std::string_view key, double value);
  Json& str(std::string_view key, std::string_view value);
  Json& boolean(std::string_view key, bool value);
  Json& null(std::string_view key);
  Json& obj(std::string_view key, const Json& value);
  Json& raw(std::string_view key, std::string_view json);
  std::string text() const { return "{" + body_ + "}"; }

 private:
  void key(std::string_view k);
  std::string body_;
};

std::string json_quote(std::string_view s);
// p50/p90/p99/p99.9/max and the count, in microseconds.
Json latency_json(const Histogram& h);
// "p50 41 µs, p99 130 µs, p99.9 0.4 ms, max 2.1 ms"
std::string latency_text(const Histogram& h);
// 123456 -> "123.5k"
std::string si(double v);

// CPU and RSS of the --server-pid processes between start() and stop().
class ServerProbe {
 public:
  explicit ServerProbe(std::vector<int> pids) : pids_(std::move(pids)) {}
  void start();
  void stop();
  bool any() const { return !pids_.empty(); }
  double cpu_seconds() const;  // summed over the servers
  // The largest share of the window one server spent waiting for a CPU.
  double max_wait_fraction(double window_s) const;
  long rss_kib() const;  // summed, at stop()
  Json json(double window_s) const;

 private:
  std::vector<int> pids_;
  std::vector<double> cpu0_, cpu1_, wait0_, wait1_;
  std::vector<long> rss_;
};

}  // namespace sm_bench
