#include "agreement/fake_clock.hpp"

namespace signalmesh::agreement_test {

// Destroying the timer removes its entry (a no-op once it fired). It holds
// the clock's state weakly, so a timer may outlive the clock harmlessly.
class FakeClock::FakeTimer final : public cluster::Timer {
 public:
  FakeTimer(std::weak_ptr<State> state, Key key) : state_(std::move(state)), key_(key) {}
  ~FakeTimer() override {
    if (auto state = state_.lock()) state->timers.erase(key_);
  }

 private:
  std::weak_ptr<State> state_;
  Key key_;
};

FakeClock::FakeClock() : state_(std::make_shared<State>()) {
  // Far from the steady clock's zero, so `now - window` never underflows.
  state_->now = Time(std::chrono::hours(24));
  origin_ = state_->now;
}

FakeClock::~FakeClock() = default;

cluster::Clock::Time FakeClock::now() const {
  return state_->now;
}

std::uint64_t FakeClock::unix_us() const {
  return kUnixStartUs +
         static_cast<std::uint64_t>(
             std::chrono::duration_cast<std::chrono::microseconds>(elapsed()).count());
}

std::unique_ptr<cluster::Timer> FakeClock::start_timer(Duration delay, std::function<void()> fn) {
  if (delay < Duration::zero()) delay = Duration::zero();
  const Key key{state_->now + delay, state_->next_seq++};
  state_->timers.emplace(key, std::move(fn));
  return std::make_unique<FakeTimer>(state_, key);
}

void FakeClock::advance(Duration by) {
  const Time until = state_->now + by;
  while (!state_->timers.empty() && state_->timers.begin()->first.first <= until) {
    // Taken out before it runs: the function may destroy its own timer
    // (erasing nothing then) or start new ones.
    auto node = state_->timers.extract(state_->timers.begin());
    state_->now = node.key().first;
    node.mapped()();
  }
  state_->now = until;
}

std::optional<cluster::Clock::Time> FakeClock::next_due() const {
  if (state_->timers.empty()) return std::nullopt;
  return state_->timers.begin()->first.first;
}

std::size_t FakeClock::pending_timers() const {
  return state_->timers.size();
}

cluster::Clock::Duration FakeClock::elapsed() const {
  return state_->now - origin_;
}

}  // namespace signalmesh::agreement_test
