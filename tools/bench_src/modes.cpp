// The three modes, start to end: relay, idle, connect-storm.
#include "modes.hpp"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>

#include "bench.hpp"
#include "proc_stats.hpp"
#include "report.hpp"

namespace sm_bench {
namespace {

constexpr double kBottleneck = 0.85;  // of a core per thread
constexpr int kCallSetupMessages = 42;
constexpr double kBusy = 0.01;  // of the window spent waiting for a CPU

void sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

double seconds_since(std::uint64_t t) {
  return static_cast<double>(now_ns() - t) / 1e9;
}

Json conn_json(const ConnStats& c, std::size_t total) {
  Json codes, closes;
  for (const auto& [k, v] : c.error_codes) codes.num(k, static_cast<double>(v));
  for (const auto& [k, v] : c.close_codes) closes.num(std::to_string(k), static_cast<double>(v));
  Json j;
  j.num("connections", static_cast<double>(total))
      .num("welcomed", static_cast<double>(c.welcomed))
      .num("failed", static_cast<double>(c.failed))
      .num("unexpected_closes", static_cast<double>(c.unexpected_closes))
      .obj("close_codes", closes)
      .num("errors", static_cast<double>(c.errors))
      .obj("error_codes", codes)
      .str("first_failure", c.first_failure);
  return j;
}

std::string conn_text(const ConnStats& c) {
  std::string t = "failed " + std::to_string(c.failed) + ", server errors " +
                  std::to_string(c.errors) + ", unexpected closes " +
                  std::to_string(c.unexpected_closes);
  if (!c.first_failure.empty()) t += " (first: " + c.first_failure + ")";
  return t;
}

Json group_json(const Group& g, const GroupStats& s, double window, double server_cpu) {
  const double delivered = static_cast<double>(s.window_delivered);
  const std::uint64_t got = s.received - s.duplicated;
  Json j;
  j.str("name", g.spec.name)
      .num("rooms", g.spec.rooms)
      .num("peers", g.spec.peers)
      .str("pattern", g.spec.broadcast ? "broadcast" : "targeted")
      .str("payload", g.spec.payload == Payload::kIce   ? "ice"
                      : g.spec.payload == Payload::kSdp ? "sdp"
                                                        : "mix")
      .num("rate", g.spec.rate);
  if (g.spec.rate == 0) j.num("window", g.spec.window);
  j.num("sent_per_s", static_cast<double>(s.window_sent) / window)
      .num("delivered_per_s", delivered / window);
  if (g.spec.payload == Payload::kMix) {
    j.num("call_setups_per_s", delivered / window / kCallSetupMessages);
  }
  j.obj("latency_us", latency_json(s.latency))
      .num("lost", static_cast<double>(s.expected > got ? s.expected - got : 0))
      .num("duplicated", static_cast<double>(s.duplicated))
      .num("reordered", static_cast<double>(s.reordered));
  if (server_cpu > 0 && delivered > 0) {
    j.num("server_us_per_delivery", 1e6 * server_cpu / delivered)
        .num("deliveries_per_server_cpu_s", delivered / server_cpu);
  }
  return j;
}

void emit(const Options& o, const std::string& human, const Json& j) {
  if (!o.json) std::cout << human << "\n";
  std::cout << j.text() << std::endl;
}

Json header(const Options& o, std::size_t connections) {
  Json j;
  j.str("mode", o.mode).str("label", o.label);
  std::string urls = "[";
  for (std::size_t i = 0; i < o.urls.size(); ++i) urls += (i ? "," : "") + json_quote(o.urls[i]);
  j.raw("urls", urls + "]")
      .num("threads", o.threads)
      .num("connections_total", static_cast<double>(connections));
  return j;
}

int run_relay(const Options& o, Run& run) {
  run.connect_all();
  const bool any = run.welcomed.load() > 0;  // else no traffic: report at once
  // Traffic starts once every sender knows its targets: across pods a
  // message to a member whose peer-joined is still on its way would be
  // refused with unknown-target.
  if (any && !run.await_complete_rooms(o.timeout)) {
    std::fprintf(stderr, "warning: %d of %d peers still miss a room member after %.0f s\n",
                 run.welcomed.load() - run.rooms_complete.load(), run.welcomed.load(), o.timeout);
  }
  ServerProbe server(o.server_pids);
  run.phase = kWarmup;
  run.on_each([](Worker& w) { w.start_traffic(); });
  if (any) sleep_s(o.warmup);
  server.start();
  const double self0 = self_cpu_seconds();
  const int self_pid = static_cast<int>(getpid());
  const double wait0 = process_runq_wait_seconds(self_pid);
  const std::uint64_t t0 = now_ns();
  run.phase = kMeasure;
  if (any) sleep_s(o.duration);
  run.phase = kDrain;
  const double window = seconds_since(t0);
  server.stop();
  const double self_cpu = self_cpu_seconds() - self0;
  const double self_wait = (process_runq_wait_seconds(self_pid) - wait0) / window;
  run.drain(o.drain);
  run.close_all();

  const ConnStats cs = run.conn_stats();
  const auto gs = run.group_stats();
  const double server_cpu = server.any() ? server.cpu_seconds() : 0;
  const GroupStats& m = gs[0];
  const double gen_pct = 100 * self_cpu / window;
  const bool bottleneck = any && self_cpu / window > kBottleneck * o.threads;

  Json j = header(o, run.peers.size());
  // With a hot room the server's CPU is shared: per delivery only overall.
  const double group_cpu = gs.size() > 1 ? 0 : server_cpu;
  double all_delivered = 0;
  for (const auto& s : gs) all_delivered += static_cast<double>(s.window_delivered);
  j.num("window_s", window).obj("main", group_json(*run.groups[0], m, window, group_cpu));
  if (gs.size() > 1) j.obj("hot", group_json(*run.groups[1], gs[1], window, group_cpu));
  if (server_cpu > 0 && all_delivered > 0) {
    j.num("server_us_per_delivery", 1e6 * server_cpu / all_delivered);
  }
  j.raw("server", server.any() ? server.json(window).text() : "null");
  Json gen;
  gen.num("cpu_s", self_cpu).num("cpu_pct", gen_pct);
  if (all_delivered > 0) gen.num("us_per_delivery", 1e6 * self_cpu / all_delivered);
  gen.num("runq_wait_pct", 100 * self_wait).boolean("bottleneck", bottleneck);
  const double busy = std::max(self_wait, server.max_wait_fraction(window));
  j.obj("generator", gen)
      .boolean("machine_busy", busy > kBusy)
      .obj("conn", conn_json(cs, run.peers.size()));

  const auto& g = run.groups[0]->spec;
  const double delivered = static_cast<double>(m.window_delivered);
  std::string h =
      "relay " + std::string(g.broadcast ? "broadcast" : "targeted") + " " +
      std::to_string(g.rooms) + "x" + std::to_string(g.peers) + ", " +
      (g.rate > 0 ? "open loop " + si(g.rate) + " msg/s" : "window " + std::to_string(g.window)) +
      ": " + si(delivered / window) + " delivered/s";
  if (g.payload == Payload::kMix)
    h += " (" + si(delivered / window / kCallSetupMessages) + " call setups/s)";
  h += "; latency " + latency_text(m.latency);
  const std::uint64_t got = m.received - m.duplicated;
  h += "; lost " + std::to_string(m.expected > got ? m.expected - got : 0) + ", dup " +
       std::to_string(m.duplicated) + ", reordered " + std::to_string(m.reordered) + "; " +
       conn_text(cs);
  if (server_cpu > 0 && all_delivered > 0) {
    char buf[160];
    std::snprintf(buf, sizeof buf, "; server %.2f µs CPU/delivery (%.0f%% CPU, RSS %.1f MiB)",
                  1e6 * server_cpu / all_delivered, 100 * server_cpu / window,
                  static_cast<double>(server.rss_kib()) / 1024);
    h += buf;
  }
  if (gs.size() > 1) {
    h += "; hot room " + si(static_cast<double>(gs[1].window_delivered) / window) +
         " delivered/s, " + latency_text(gs[1].latency);
  }
  h += "; generator " + std::to_string(static_cast<int>(gen_pct)) + "% CPU";
  if (bottleneck) {
    std::cerr << "WARNING: the generator used " << static_cast<int>(gen_pct)
              << "% CPU: it, not the server, may be the bottleneck\n";
  }
  if (busy > kBusy) {
    std::cerr << "WARNING: a process waited " << static_cast<int>(100 * busy)
              << "% of the window for a CPU: the machine is busy with other work, figures "
                 "are unreliable\n";
  }
  emit(o, h, j);
  return cs.failed == 0 ? 0 : 1;
}

int run_connections(const Options& o, Run& run) {
  const bool storm = o.mode == "connect-storm";
  ServerProbe server(o.server_pids);
  server.stop();  // RSS before connecting
  const long rss_before = server.rss_kib();
  server.start();
  const std::uint64_t t0 = now_ns();
  run.connect_all();
  ConnStats cs = run.conn_stats();  // counters are settled for welcomed peers
  const double connect_s =
      cs.last_welcome > t0 ? static_cast<double>(cs.last_welcome - t0) / 1e9 : seconds_since(t0);
  server.stop();
  const double connect_cpu = server.cpu_seconds();
  double hold_cpu = 0, hold_s = 0;
  long rss_after = server.rss_kib();
  if (!storm) {
    sleep_s(1);
    server.stop();
    rss_after = server.rss_kib();
    server.start();
    const std::uint64_t h0 = now_ns();
    sleep_s(o.duration);
    hold_s = seconds_since(h0);
    server.stop();
    hold_cpu = server.cpu_seconds();
  }
  const long self_rss = process_rss_kib(static_cast<int>(getpid()));
  run.close_all();
  cs = run.conn_stats();

  const double ok = static_cast<double>(cs.welcomed);
  Json j = header(o, run.peers.size());
  j.num("connect_s", connect_s).num("connections_per_s", ok / connect_s);
  j.obj("welcome_latency_us", latency_json(cs.welcome_latency));
  if (server.any()) {
    j.num("server_connect_cpu_s", connect_cpu)
        .num("server_rss_before_kib", static_cast<double>(rss_before))
        .num("server_rss_after_kib", static_cast<double>(rss_after));
    if (ok > 0) j.num("server_us_per_connect", 1e6 * connect_cpu / ok);
    if (!storm && ok > 0) {
      j.num("server_rss_per_conn_kib", static_cast<double>(rss_after - rss_before) / ok)
          .num("server_idle_cpu_pct", 100 * hold_cpu / hold_s);
    }
  }
  j.num("generator_rss_kib", static_cast<double>(self_rss))
      .obj("conn", conn_json(cs, run.peers.size()));

  char buf[256];
  std::string h;
  std::snprintf(buf, sizeof buf, "%s: %.0f of %zu connected in %.2f s (%s conn/s), welcome %s",
                o.mode.c_str(), ok, run.peers.size(), connect_s, si(ok / connect_s).c_str(),
                latency_text(cs.welcome_latency).c_str());
  h = buf;
  if (server.any() && !storm && ok > 0) {
    std::snprintf(buf, sizeof buf,
                  "; server RSS %.1f -> %.1f MiB, %.2f KiB per connection, idle CPU %.2f%%",
                  static_cast<double>(rss_before) / 1024, static_cast<double>(rss_after) / 1024,
                  static_cast<double>(rss_after - rss_before) / ok, 100 * hold_cpu / hold_s);
    h += buf;
  } else if (server.any() && ok > 0) {
    std::snprintf(buf, sizeof buf, "; server %.0f µs CPU per connect", 1e6 * connect_cpu / ok);
    h += buf;
  }
  h += "; " + conn_text(cs);
  emit(o, h, j);
  return cs.failed == 0 ? 0 : 1;
}

}  // namespace

int run_mode(const Options& o) {
  Run run(o);
  std::string error;
  if (!run.prepare(error)) {
    std::cerr << "signalmesh-bench: " << error << "\n";
    return 2;
  }
  run.build();
  run.start_threads();
  return o.mode == "relay" ? run_relay(o, run) : run_connections(o, run);
}

}  // namespace sm_bench
