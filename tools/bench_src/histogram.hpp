// A log-bucketed latency histogram: exact below 64 ns, then 32 sub-buckets
// per power of two (about 3% resolution). Fixed size, no allocation when
// recording; histograms of several threads merge by addition.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>

namespace sm_bench {

class Histogram {
 public:
  static constexpr int kSub = 32;
  static constexpr int kLinear = 64;
  static constexpr int kBuckets = kLinear + (64 - 6) * kSub;

  void record(std::uint64_t v) {
    ++counts_[index(v)];
    ++total_;
    max_ = std::max(max_, v);
  }
  void merge(const Histogram& o) {
    for (int i = 0; i < kBuckets; ++i) counts_[i] += o.counts_[i];
    total_ += o.total_;
    max_ = std::max(max_, o.max_);
  }
  void clear() { *this = Histogram(); }
  std::uint64_t count() const { return total_; }
  std::uint64_t max() const { return max_; }

  // The value below which a fraction q of the samples lie (the middle of
  // the bucket that holds that rank; never above the maximum).
  std::uint64_t quantile(double q) const {
    if (total_ == 0) return 0;
    const auto rank = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1)) + 1;
    std::uint64_t seen = 0;
    for (int i = 0; i < kBuckets; ++i) {
      seen += counts_[i];
      if (seen >= rank) return std::min(max_, middle(i));
    }
    return max_;
  }

 private:
  static int index(std::uint64_t v) {
    if (v < kLinear) return static_cast<int>(v);
    const int e = 63 - __builtin_clzll(v);  // >= 6
    const int sub = static_cast<int>((v >> (e - 5)) & (kSub - 1));
    return kLinear + (e - 6) * kSub + sub;
  }
  static std::uint64_t middle(int i) {
    if (i < kLinear) return static_cast<std::uint64_t>(i);
    const int e = (i - kLinear) / kSub + 6;
    const std::uint64_t sub = static_cast<std::uint64_t>((i - kLinear) % kSub);
    const std::uint64_t low = (std::uint64_t{1} << e) + (sub << (e - 5));
    return low + (std::uint64_t{1} << (e - 6));
  }

  std::array<std::uint64_t, kBuckets> counts_{};
  std::uint64_t total_ = 0;
  std::uint64_t max_ = 0;
};

}  // namespace sm_bench
