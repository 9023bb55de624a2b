// Two or three simulated gateway pods: each SimPod is one cluster::Agreement
// with its endpoint on a shared SimulatedFanout, its own metrics, a view of
// the shared FakeClock (optionally with a skewed wall clock) and the
// participants of its clients. A Cluster drives them like one event loop:
// settle() delivers every envelope that can be delivered and runs what was
// posted (a server-side close posts the connection's withdrawal, as the
// gateway does) until nothing is left; advance() lets time pass, timer by
// timer, settling after each.
#pragma once

#include <chrono>
#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "agreement/fake_clock.hpp"
#include "agreement/fake_participant.hpp"
#include "agreement/simulated_fanout.hpp"
#include "cluster/agreement.hpp"

namespace signalmesh::agreement_test {

class Cluster;

class SimPod {
 public:
  SimPod(Cluster& cluster, std::size_t index, cluster::AgreementSettings settings);
  ~SimPod();

  const std::string& id() const { return settings_.pod_id; }
  std::size_t index() const { return index_; }
  cluster::Agreement& agreement() { return *agreement_; }
  bool running() const { return agreement_ != nullptr; }
  Metrics& metrics() { return *metrics_; }
  SimulatedFanout::Endpoint& fanout();
  SkewedClock& clock() { return clock_; }

  // A new process: Agreement::start, then its backend comes up.
  void start();
  // The process dies: it says nothing more, and its connections vanish.
  void crash();
  // crash(), then a new process under the same pod id (a new incarnation).
  void restart();

  // A client asks to join `room` (admitted now or after the room's sync).
  FakeParticipant& connect(const std::string& peer, const std::string& room);
  // The client closed its connection (or timed out: reason "timeout").
  void disconnect(FakeParticipant& p, const char* reason = "left");
  // What the gateway does for an accepted host-change / kick / relay from
  // `from` (a member; the target must be a member of its room).
  void hand_off(FakeParticipant& host, const std::string& target);
  void kick(FakeParticipant& host, const std::string& target);
  // sdp (RelayKind::kSdp) or ice to `target`, or to everyone ("*"), as the
  // gateway sends it: locally to local members, through the agreement to
  // the other pods. False when the backend refused.
  bool relay(FakeParticipant& from, const std::string& target,
             cluster::RelayKind kind = cluster::RelayKind::kSdp);

  // This pod's view of a room: member ids oldest first, and the host.
  std::vector<std::string> members(const std::string& room);
  std::string host(const std::string& room);
  // "a1,b1 host=a1", or "-" when the pod does not follow the room.
  std::string view(const std::string& room);
  // The same with the ids sorted (to compare with FakeParticipant::client_view).
  std::string sorted_view(const std::string& room);
  bool follows(const std::string& room);
  // The pod is still collecting the room's member lists.
  bool syncing(const std::string& room);

 private:
  Cluster& cluster_;
  std::size_t index_;
  cluster::AgreementSettings settings_;
  SkewedClock clock_;
  FakeFrameMaker frames_;
  std::unique_ptr<Metrics> metrics_;
  std::unique_ptr<cluster::Agreement> agreement_;
  std::vector<std::unique_ptr<FakeParticipant>> participants_;
};

class Cluster {
 public:
  // Pods named pod-a, pod-b, pod-c...; none started.
  explicit Cluster(std::size_t pods, cluster::AgreementSettings base = {});
  ~Cluster();

  SimPod& pod(std::size_t i) { return *pods_.at(i); }
  SimPod& a() { return pod(0); }
  SimPod& b() { return pod(1); }
  SimPod& c() { return pod(2); }
  FakeClock& clock() { return clock_; }
  SimulatedFanout& bus() { return bus_; }
  const cluster::AgreementSettings& settings() const { return base_; }

  // Starts every pod and lets the discovery window pass: everyone knows
  // everyone.
  void start_all();
  void post(std::function<void()> task) { posted_.push_back(std::move(task)); }
  // Delivers and runs posted tasks until nothing deliverable is left.
  void settle();
  // Like settle(), but in an order drawn from `rng`: any deliverable link
  // (each still FIFO) or the posted queue, one step at a time.
  void settle_randomly(std::mt19937& rng);
  // One step of that: false when nothing was deliverable or posted.
  bool step_randomly(std::mt19937& rng);
  // Time passes; every timer falls due in order, each followed by settle().
  void advance(std::chrono::milliseconds by);
  // Every running pod's view of the room: "pod-a: a1,b1 host=a1 | pod-b: ...".
  std::string views(const std::string& room);

 private:
  bool run_posted();

  // Declared first: destroyed last (the pods' agreements use them).
  FakeClock clock_;
  SimulatedFanout bus_;
  cluster::AgreementSettings base_;
  std::deque<std::function<void()>> posted_;
  std::vector<std::unique_ptr<SimPod>> pods_;
};

// A client frame as the gateway relays it (senderId filled in).
std::string client_frame(std::string_view type, std::string_view from, std::string_view target);

}  // namespace signalmesh::agreement_test
