// signalmesh-bench-webhooks: what webhook delivery costs and how fast it is
// (issue 13's closing figures; tools/bench-webhooks runs it).
//
//   --mode sender    the real WebhookSender against a real HTTP receiver in
//                    this process: latency from send() to the receiver's
//                    read of the request (µs), open loop at --rate, and the
//                    most events per second it delivers (a burst of
//                    --events). One line of JSON.
//   --mode receiver  a standalone receiver for a pod's --webhook-url: writes
//                    its port to --port-file, and once events stop coming for
//                    --idle-ms prints one line of JSON (count, events/s,
//                    latency from each event's own "time" to its arrival, in
//                    ms since that field is Unix milliseconds, signatures).
#include <sys/resource.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/webhook_receiver.hpp"
#include "webhooks/webhook_sender.hpp"

namespace {

using Clock = std::chrono::steady_clock;
using signalmesh::test::WebhookReceiver;
namespace wh = signalmesh::webhooks;

struct Options {
  std::string mode;
  std::size_t events = 20000;
  std::size_t rooms = 100;
  double rate = 2000;
  std::string port_file;
  std::string secret = "bench-secret";
  long idle_ms = 2000;
  long timeout_s = 120;
};

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "signalmesh-bench-webhooks: %s\n"
               "usage: signalmesh-bench-webhooks --mode sender [--events N] [--rooms R] [--rate "
               "EVENTS_PER_S]\n"
               "       signalmesh-bench-webhooks --mode receiver --port-file F [--secret S] "
               "[--idle-ms MS] [--timeout S]\n",
               why);
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) usage(("missing value after " + a).c_str());
      return argv[++i];
    };
    try {
      if (a == "--mode") {
        o.mode = value();
      } else if (a == "--events") {
        o.events = std::stoul(value());
      } else if (a == "--rooms") {
        o.rooms = std::stoul(value());
      } else if (a == "--rate") {
        o.rate = std::stod(value());
      } else if (a == "--port-file") {
        o.port_file = value();
      } else if (a == "--secret") {
        o.secret = value();
      } else if (a == "--idle-ms") {
        o.idle_ms = std::stol(value());
      } else if (a == "--timeout") {
        o.timeout_s = std::stol(value());
      } else {
        usage(("unknown argument " + a).c_str());
      }
    } catch (const std::logic_error&) {
      usage(("bad value for " + a).c_str());
    }
  }
  if (o.mode != "sender" && o.mode != "receiver") usage("--mode sender|receiver");
  if (o.events == 0 || o.rooms == 0 || o.rate <= 0) usage("--events, --rooms, --rate must be > 0");
  if (o.mode == "receiver" && o.port_file.empty()) usage("--mode receiver needs --port-file");
  return o;
}

// The value at quantile q of sorted samples (nearest rank).
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return 0;
  const auto rank = static_cast<std::size_t>(q * static_cast<double>(sorted.size() - 1) + 0.5);
  return sorted[std::min(rank, sorted.size() - 1)];
}

double cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

// The "seq" the sender mode put in data, or -1.
long seq_of(const std::string& body) {
  const auto at = body.find("\"seq\":");
  return at == std::string::npos ? -1 : std::strtol(body.c_str() + at + 6, nullptr, 10);
}

// Waits until the receiver holds `want` requests; false on timeout.
bool wait_count(const WebhookReceiver& receiver, std::size_t want, std::chrono::seconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (receiver.count() < want) {
    if (Clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  return true;
}

struct Phase {
  std::vector<double> latency_us;
  double seconds = 0;  // first send to last receipt
  double cpu = 0;      // this process (sender and receiver threads)
  std::size_t received = 0;
};

// Sends events seq [0, n) over `rooms` rooms, paced at `rate` per second
// (0: as fast as send() takes them), and waits for all of them.
Phase run_phase(const Options& o, std::size_t n, double rate) {
  WebhookReceiver receiver;
  wh::WebhookSettings settings;
  settings.urls = {receiver.url()};
  settings.secret = o.secret;
  settings.max_queued = n + 1;
  wh::WebhookSender sender(settings);
  sender.start();
  std::vector<Clock::time_point> sent(n);
  const double cpu0 = cpu_seconds();
  const Clock::time_point start = Clock::now();
  for (std::size_t i = 0; i < n; ++i) {
    if (rate > 0) {
      const auto due = start + std::chrono::duration_cast<Clock::duration>(
                                   std::chrono::duration<double>(static_cast<double>(i) / rate));
      std::this_thread::sleep_until(due);
    }
    wh::Event e;
    e.id = wh::new_event_id();
    e.type = "peer.joined";
    e.time_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
    e.room_id = "bench-" + std::to_string(i % o.rooms);
    e.data_json = "{\"peerId\":\"p" + std::to_string(i) + "\",\"seq\":" + std::to_string(i) + "}";
    sent[i] = Clock::now();
    if (!sender.send(std::move(e))) throw std::runtime_error("send refused an event");
  }
  Phase p;
  wait_count(receiver, n, std::chrono::seconds(o.timeout_s));
  const auto requests = receiver.requests();
  p.cpu = cpu_seconds() - cpu0;
  p.received = requests.size();
  Clock::time_point last = start;
  for (const auto& r : requests) {
    const long seq = seq_of(r.body);
    if (seq < 0 || static_cast<std::size_t>(seq) >= n) continue;
    p.latency_us.push_back(
        std::chrono::duration<double, std::micro>(r.received - sent[static_cast<std::size_t>(seq)])
            .count());
    last = std::max(last, r.received);
  }
  p.seconds = std::chrono::duration<double>(last - start).count();
  std::sort(p.latency_us.begin(), p.latency_us.end());
  sender.stop(std::chrono::milliseconds(0));
  return p;
}

int run_sender(const Options& o) {
  const Phase paced = run_phase(o, o.events, o.rate);
  const Phase burst = run_phase(o, o.events, 0);
  const double burst_rate =
      burst.seconds > 0 ? static_cast<double>(burst.received) / burst.seconds : 0;
  std::printf(
      "{\"mode\":\"sender\",\"events\":%zu,\"rooms\":%zu,"
      "\"paced\":{\"rate\":%.0f,\"received\":%zu,\"p50_us\":%.0f,\"p99_us\":%.0f,\"max_us\":%.0f,"
      "\"cpu_us_per_event\":%.1f},"
      "\"burst\":{\"received\":%zu,\"seconds\":%.3f,\"events_per_s\":%.0f,\"p50_us\":%.0f,"
      "\"p99_us\":%.0f,\"cpu_us_per_event\":%.1f}}\n",
      o.events, o.rooms, o.rate, paced.received, quantile(paced.latency_us, 0.5),
      quantile(paced.latency_us, 0.99), paced.latency_us.empty() ? 0.0 : paced.latency_us.back(),
      paced.cpu * 1e6 / static_cast<double>(std::max<std::size_t>(1, paced.received)),
      burst.received, burst.seconds, burst_rate, quantile(burst.latency_us, 0.5),
      quantile(burst.latency_us, 0.99),
      burst.cpu * 1e6 / static_cast<double>(std::max<std::size_t>(1, burst.received)));
  return paced.received == o.events && burst.received == o.events ? 0 : 1;
}

std::atomic<bool> g_stop{false};

// A JSON field's raw text after "name": (a number or a quoted string).
std::string field(const std::string& body, const char* name) {
  const std::string key = std::string("\"") + name + "\":";
  const auto at = body.find(key);
  if (at == std::string::npos) return {};
  std::size_t b = at + key.size();
  if (b < body.size() && body[b] == '"') {
    const auto e = body.find('"', b + 1);
    return e == std::string::npos ? std::string() : body.substr(b + 1, e - b - 1);
  }
  std::size_t e = b;
  while (e < body.size() && (std::isdigit(static_cast<unsigned char>(body[e])) != 0)) ++e;
  return body.substr(b, e - b);
}

int run_receiver(const Options& o) {
  std::signal(SIGTERM, [](int) { g_stop = true; });
  std::signal(SIGINT, [](int) { g_stop = true; });
  WebhookReceiver receiver;
  {
    const std::string url = receiver.url();
    std::ofstream(o.port_file) << url.substr(url.rfind(':') + 1,
                                             url.find('/', 7) - url.rfind(':') - 1)
                               << "\n";
  }
  std::vector<double> latency_ms;
  std::map<std::string, std::size_t> by_type;
  std::set<std::string> ids;
  std::size_t seen = 0, bad_signatures = 0, repeats = 0;
  Clock::time_point first{}, last{};
  const auto give_up = Clock::now() + std::chrono::seconds(o.timeout_s);
  while (!g_stop && Clock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    for (const auto& r : receiver.requests_from(seen)) {
      ++seen;
      if (seen == 1) first = r.received;
      last = r.received;
      const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch())
                              .count();
      // The receipt's wall time, taken up to 20 ms after it, is corrected
      // by the steady clock's account of that wait.
      const double waited =
          std::chrono::duration<double, std::milli>(Clock::now() - r.received).count();
      const std::string t = field(r.body, "time");
      if (!t.empty()) latency_ms.push_back(static_cast<double>(now_ms) - waited - std::stod(t));
      ++by_type[field(r.body, "type")];
      auto sig = r.headers.find("signalmesh-signature");
      if (sig == r.headers.end() ||
          !signalmesh::test::signature_valid(sig->second, o.secret, r.body)) {
        ++bad_signatures;
      }
      if (!ids.insert(field(r.body, "id")).second) ++repeats;
    }
    if (seen > 0 && Clock::now() - last > std::chrono::milliseconds(o.idle_ms)) break;
  }
  std::sort(latency_ms.begin(), latency_ms.end());
  const double span = std::chrono::duration<double>(last - first).count();
  std::string types;
  for (const auto& [type, n] : by_type) {
    types += (types.empty() ? "" : ",") + ("\"" + type + "\":" + std::to_string(n));
  }
  std::printf(
      "{\"mode\":\"receiver\",\"received\":%zu,\"seconds\":%.3f,\"events_per_s\":%.0f,"
      "\"p50_ms\":%.1f,\"p99_ms\":%.1f,\"max_ms\":%.1f,\"bad_signatures\":%zu,\"repeated_ids\":%zu,"
      "\"types\":{%s}}\n",
      seen, span, span > 0 ? static_cast<double>(seen) / span : 0.0, quantile(latency_ms, 0.5),
      quantile(latency_ms, 0.99), latency_ms.empty() ? 0.0 : latency_ms.back(), bad_signatures,
      repeats, types.c_str());
  return seen > 0 && bad_signatures == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const Options o = parse(argc, argv);
  try {
    return o.mode == "sender" ? run_sender(o) : run_receiver(o);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "signalmesh-bench-webhooks: %s\n", e.what());
    return 1;
  }
}
