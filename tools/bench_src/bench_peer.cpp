// The hot path: sending a prepared message, receiving one and accounting for
// it, the closed-loop window and the open-loop ticker.
#include <chrono>
#include <cstring>

#include "bench.hpp"

namespace sm_bench {
namespace {

constexpr auto kTick = std::chrono::microseconds(250);
constexpr int kMixLength = 21;  // one SDP, then 20 candidates

std::string_view json_string_field(std::string_view msg, std::string_view key) {
  const auto at = msg.find(key);
  if (at == std::string_view::npos) return {};
  const auto start = at + key.size();
  const auto end = msg.find('"', start);
  return end == std::string_view::npos ? std::string_view{} : msg.substr(start, end - start);
}

// The number of entries in the welcome's "peers" array (peer ids hold no
// quotes or brackets, so two quotes per entry).
std::uint32_t welcome_peer_count(std::string_view msg) {
  const std::string_view key = "\"peers\":[";
  const auto at = msg.find(key);
  if (at == std::string_view::npos) return 0;
  std::uint32_t quotes = 0;
  for (auto i = at + key.size(); i < msg.size() && msg[i] != ']'; ++i) quotes += msg[i] == '"';
  return quotes / 2;
}

}  // namespace

Peer::Peer(Worker& w, Group& g, std::uint32_t index, std::uint32_t room, std::uint32_t slot)
    : conn(w.loop, *this), worker(w), group(g), index(index), room(room), slot(slot) {
  std::memcpy(id, peer_id(index).data(), kIdLen);
}

void Peer::on_open(WsConn&) {}

void Peer::count_members(std::uint32_t added) {
  members_seen += added;
  // The echo server has no rooms: nothing to wait for.
  const bool whole_room =
      group.spec.echo || members_seen + 1 >= static_cast<std::uint32_t>(group.spec.peers);
  if (!room_complete && whole_room) {
    room_complete = true;
    ++worker.run.rooms_complete;
  }
}

void Peer::on_message(WsConn&, std::string_view msg, bool) {
  Worker& w = worker;
  if (!welcomed && msg.find("\"type\":\"welcome\"") != std::string_view::npos) {
    welcomed = true;
    const std::uint64_t now = now_ns();
    ++w.conn_stats.welcomed;
    w.conn_stats.welcome_latency.record(now - connect_start);
    w.conn_stats.last_welcome = std::max(w.conn_stats.last_welcome, now);
    ++w.run.welcomed;
    count_members(welcome_peer_count(msg));
    --w.connecting;
    asio::post(w.loop.io, [&w] { w.connect_more(); });
    return;
  }
  std::uint32_t from = 0;
  std::uint64_t seq = 0, ts = 0;
  if (parse_bx(msg, from, seq, ts) && from < w.run.peers.size()) {
    Peer& s = *w.run.peers[from];
    GroupStats& st = w.stats[static_cast<std::size_t>(s.group.id)];
    ++st.received;
    if (s.slot < expect.size()) {
      std::uint64_t& next = expect[s.slot];
      if (seq == next) {
        ++next;
      } else if (seq > next) {
        st.gaps += seq - next;
        next = seq + 1;
      } else if (st.gaps > 0) {
        --st.gaps;
        ++st.reordered;
      } else {
        ++st.duplicated;
      }
    }
    if (w.run.phase.load(std::memory_order_relaxed) == kMeasure) {
      ++st.window_delivered;
      const std::uint64_t now = now_ns() - w.run.t0;
      st.latency.record(now > ts ? now - ts : 0);
    }
    if (s.outstanding > 0) --s.outstanding;
    if (s.group.spec.rate == 0) w.pump(s);
    return;
  }
  if (msg.find("\"type\":\"peer-joined\"") != std::string_view::npos) {
    count_members(1);
    return;
  }
  if (msg.find("\"type\":\"error\"") != std::string_view::npos) {
    ++w.conn_stats.errors;
    const auto code = json_string_field(msg, "\"code\":\"");
    ++w.conn_stats.error_codes[std::string(code.empty() ? "?" : code)];
  }
}

void Peer::on_closed(WsConn&, bool, int code, std::string_view reason, std::string_view error) {
  if (done) return;
  done = true;
  Worker& w = worker;
  ConnStats& cs = w.conn_stats;
  const auto describe = [&] {
    std::string text = "peer " + std::string(id, kIdLen) + ": ";
    text += error.empty() ? "closed " + std::to_string(code) + " " + std::string(reason)
                          : std::string(error);
    return text;
  };
  if (!welcomed) {
    ++cs.failed;
    if (cs.first_failure.empty()) cs.first_failure = describe();
    ++w.run.failed;
    --w.connecting;
    asio::post(w.loop.io, [&w] { w.connect_more(); });
  } else if (w.run.phase.load() < kClosing || !conn.sent_close()) {
    ++cs.unexpected_closes;
    ++cs.close_codes[code];
    if (cs.first_failure.empty()) cs.first_failure = describe();
  }
  ++w.run.finished;
}

void Worker::connect_more() {
  if (run.stop_connecting.load() || run.phase.load() >= kClosing) return;
  while (connecting < max_connecting && next_connect < peers.size()) {
    Peer& p = *peers[next_connect++];
    ++connecting;
    const Target& t = run.targets[p.index % run.targets.size()];
    const asio::ip::address source =
        run.sources.empty() ? asio::ip::address() : run.sources[p.index % run.sources.size()];
    const std::string path = "/signal/b" + run.tag + "g" + std::to_string(p.group.id) + "r" +
                             std::to_string(p.room) + "?peerId=" + std::string(p.id, kIdLen);
    p.connect_start = now_ns();
    p.conn.start(t.endpoint, source, t.host, path);
  }
}

void Worker::send_one(Peer& p) {
  const Templates& all = p.group.templates;
  const Template* t = &all.ice;
  if (p.group.spec.payload == Payload::kSdp) {
    t = p.next_seq % 2 == 0 ? &all.offer : &all.answer;
  } else if (p.group.spec.payload == Payload::kMix && p.next_seq % kMixLength == 0) {
    t = (p.next_seq / kMixLength) % 2 == 0 ? &all.offer : &all.answer;
  }
  char* b = p.conn.begin_text(t->text.size());
  std::memcpy(b, t->text.data(), t->text.size());
  write_bx(b + t->bx_at, p.index, p.next_seq++, now_ns() - run.t0);
  if (t->sender_at != std::string::npos) std::memcpy(b + t->sender_at, p.id, kIdLen);
  if (t->target_at != std::string::npos) std::memcpy(b + t->target_at, p.target->id, kIdLen);
  p.conn.commit_text();
  p.outstanding += p.recipients;
  GroupStats& st = stats[static_cast<std::size_t>(p.group.id)];
  ++st.sent;
  st.expected += p.recipients;
  if (run.phase.load(std::memory_order_relaxed) == kMeasure) ++st.window_sent;
}

void Worker::pump(Peer& p) {
  const int phase = run.phase.load(std::memory_order_relaxed);
  if ((phase != kWarmup && phase != kMeasure) || !p.sender) return;
  if (p.conn.state() != WsConn::State::kOpen) return;
  const std::uint64_t limit = static_cast<std::uint64_t>(p.group.spec.window) * p.recipients;
  while (p.outstanding + p.recipients <= limit) send_one(p);
}

void Worker::start_traffic() {
  for (auto& p : peers) {
    if (p->group.spec.rate == 0) pump(*p);
  }
  for (std::size_t g = 0; g < tickers.size(); ++g) {
    Ticker& t = tickers[g];
    if (t.rate <= 0 || t.senders.empty()) continue;
    t.timer = std::make_unique<asio::steady_timer>(loop.io);
    t.start = now_ns();
    tick(g);
  }
}

void Worker::tick(std::size_t g) {
  Ticker& t = tickers[g];
  const int phase = run.phase.load(std::memory_order_relaxed);
  if (phase != kWarmup && phase != kMeasure) return;
  const double elapsed = static_cast<double>(now_ns() - t.start) / 1e9;
  const auto due = static_cast<std::uint64_t>(t.rate * elapsed);
  while (t.sent < due) {
    Peer& p = *t.senders[t.next++ % t.senders.size()];
    if (p.conn.state() == WsConn::State::kOpen) send_one(p);
    ++t.sent;
  }
  t.timer->expires_after(kTick);
  t.timer->async_wait([this, g](const asio::error_code& ec) {
    if (!ec) tick(g);
  });
}

std::uint64_t Worker::undelivered() const {
  std::uint64_t total = 0;
  for (const auto& st : stats) {
    const std::uint64_t got = st.received - st.duplicated;
    total += st.expected > got ? st.expected - got : 0;
  }
  return total;
}

}  // namespace sm_bench
