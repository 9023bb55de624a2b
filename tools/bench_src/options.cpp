#include "options.hpp"

#include <cstdlib>
#include <functional>
#include <map>

namespace sm_bench {
namespace {

constexpr const char* kHelp = R"(Usage: signalmesh-bench --url ws://HOST:PORT [--url ...] [options]

Load generator for signalmesh (raw Asio, minimal RFC 6455 client).
Prints one human summary line and one JSON line (--json: only the JSON).

Modes:
  --mode relay          N rooms x P peers relay messages (default)
  --mode idle           --connections N joined to rooms of 2 and held for
                        --duration; reports server RSS per connection
  --mode connect-storm  --connections N connects + welcome, as fast as
                        possible (at most --concurrency at once)
  --mode echo-server --port N   a trivial WebSocket echo on 127.0.0.1 (no
                        JSON, no rooms) to measure the generator's ceiling
                        with --pattern echo
Relay options:
  --rooms N --peers P   rooms and peers per room (100 x 4)
  --pattern targeted|broadcast|echo   each peer to the next in its room, to
                        all others, or to itself (echo server only)
  --payload ice|sdp|mix ICE ~260 B, SDP ~5 KB, or call setup (per sender:
                        an offer or answer then 20 candidates; 42 messages
                        make one call setup)
  --rate N              open loop: N msgs/s offered in total
  --window K            closed loop: at most K messages in flight per sender (4)
  --one-sender          only the first peer of each room sends
  --hot-room M          add one room of M members whose first member
                        broadcasts ICE at --hot-rate msgs/s (10); reported apart
  --warmup S --duration S --drain S   (2, 10, 5 seconds; the drain ends
                        early once every delivery arrived: what has not
                        arrived by then counts as lost)
  --no-sender-id        leave senderId out (the server then adds it)
Common:
  --url URL             ws://HOST:PORT, repeatable: peers spread round-robin
  --threads N           event loops (rooms are split between them) (1)
  --connections N --concurrency C --timeout S   (1000, 128, 15)
  --source-addrs N      bind connections to 127.0.0.1..N (loopback only) (8)
  --server-pid PID      repeatable: report the servers' CPU and RSS
  --label TEXT          copied into the JSON
  --json                print only the JSON line
)";

bool to_int(const std::string& v, int& out, int min) {
  char* end = nullptr;
  const long x = std::strtol(v.c_str(), &end, 10);
  if (v.empty() || *end != '\0' || x < min || x > 100000000) return false;
  out = static_cast<int>(x);
  return true;
}

bool to_double(const std::string& v, double& out, double min) {
  char* end = nullptr;
  const double x = std::strtod(v.c_str(), &end);
  if (v.empty() || *end != '\0' || !(x >= min)) return false;
  out = x;
  return true;
}

}  // namespace

bool parse_options(int argc, char** argv, Options& o, std::string& message, int& exit_code) {
  using Setter = std::function<bool(const std::string&)>;
  GroupSpec& g = o.main;
  const std::map<std::string, Setter> with_value = {
      {"mode",
       [&](const std::string& v) {
         o.mode = v;
         return v == "relay" || v == "idle" || v == "connect-storm" || v == "echo-server";
       }},
      {"url",
       [&](const std::string& v) {
         o.urls.push_back(v);
         return v.rfind("ws://", 0) == 0;
       }},
      {"rooms", [&](const std::string& v) { return to_int(v, g.rooms, 1); }},
      {"peers", [&](const std::string& v) { return to_int(v, g.peers, 2); }},
      {"pattern",
       [&](const std::string& v) {
         g.broadcast = v == "broadcast";
         g.echo = v == "echo";
         return v == "targeted" || v == "broadcast" || v == "echo";
       }},
      {"payload",
       [&](const std::string& v) {
         g.payload = v == "sdp" ? Payload::kSdp : v == "mix" ? Payload::kMix : Payload::kIce;
         return v == "ice" || v == "sdp" || v == "mix";
       }},
      {"rate", [&](const std::string& v) { return to_double(v, g.rate, 0.001); }},
      {"window", [&](const std::string& v) { return to_int(v, g.window, 1); }},
      {"hot-room", [&](const std::string& v) { return to_int(v, o.hot_room, 2); }},
      {"hot-rate", [&](const std::string& v) { return to_double(v, o.hot_rate, 0.001); }},
      {"warmup", [&](const std::string& v) { return to_double(v, o.warmup, 0); }},
      {"duration", [&](const std::string& v) { return to_double(v, o.duration, 0.1); }},
      {"drain", [&](const std::string& v) { return to_double(v, o.drain, 0); }},
      {"timeout", [&](const std::string& v) { return to_double(v, o.timeout, 0.1); }},
      {"threads", [&](const std::string& v) { return to_int(v, o.threads, 1); }},
      {"connections", [&](const std::string& v) { return to_int(v, o.connections, 1); }},
      {"concurrency", [&](const std::string& v) { return to_int(v, o.concurrency, 1); }},
      {"source-addrs", [&](const std::string& v) { return to_int(v, o.source_addrs, 1); }},
      {"server-pid",
       [&](const std::string& v) {
         int pid = 0;
         if (!to_int(v, pid, 1)) return false;
         o.server_pids.push_back(pid);
         return true;
       }},
      {"port", [&](const std::string& v) { return to_int(v, o.port, 0) && o.port < 65536; }},
      {"label",
       [&](const std::string& v) {
         o.label = v;
         return true;
       }},
  };
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      message = kHelp;
      exit_code = 0;
      return false;
    }
    exit_code = 2;
    if (arg == "--json") {
      o.json = true;
      continue;
    }
    if (arg == "--one-sender") {
      g.one_sender = true;
      continue;
    }
    if (arg == "--no-sender-id") {
      o.sender_id = false;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      message = "unexpected argument '" + arg + "' (try --help)";
      return false;
    }
    std::string name = arg.substr(2), value;
    const auto eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name.resize(eq);
    }
    const auto it = with_value.find(name);
    if (it == with_value.end()) {
      message = "unknown option --" + name + " (try --help)";
      return false;
    }
    if (!inline_value) {
      if (i + 1 >= argc) {
        message = "--" + name + " needs a value";
        return false;
      }
      value = argv[++i];
    }
    if (!it->second(value)) {
      message = "bad value '" + value + "' for --" + name + " (see --help)";
      return false;
    }
  }
  if (o.urls.empty() && o.mode != "echo-server") {
    message = "at least one --url ws://HOST:PORT is required (try --help)";
    exit_code = 2;
    return false;
  }
  return true;
}

}  // namespace sm_bench
