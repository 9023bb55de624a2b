// Setting up a run: URLs, source addresses, peers and rooms, threads, the
// connect phase, draining and closing.
#include <chrono>
#include <future>
#include <mutex>
#include <random>

#include "bench.hpp"

namespace sm_bench {
namespace {

constexpr double kCloseTimeout = 5;

bool parse_url(const std::string& url, std::string& host, std::string& port) {
  std::string rest = url.substr(5);  // after ws://
  rest = rest.substr(0, rest.find('/'));
  if (!rest.empty() && rest.front() == '[') {
    const auto end = rest.find(']');
    if (end == std::string::npos) return false;
    host = rest.substr(1, end - 1);
    port = end + 1 < rest.size() && rest[end + 1] == ':' ? rest.substr(end + 2) : "80";
  } else {
    const auto colon = rest.find(':');
    host = rest.substr(0, colon);
    port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  }
  return !host.empty() && !port.empty();
}

void sleep_s(double s) {
  std::this_thread::sleep_for(std::chrono::duration<double>(s));
}

}  // namespace

void GroupStats::merge(const GroupStats& o) {
  sent += o.sent;
  expected += o.expected;
  received += o.received;
  duplicated += o.duplicated;
  reordered += o.reordered;
  gaps += o.gaps;
  window_sent += o.window_sent;
  window_delivered += o.window_delivered;
  latency.merge(o.latency);
}

void ConnStats::merge(const ConnStats& o) {
  welcomed += o.welcomed;
  failed += o.failed;
  unexpected_closes += o.unexpected_closes;
  errors += o.errors;
  for (const auto& [k, v] : o.error_codes) error_codes[k] += v;
  for (const auto& [k, v] : o.close_codes) close_codes[k] += v;
  if (first_failure.empty()) first_failure = o.first_failure;
  welcome_latency.merge(o.welcome_latency);
  last_welcome = std::max(last_welcome, o.last_welcome);
}

bool Run::prepare(std::string& error) {
  asio::io_context io;
  asio::ip::tcp::resolver resolver(io);
  bool all_loopback = true;
  for (const auto& url : opt.urls) {
    std::string host, port;
    if (!parse_url(url, host, port)) {
      error = "cannot parse --url " + url;
      return false;
    }
    asio::error_code ec;
    const auto results = resolver.resolve(host, port, ec);
    if (ec || results.empty()) {
      error = "cannot resolve " + url + ": " + ec.message();
      return false;
    }
    Target t{results.begin()->endpoint(), host + ":" + port};
    for (const auto& r : results) {
      if (r.endpoint().address().is_v4()) t.endpoint = r.endpoint();
    }
    const auto a = t.endpoint.address();
    all_loopback = all_loopback && a.is_v4() && (a.to_v4().to_uint() >> 24) == 127;
    targets.push_back(t);
  }
  if (all_loopback && opt.source_addrs > 1) {
    for (int i = 1; i <= opt.source_addrs; ++i) {
      sources.push_back(asio::ip::make_address_v4((127u << 24) | static_cast<unsigned>(i)));
    }
  }
  std::mt19937 gen{std::random_device{}()};
  const char* digits = "0123456789abcdefghijklmnopqrstuvwxyz";
  for (int i = 0; i < 6; ++i) tag += digits[gen() % 36];
  return true;
}

void Run::build() {
  std::vector<GroupSpec> specs;
  if (opt.mode == "relay") {
    specs.push_back(opt.main);
    if (opt.hot_room > 0) {
      GroupSpec hot;
      hot.name = "hot";
      hot.rooms = 1;
      hot.peers = opt.hot_room;
      hot.broadcast = true;
      hot.rate = opt.hot_rate;
      hot.one_sender = true;
      specs.push_back(hot);
    }
  } else {  // idle, connect-storm: rooms of 2, no traffic
    GroupSpec idle;
    idle.rooms = (opt.connections + 1) / 2;
    idle.peers = 2;
    specs.push_back(idle);
  }
  for (int i = 0; i < opt.threads; ++i) {
    workers.push_back(std::make_unique<Worker>(*this, i));
    workers.back()->max_connecting = std::max(1, opt.concurrency / opt.threads);
    workers.back()->stats.resize(specs.size());
    workers.back()->tickers.resize(specs.size());
  }
  std::uint32_t index = 0;
  std::size_t room_counter = 0;
  int remaining = opt.mode == "relay" ? -1 : opt.connections;
  for (std::size_t gi = 0; gi < specs.size(); ++gi) {
    auto group = std::make_unique<Group>();
    group->spec = specs[gi];
    group->id = static_cast<int>(gi);
    group->templates = make_templates(!group->spec.broadcast, opt.sender_id);
    for (int r = 0; r < group->spec.rooms; ++r) {
      Worker& w = *workers[room_counter++ % workers.size()];
      int size = group->spec.peers;
      if (remaining >= 0) size = std::min(size, remaining), remaining -= size;
      const std::size_t first = w.peers.size();
      for (int s = 0; s < size; ++s) {
        auto p = std::make_unique<Peer>(w, *group, index++, static_cast<std::uint32_t>(r),
                                        static_cast<std::uint32_t>(s));
        p->sender = !group->spec.one_sender || s == 0;
        p->recipients =
            group->spec.broadcast && !group->spec.echo ? static_cast<std::uint32_t>(size - 1) : 1;
        p->expect.assign(group->spec.one_sender ? 1 : static_cast<std::size_t>(size), 0);
        if (p->sender) ++group->senders;
        if (p->sender && group->spec.rate > 0) w.tickers[gi].senders.push_back(p.get());
        peers.push_back(p.get());
        w.peers.push_back(std::move(p));
      }
      for (int s = 0; s < size; ++s) {
        const int next = group->spec.echo ? s : (s + 1) % size;
        w.peers[first + s]->target = w.peers[first + next].get();
      }
    }
    for (auto& w : workers) {
      auto& t = w->tickers[gi];
      if (group->senders > 0) {
        t.rate = group->spec.rate * static_cast<double>(t.senders.size()) / group->senders;
      }
    }
    groups.push_back(std::move(group));
  }
}

void Run::start_threads() {
  running = true;
  for (auto& w : workers) {
    Worker* wp = w.get();
    wp->thread = std::thread([wp] {
      auto guard = asio::make_work_guard(wp->loop.io);
      wp->loop.io.run();
    });
  }
}

void Run::on_each(const std::function<void(Worker&)>& fn) {
  std::vector<std::future<void>> done;
  for (auto& w : workers) {
    auto task = std::make_shared<std::packaged_task<void()>>([&fn, wp = w.get()] { fn(*wp); });
    done.push_back(task->get_future());
    asio::post(w->loop.io, [task] { (*task)(); });
  }
  for (auto& f : done) f.get();
}

void Run::connect_all() {
  const int total = static_cast<int>(peers.size());
  on_each([](Worker& w) { w.connect_more(); });
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(opt.timeout);
  while (welcomed.load() + failed.load() < total && std::chrono::steady_clock::now() < deadline) {
    sleep_s(0.002);
  }
  if (welcomed.load() + failed.load() < total) {
    stop_connecting = true;
    on_each([](Worker& w) {
      for (auto& p : w.peers) {
        if (p->conn.state() == WsConn::State::kIdle && !p->done) {
          p->done = true;
          ++w.conn_stats.failed;
          ++w.run.failed;
          ++w.run.finished;
        } else if (!p->welcomed && !p->done) {
          p->conn.abort("timeout waiting for the welcome");
        }
      }
    });
  }
}

bool Run::await_complete_rooms(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (rooms_complete.load() < welcomed.load()) {
    if (std::chrono::steady_clock::now() >= deadline) return false;
    sleep_s(0.002);
  }
  return true;
}

void Run::drain(double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    std::atomic<std::uint64_t> left{0};
    on_each([&left](Worker& w) { left += w.undelivered(); });
    if (left.load() == 0) return;
    sleep_s(0.02);
  }
}

void Run::close_all() {
  phase = kClosing;
  on_each([](Worker& w) {
    for (auto& p : w.peers) {
      if (p->done) continue;
      if (p->conn.state() == WsConn::State::kIdle) {
        p->done = true;
        ++w.run.finished;
      } else {
        p->conn.close(1000, "bench done");
      }
    }
  });
  const int total = static_cast<int>(peers.size());
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(kCloseTimeout);
  while (finished.load() < total && std::chrono::steady_clock::now() < deadline) sleep_s(0.005);
  on_each([](Worker& w) {
    for (auto& p : w.peers) {
      if (!p->done) p->conn.abort("no close from the server");
    }
  });
  for (auto& w : workers) {
    w->loop.io.stop();
    w->thread.join();
  }
  running = false;
}

ConnStats Run::conn_stats() {
  ConnStats all;
  std::mutex mutex;
  const auto add = [&](Worker& w) {
    std::lock_guard<std::mutex> lock(mutex);
    all.merge(w.conn_stats);
  };
  if (running) {
    on_each(add);
  } else {
    for (auto& w : workers) add(*w);
  }
  return all;
}

std::vector<GroupStats> Run::group_stats() const {
  std::vector<GroupStats> all(groups.size());
  for (const auto& w : workers) {
    for (std::size_t g = 0; g < all.size(); ++g) all[g].merge(w->stats[g]);
  }
  return all;
}

}  // namespace sm_bench
