#include "agreement/sim_cluster.hpp"

#include <gtest/gtest.h>

#include <algorithm>

namespace signalmesh::agreement_test {

std::string client_frame(std::string_view type, std::string_view from, std::string_view target) {
  std::string out = "{\"type\":\"";
  out += type;
  out += "\",\"senderId\":\"";
  out += from;
  out += '"';
  if (!target.empty() && target != cluster::Relay::kBroadcast) {
    out += ",\"targetId\":\"";
    out += target;
    out += '"';
  }
  out += '}';
  return out;
}

SimPod::SimPod(Cluster& cluster, std::size_t index, cluster::AgreementSettings settings)
    : cluster_(cluster), index_(index), settings_(std::move(settings)), clock_(cluster.clock()) {}

SimPod::~SimPod() {
  agreement_.reset();
}

SimulatedFanout::Endpoint& SimPod::fanout() {
  return cluster_.bus().endpoint(index_);
}

void SimPod::start() {
  metrics_ = std::make_unique<Metrics>();
  agreement_ =
      std::make_unique<cluster::Agreement>(settings_, fanout(), clock_, frames_, *metrics_);
  fanout().attach({[this](std::string_view channel, std::string_view payload) {
                     agreement_->on_envelope(channel, payload);
                   },
                   [this](bool up) { agreement_->on_backend_state(up); }});
  agreement_->start();
  cluster_.bus().set_up(index_, true);
}

void SimPod::crash() {
  agreement_.reset();
  cluster_.bus().replace_endpoint(index_);
  for (auto& p : participants_) p->gone = true;
}

void SimPod::restart() {
  crash();
  start();
}

FakeParticipant& SimPod::connect(const std::string& peer, const std::string& room) {
  participants_.push_back(std::make_unique<FakeParticipant>(peer, [this](FakeParticipant& p) {
    // Gateway::Impl::close: the withdrawal is posted, it never re-enters.
    cluster_.post([this, &p] {
      if (!p.gone) agreement_->withdraw(p);
    });
  }));
  FakeParticipant& p = *participants_.back();
  agreement_->request_admission(p, room);
  return p;
}

void SimPod::disconnect(FakeParticipant& p, const char* reason) {
  p.leave_reason = reason;
  p.gone = true;  // nothing reaches a closed connection's client any more
  agreement_->withdraw(p);
}

void SimPod::hand_off(FakeParticipant& host, const std::string& target) {
  ASSERT_TRUE(host.is_member && host.room != nullptr) << host.peer_id << " is not a member";
  ASSERT_EQ(host.room->host(), host.peer_id) << "the gateway refuses not-host";
  Member* m = host.room->find(target);
  ASSERT_NE(m, nullptr) << target << " is not a member on " << id();
  agreement_->change_host(host, *m);
}

void SimPod::kick(FakeParticipant& host, const std::string& target) {
  ASSERT_TRUE(host.is_member && host.room != nullptr) << host.peer_id << " is not a member";
  ASSERT_EQ(host.room->host(), host.peer_id) << "the gateway refuses not-host";
  Member* m = host.room->find(target);
  ASSERT_NE(m, nullptr) << target << " is not a member on " << id();
  const std::string body = client_frame("kick", host.peer_id, target);
  agreement_->kick(host, *m, frames_.make_frame(body), body);
}

bool SimPod::relay(FakeParticipant& from, const std::string& target, cluster::RelayKind kind) {
  EXPECT_TRUE(from.is_member && from.room != nullptr) << from.peer_id << " is not a member";
  if (!from.is_member || from.room == nullptr) return false;
  Room& room = *from.room;
  const std::string body =
      client_frame(kind == cluster::RelayKind::kIce ? "ice" : "sdp", from.peer_id, target);
  const MetricType type = kind == cluster::RelayKind::kIce ? MetricType::kIce : MetricType::kSdp;
  if (target != cluster::Relay::kBroadcast) {
    Member* to = room.find(target);
    EXPECT_NE(to, nullptr) << target << " is not a member on " << id();
    if (to == nullptr) return false;
    if (to->participant != nullptr) {
      to->participant->deliver(frames_.make_frame(body), type);
      return true;
    }
    return agreement_->relay_out(room, from.peer_id, target, kind, body);
  }
  const auto frame = frames_.make_frame(body);
  for (const auto& m : room.members()) {
    if (m.participant != nullptr && m.participant != &from) m.participant->deliver(frame, type);
  }
  const bool has_remote = room.size() > room.local_count();
  return !has_remote || agreement_->relay_out(room, from.peer_id, target, kind, body);
}

bool SimPod::follows(const std::string& room) {
  return running() && agreement_->find_room(room) != nullptr;
}

bool SimPod::syncing(const std::string& room) {
  return follows(room) && agreement_->is_syncing(*agreement_->find_room(room));
}

std::vector<std::string> SimPod::members(const std::string& room) {
  std::vector<std::string> out;
  if (!follows(room)) return out;
  for (const auto& m : agreement_->find_room(room)->members()) out.push_back(m.peer_id);
  return out;
}

std::string SimPod::host(const std::string& room) {
  return follows(room) ? std::string(agreement_->find_room(room)->host()) : std::string();
}

std::string SimPod::view(const std::string& room) {
  if (!follows(room)) return "-";
  std::string out;
  for (const auto& id : members(room)) out += (out.empty() ? "" : ",") + id;
  return out + " host=" + host(room);
}

std::string SimPod::sorted_view(const std::string& room) {
  if (!follows(room)) return "-";
  auto ids = members(room);
  std::sort(ids.begin(), ids.end());
  std::string out;
  for (const auto& id : ids) out += (out.empty() ? "" : ",") + id;
  return out + " host=" + host(room);
}

Cluster::Cluster(std::size_t pods, cluster::AgreementSettings base)
    : bus_(pods), base_(std::move(base)) {
  for (std::size_t i = 0; i < pods; ++i) {
    cluster::AgreementSettings settings = base_;
    settings.pod_id = std::string("pod-") + static_cast<char>('a' + i);
    pods_.push_back(std::make_unique<SimPod>(*this, i, std::move(settings)));
  }
}

Cluster::~Cluster() {
  pods_.clear();
}

void Cluster::start_all() {
  for (auto& pod : pods_) pod->start();
  settle();
  advance(std::chrono::duration_cast<std::chrono::milliseconds>(base_.discovery_window));
}

bool Cluster::run_posted() {
  if (posted_.empty()) return false;
  auto task = std::move(posted_.front());
  posted_.pop_front();
  task();
  return true;
}

void Cluster::settle() {
  for (;;) {
    const bool delivered = bus_.deliver_all() != 0;
    bool ran = false;
    while (run_posted()) ran = true;
    if (!delivered && !ran) return;
  }
}

bool Cluster::step_randomly(std::mt19937& rng) {
  const auto links = bus_.deliverable();
  const std::size_t choices = links.size() + (posted_.empty() ? 0 : 1);
  if (choices == 0) return false;
  const std::size_t pick = std::uniform_int_distribution<std::size_t>(0, choices - 1)(rng);
  if (pick < links.size()) {
    bus_.deliver_next(links[pick]);
  } else {
    run_posted();
  }
  return true;
}

void Cluster::settle_randomly(std::mt19937& rng) {
  while (step_randomly(rng)) {
  }
}

void Cluster::advance(std::chrono::milliseconds by) {
  const auto until = clock_.now() + by;
  settle();
  while (auto due = clock_.next_due()) {
    if (*due > until) break;
    clock_.advance(*due - clock_.now());
    settle();
  }
  clock_.advance(until - clock_.now());
  settle();
}

std::string Cluster::views(const std::string& room) {
  std::string out;
  for (auto& pod : pods_) {
    if (!pod->running()) continue;
    if (!out.empty()) out += " | ";
    out += pod->id() + ": " + pod->view(room);
  }
  return out;
}

}  // namespace signalmesh::agreement_test
