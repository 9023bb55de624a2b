#include "report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "proc_stats.hpp"

namespace sm_bench {

std::string json_quote(std::string_view s) {
  std::string out = "\"";
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

void Json::key(std::string_view k) {
  if (!body_.empty()) body_ += ',';
  body_ += json_quote(k);
  body_ += ':';
}

Json& Json::num(std::string_view k, double v) {
  key(k);
  if (!std::isfinite(v)) {
    body_ += "null";
    return *this;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  body_ += buf;
  return *this;
}

Json& Json::str(std::string_view k, std::string_view v) {
  key(k);
  body_ += json_quote(v);
  return *this;
}

Json& Json::boolean(std::string_view k, bool v) {
  key(k);
  body_ += v ? "true" : "false";
  return *this;
}

Json& Json::null(std::string_view k) {
  key(k);
  body_ += "null";
  return *this;
}

Json& Json::obj(std::string_view k, const Json& v) {
  return raw(k, v.text());
}

Json& Json::raw(std::string_view k, std::string_view json) {
  key(k);
  body_ += json;
  return *this;
}

namespace {

double us(std::uint64_t ns) {
  return std::round(static_cast<double>(ns) / 100.0) / 10.0;
}

std::string duration_text(std::uint64_t ns) {
  char buf[32];
  if (ns < 1000000) {
    std::snprintf(buf, sizeof buf, "%.0f µs", static_cast<double>(ns) / 1e3);
  } else if (ns < 1000000000) {
    std::snprintf(buf, sizeof buf, "%.1f ms", static_cast<double>(ns) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, "%.2f s", static_cast<double>(ns) / 1e9);
  }
  return buf;
}

}  // namespace

Json latency_json(const Histogram& h) {
  Json j;
  j.num("p50", us(h.quantile(0.5)))
      .num("p90", us(h.quantile(0.9)))
      .num("p99", us(h.quantile(0.99)))
      .num("p999", us(h.quantile(0.999)))
      .num("max", us(h.max()))
      .num("count", static_cast<double>(h.count()));
  return j;
}

std::string latency_text(const Histogram& h) {
  if (h.count() == 0) return "no samples";
  return "p50 " + duration_text(h.quantile(0.5)) + ", p90 " + duration_text(h.quantile(0.9)) +
         ", p99 " + duration_text(h.quantile(0.99)) + ", p99.9 " +
         duration_text(h.quantile(0.999)) + ", max " + duration_text(h.max());
}

std::string si(double v) {
  char buf[32];
  if (v >= 1e6) {
    std::snprintf(buf, sizeof buf, "%.2fM", v / 1e6);
  } else if (v >= 1e3) {
    std::snprintf(buf, sizeof buf, "%.1fk", v / 1e3);
  } else {
    std::snprintf(buf, sizeof buf, "%.1f", v);
  }
  return buf;
}

void ServerProbe::start() {
  cpu0_.clear();
  wait0_.clear();
  for (const int pid : pids_) {
    cpu0_.push_back(process_cpu_seconds(pid));
    wait0_.push_back(process_runq_wait_seconds(pid));
  }
}

void ServerProbe::stop() {
  cpu1_.clear();
  rss_.clear();
  wait1_.clear();
  for (const int pid : pids_) {
    cpu1_.push_back(process_cpu_seconds(pid));
    wait1_.push_back(process_runq_wait_seconds(pid));
    rss_.push_back(process_rss_kib(pid));
  }
}

double ServerProbe::cpu_seconds() const {
  double total = 0;
  for (std::size_t i = 0; i < cpu1_.size() && i < cpu0_.size(); ++i) {
    if (cpu0_[i] >= 0 && cpu1_[i] >= 0) total += cpu1_[i] - cpu0_[i];  // < 0: gone
  }
  return total;
}

double ServerProbe::max_wait_fraction(double window_s) const {
  double worst = 0;
  for (std::size_t i = 0; i < wait1_.size() && i < wait0_.size(); ++i) {
    if (wait0_[i] >= 0 && wait1_[i] >= 0)
      worst = std::max(worst, (wait1_[i] - wait0_[i]) / window_s);
  }
  return worst;
}

long ServerProbe::rss_kib() const {
  long total = 0;
  for (const long r : rss_) total += r > 0 ? r : 0;
  return total;
}

Json ServerProbe::json(double window_s) const {
  std::string list = "[";
  for (std::size_t i = 0; i < pids_.size() && i < cpu1_.size(); ++i) {
    Json one;
    one.num("pid", pids_[i]);
    if (cpu0_[i] < 0 || cpu1_[i] < 0 || rss_[i] < 0) {
      one.boolean("readable", false);  // exited, or not ours to read
    } else {
      one.num("cpu_s", cpu1_[i] - cpu0_[i])
          .num("runq_wait_pct", 100 * (wait1_[i] - wait0_[i]) / window_s)
          .num("rss_kib", static_cast<double>(rss_[i]));
    }
    list += (i ? "," : "") + one.text();
  }
  Json j;
  j.raw("processes", list + "]")
      .num("cpu_s", cpu_seconds())
      .num("cpu_pct", window_s > 0 ? 100 * cpu_seconds() / window_s : 0)
      .num("rss_kib", static_cast<double>(rss_kib()));
  return j;
}

}  // namespace sm_bench
