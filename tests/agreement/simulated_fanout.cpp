#include "agreement/simulated_fanout.hpp"

#include <cstdio>
#include <cstdlib>
#include <stdexcept>

namespace signalmesh::agreement_test {

void SimulatedFanout::Endpoint::start(asio::io_context&, FanoutHandlers handlers) {
  attach(std::move(handlers));
}

bool SimulatedFanout::Endpoint::subscribe(const std::string& channel) {
  return channels_.insert(channel).second;
}

bool SimulatedFanout::Endpoint::unsubscribe(const std::string& channel) {
  if (channels_.erase(channel) == 0) return false;
  // What was on its way on that channel is dropped by the adapter (Redis
  // and the local hub filter by their current channels), so a later
  // subscription never replays the old one's envelopes.
  for (std::size_t from = 0; from < bus_.size(); ++from) {
    bus_.drop({from, index_}, [&](const Posted& p) { return p.channel == channel; });
  }
  return true;
}

bool SimulatedFanout::Endpoint::publish(const std::string& channel, std::string_view payload) {
  if (!up_) return false;
  published_.push_back({channel, std::string(payload)});
  if (cut_) {
    ++bus_.lost_;
    return true;  // it cannot tell: the envelope simply never arrives
  }
  bus_.post(index_, channel, payload);
  return true;
}

SimulatedFanout::SimulatedFanout(std::size_t pods)
    : links_(pods * pods), trace_(std::getenv("AGREEMENT_TEST_TRACE") != nullptr) {
  for (std::size_t i = 0; i < pods; ++i) endpoints_.push_back(std::make_unique<Endpoint>(*this, i));
}

SimulatedFanout::Endpoint& SimulatedFanout::replace_endpoint(std::size_t pod) {
  for (std::size_t other = 0; other < size(); ++other) {
    lost_ += queue({pod, other}).size() + (other == pod ? 0 : queue({other, pod}).size());
    queue({pod, other}).clear();
    queue({other, pod}).clear();
  }
  endpoints_.at(pod) = std::make_unique<Endpoint>(*this, pod);
  return *endpoints_[pod];
}

void SimulatedFanout::post(std::size_t from, const std::string& channel, std::string_view payload) {
  for (std::size_t to = 0; to < size(); ++to) {
    const Endpoint& ep = *endpoints_[to];
    if (!ep.subscribed(channel)) continue;
    if (ep.cut_ || !ep.up_) {
      ++lost_;  // nothing reaches a pod that is cut off or whose backend is down
      continue;
    }
    queue({from, to}).push_back({channel, std::string(payload)});
  }
}

bool SimulatedFanout::deliver_next(Link link) {
  auto& q = queue(link);
  if (q.empty()) return false;
  // Off the link before the handler runs: it may publish onto this link.
  const Posted envelope = std::move(q.front());
  q.pop_front();
  Endpoint& to = *endpoints_[link.second];
  if (to.cut_ || !to.up_ || !to.subscribed(envelope.channel) || !to.handlers_.on_message) {
    ++lost_;
    return true;
  }
  if (trace_) {
    std::fprintf(stderr, "  %zu->%zu %s: %.*s\n", link.first, link.second, envelope.channel.c_str(),
                 static_cast<int>(envelope.payload.find('\n')), envelope.payload.c_str());
  }
  to.handlers_.on_message(envelope.channel, envelope.payload);
  return true;
}

std::vector<SimulatedFanout::Link> SimulatedFanout::deliverable() const {
  std::vector<Link> out;
  for (std::size_t from = 0; from < size(); ++from) {
    for (std::size_t to = 0; to < size(); ++to) {
      if (!queue({from, to}).empty() && held_.count({from, to}) == 0) out.emplace_back(from, to);
    }
  }
  return out;
}

std::size_t SimulatedFanout::deliver_all() {
  std::size_t delivered = 0;
  for (;;) {
    const auto links = deliverable();
    if (links.empty()) return delivered;
    for (const auto& link : links) {
      if (held_.count(link) == 0 && deliver_next(link)) ++delivered;
    }
  }
}

void SimulatedFanout::hold_to(std::size_t pod) {
  for (std::size_t from = 0; from < size(); ++from) {
    if (from != pod) hold({from, pod});
  }
}

void SimulatedFanout::release_to(std::size_t pod) {
  for (std::size_t from = 0; from < size(); ++from) release({from, pod});
}

void SimulatedFanout::hold_from(std::size_t pod) {
  for (std::size_t to = 0; to < size(); ++to) {
    if (to != pod) hold({pod, to});
  }
}

void SimulatedFanout::release_from(std::size_t pod) {
  for (std::size_t to = 0; to < size(); ++to) release({pod, to});
}

std::size_t SimulatedFanout::drop(Link link, const std::function<bool(const Posted&)>& which) {
  auto& q = queue(link);
  std::size_t dropped = 0;
  for (auto it = q.begin(); it != q.end();) {
    if (!which || which(*it)) {
      it = q.erase(it);
      ++dropped;
    } else {
      ++it;
    }
  }
  lost_ += dropped;
  return dropped;
}

void SimulatedFanout::set_up(std::size_t pod, bool up) {
  Endpoint& ep = endpoint(pod);
  if (ep.up_ == up) throw std::logic_error("set_up: the backend is already in that state");
  ep.up_ = up;
  if (!up) {
    // What was on its way to the pod went with its connection.
    for (std::size_t from = 0; from < size(); ++from) lost_ += drop({from, pod});
  }
  if (ep.handlers_.on_state) ep.handlers_.on_state(up);
}

}  // namespace signalmesh::agreement_test
