// An in-memory fan-out bus between N simulated pods, with delivery under the
// test's control. Each pod has an Endpoint (a FanoutAdapter). A publish is
// queued on one link per subscriber of the channel at that moment, the
// publisher's own included (real backends echo a pod's publishes back to it).
// A link (from, to) is FIFO, as every backend keeps per-publisher order; the
// test reorders only between links: it holds some, delivers others first,
// releases them later.
//
//   hold / release   a link queues without delivering until released
//   drop             queued envelopes of a link vanish (the rest keep order)
//   cut / heal       a partitioned pod: what it publishes and what it should
//                    receive is lost, while it still believes itself up
//   set_up           the pod's backend goes down or up: is_up() changes,
//                    then on_state runs; while down publish() fails and
//                    nothing reaches the pod (what was queued to it is lost)
//
// Nothing is delivered by itself: deliver_next / deliver_all do it, on the
// test's thread (the agreement's "loop"). Envelopes reaching a pod that is
// not subscribed to their channel any more, is cut or down, are lost; so are
// those in flight on a channel the pod unsubscribes from.
// With AGREEMENT_TEST_TRACE set, every delivery is printed ("1->0 room:r:
// SM1 L pod-b b1 left"), to follow a failing scenario.
#pragma once

#include <cstddef>
#include <deque>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "signalmesh/fanout.hpp"

namespace signalmesh::agreement_test {

struct Posted {
  std::string channel;
  std::string payload;
};

class SimulatedFanout {
 public:
  using Link = std::pair<std::size_t, std::size_t>;  // (from, to)

  class Endpoint final : public FanoutAdapter {
   public:
    Endpoint(SimulatedFanout& bus, std::size_t index) : bus_(bus), index_(index) {}

    void start(asio::io_context& loop, FanoutHandlers handlers) override;
    void stop() override { handlers_ = {}; }
    bool subscribe(const std::string& channel) override;
    bool unsubscribe(const std::string& channel) override;
    bool publish(const std::string& channel, std::string_view payload) override;
    bool is_up() const override { return up_; }
    std::string_view name() const override { return "simulated"; }

    // Attaches without a loop (what start() does; the simulation has none).
    void attach(FanoutHandlers handlers) { handlers_ = std::move(handlers); }
    bool subscribed(const std::string& channel) const { return channels_.count(channel) != 0; }
    const std::set<std::string>& channels() const { return channels_; }
    // Every envelope this pod published while up (what it said, whether or
    // not anyone received it).
    const std::vector<Posted>& published() const { return published_; }
    void clear_published() { published_.clear(); }

   private:
    friend class SimulatedFanout;
    SimulatedFanout& bus_;
    std::size_t index_;
    FanoutHandlers handlers_;
    std::set<std::string> channels_;
    std::vector<Posted> published_;
    bool up_ = false;
    bool cut_ = false;
  };

  explicit SimulatedFanout(std::size_t pods);
  SimulatedFanout(const SimulatedFanout&) = delete;
  SimulatedFanout& operator=(const SimulatedFanout&) = delete;

  std::size_t size() const { return endpoints_.size(); }
  Endpoint& endpoint(std::size_t pod) { return *endpoints_.at(pod); }
  // A new process behind the same slot: a fresh, down endpoint; envelopes in
  // flight from or to the old one are lost.
  Endpoint& replace_endpoint(std::size_t pod);

  // --- delivery
  // Delivers the link's oldest envelope, even when the link is held. False
  // when the link is empty.
  bool deliver_next(Link link);
  // Delivers round-robin over the links that are not held (one envelope per
  // link per round, new publishes included) until none has anything.
  // Returns how many envelopes it took off the links.
  std::size_t deliver_all();
  // Links that are not held and have something queued.
  std::vector<Link> deliverable() const;

  void hold(Link link) { held_.insert(link); }
  void release(Link link) { held_.erase(link); }
  // Every link into / out of `pod`, the pod's own echo excluded.
  void hold_to(std::size_t pod);
  void release_to(std::size_t pod);
  void hold_from(std::size_t pod);
  void release_from(std::size_t pod);

  // Removes the link's queued envelopes for which `which` is true (all when
  // empty); returns how many.
  std::size_t drop(Link link, const std::function<bool(const Posted&)>& which = {});
  const std::deque<Posted>& queued(Link link) const { return queue(link); }

  void cut(std::size_t pod) { endpoint(pod).cut_ = true; }
  void heal(std::size_t pod) { endpoint(pod).cut_ = false; }
  // The backend of `pod` goes up or down (is_up() first, then on_state).
  void set_up(std::size_t pod, bool up);

  // Envelopes that reached nobody: published by a cut pod, or arriving at a
  // cut, down or unsubscribed one.
  std::size_t lost() const { return lost_; }

 private:
  std::deque<Posted>& queue(Link link) { return links_[link.first * size() + link.second]; }
  const std::deque<Posted>& queue(Link link) const {
    return links_[link.first * size() + link.second];
  }
  void post(std::size_t from, const std::string& channel, std::string_view payload);

  std::vector<std::unique_ptr<Endpoint>> endpoints_;
  std::vector<std::deque<Posted>> links_;
  std::set<Link> held_;
  std::size_t lost_ = 0;
  bool trace_;  // AGREEMENT_TEST_TRACE set: every delivery's header to stderr
};

}  // namespace signalmesh::agreement_test
