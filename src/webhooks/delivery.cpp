// The delivery thread: every URL's queues over one CURLM (webhook_sender.hpp).
#include "webhooks/delivery.hpp"

#include <algorithm>

namespace signalmesh::webhooks {

using std::chrono::milliseconds;

Delivery::~Delivery() {
  for (auto& t : transfers_) {
    if (t->active) curl_multi_remove_handle(impl_.multi, t->easy);
    curl_slist_free_all(t->headers);
    curl_easy_cleanup(t->easy);
  }
  // What is left was not delivered by the end of the drain.
  std::lock_guard<std::mutex> lock(impl_.mu);
  for (std::size_t u = 0; u < targets_.size(); ++u) {
    for (auto& [id, room] : targets_[u].rooms) {
      for (Item& item : room.items) impl_.settle_locked(*item.rec, u, UrlState::dropped, kStopped);
    }
  }
}

void Delivery::enqueue(const std::shared_ptr<EventRecord>& rec) {
  for (std::size_t u = 0; u < targets_.size(); ++u) {
    if (!rec->accepted[u]) continue;
    Target& target = targets_[u];
    Room& room = target.rooms[rec->room_id];
    if (room.items.empty()) target.ready.push_back(rec->room_id);
    room.items.push_back(Item{rec, 0});
    ++outstanding_;
  }
}

void Delivery::fire_timers(Clock::time_point now) {
  while (!timers_.empty() && timers_.begin()->first <= now) {
    auto [target, room_id] = std::move(timers_.begin()->second);
    timers_.erase(timers_.begin());
    targets_[target].rooms[room_id].busy = false;
    targets_[target].ready.push_back(std::move(room_id));
  }
}

void Delivery::start_transfers() {
  for (std::size_t u = 0; u < targets_.size(); ++u) {
    Target& target = targets_[u];
    while (!target.ready.empty() && target.in_flight < impl_.settings.max_in_flight) {
      std::string room_id = std::move(target.ready.front());
      target.ready.pop_front();
      if (!start(u, room_id)) failed(u, target.rooms[room_id], room_id);
    }
  }
}

bool Delivery::start(std::size_t target, const std::string& room_id) {
  Room& room = targets_[target].rooms[room_id];
  room.busy = true;
  Item& item = room.items.front();
  ++item.attempts;
  {
    std::lock_guard<std::mutex> lock(impl_.mu);
    item.rec->attempts[target] = item.attempts;
  }
  Transfer* t = nullptr;
  if (!idle_transfers_.empty()) {
    t = idle_transfers_.back();
    idle_transfers_.pop_back();
    curl_easy_reset(t->easy);
  } else {
    CURL* easy = curl_easy_init();
    if (easy == nullptr) return false;
    transfers_.push_back(std::make_unique<Transfer>());
    t = transfers_.back().get();
    t->easy = easy;
  }
  t->headers = prepare_post(t->easy, impl_.settings, target, *item.rec, t);
  if (t->headers == nullptr) {
    idle_transfers_.push_back(t);
    return false;
  }
  t->target = target;
  t->room = room_id;
  if (curl_multi_add_handle(impl_.multi, t->easy) != CURLM_OK) {
    curl_slist_free_all(t->headers);
    t->headers = nullptr;
    idle_transfers_.push_back(t);
    return false;
  }
  t->active = true;
  ++targets_[target].in_flight;
  ++in_flight_;
  return true;
}

void Delivery::finished(Transfer& t, CURLcode result) {
  long code = 0;
  curl_easy_getinfo(t.easy, CURLINFO_RESPONSE_CODE, &code);
  curl_multi_remove_handle(impl_.multi, t.easy);
  curl_slist_free_all(t.headers);
  t.headers = nullptr;
  t.active = false;
  idle_transfers_.push_back(&t);
  --targets_[t.target].in_flight;
  --in_flight_;
  Room& room = targets_[t.target].rooms[t.room];
  if (result == CURLE_OK && code >= 200 && code < 300) {
    settle_head(t.target, t.room, UrlState::delivered, kStopped);
  } else {
    failed(t.target, room, t.room);
  }
}

void Delivery::failed(std::size_t target, Room& room, const std::string& room_id) {
  const Item& item = room.items.front();
  if (item.attempts >= impl_.settings.max_attempts) {
    settle_head(target, room_id, UrlState::dropped, kAttempts);
    return;
  }
  const Clock::time_point at = Clock::now() + backoff(item.attempts);
  if (stopping_ && at > deadline_) {
    settle_head(target, room_id, UrlState::dropped, kStopped);
    return;
  }
  {
    std::lock_guard<std::mutex> lock(impl_.mu);
    item.rec->states[target] = UrlState::retrying;
    ++impl_.stats[target].retries;
  }
  timers_.emplace(at, std::make_pair(target, room_id));
}

void Delivery::settle_head(std::size_t target, const std::string& room_id, UrlState state,
                           DropReason reason) {
  Target& t = targets_[target];
  auto it = t.rooms.find(room_id);
  Room& room = it->second;
  {
    EventRecord& rec = *room.items.front().rec;
    std::lock_guard<std::mutex> lock(impl_.mu);
    impl_.settle_locked(rec, target, state, reason);
    if (state == UrlState::delivered) {
      UrlStats& st = impl_.stats[target];
      ++st.deliveries;
      const double seconds = std::max<std::int64_t>(0, unix_ms() - rec.time_ms) / 1000.0;
      const auto bucket =
          std::lower_bound(kDeliveryBuckets.begin(), kDeliveryBuckets.end(), seconds) -
          kDeliveryBuckets.begin();
      ++st.buckets[static_cast<std::size_t>(bucket)];
      ++st.delivered_count;
      st.delivered_seconds += seconds;
    }
  }
  room.items.pop_front();
  --outstanding_;
  if (room.items.empty()) {
    t.rooms.erase(it);
  } else {
    room.busy = false;
    t.ready.push_back(room_id);
  }
}

milliseconds Delivery::backoff(std::size_t attempts) {
  // The n-th retry (after n attempts): rand(0, min(max, min * 2^(n-1))].
  const std::int64_t lo = impl_.settings.backoff_min.count();
  const std::int64_t hi = impl_.settings.backoff_max.count();
  std::int64_t cap = lo;
  for (std::size_t i = 1; i < attempts && cap < hi; ++i) cap *= 2;
  cap = std::min(cap, hi);
  if (cap <= 0) return milliseconds(0);
  return milliseconds(std::uniform_int_distribution<std::int64_t>(1, cap)(rng_));
}

// Stopping, and nothing more can be delivered before the deadline: nothing
// is left, or the deadline has passed, or nothing is in flight or ready and
// every retry is due after it.
bool Delivery::drained() const {
  if (!stopping_) return false;
  if (outstanding_ == 0 || Clock::now() >= deadline_) return true;
  if (in_flight_ > 0) return false;
  for (const Target& t : targets_) {
    if (!t.ready.empty()) return false;
  }
  return timers_.empty() || timers_.begin()->first > deadline_;
}

void Delivery::run() {
  for (;;) {
    std::vector<std::shared_ptr<EventRecord>> arrived;
    {
      std::lock_guard<std::mutex> lock(impl_.mu);
      arrived.swap(impl_.inbox);
      if (impl_.phase == WebhookSender::Impl::Phase::stopping) {
        stopping_ = true;
        deadline_ = impl_.deadline;
      }
    }
    for (const auto& rec : arrived) enqueue(rec);
    fire_timers(Clock::now());
    if (drained()) return;

    start_transfers();
    int running = 0;
    curl_multi_perform(impl_.multi, &running);
    int left = 0;
    while (CURLMsg* msg = curl_multi_info_read(impl_.multi, &left)) {
      if (msg->msg != CURLMSG_DONE) continue;
      void* p = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &p);
      finished(*static_cast<Transfer*>(p), msg->data.result);
    }
    start_transfers();
    if (drained()) return;

    long wait_ms = 1000;
    long curl_ms = -1;
    curl_multi_timeout(impl_.multi, &curl_ms);
    if (curl_ms >= 0) wait_ms = std::min(wait_ms, curl_ms);
    const Clock::time_point after = Clock::now();
    auto until = [&](Clock::time_point at) {
      return at <= after ? 0L
                         : static_cast<long>(std::chrono::ceil<milliseconds>(at - after).count());
    };
    if (!timers_.empty()) wait_ms = std::min(wait_ms, until(timers_.begin()->first));
    if (stopping_) wait_ms = std::min(wait_ms, until(deadline_));
    curl_multi_poll(impl_.multi, nullptr, 0, static_cast<int>(wait_ms), nullptr);
  }
}

void WebhookSender::Impl::run() {
  Delivery delivery(*this);
  delivery.run();
}

}  // namespace signalmesh::webhooks
