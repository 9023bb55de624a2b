// The delivery thread's state (delivery.cpp): every URL's rooms, the retry
// timers and the curl transfers, touched by that thread only.
#pragma once

#include <map>
#include <random>
#include <unordered_map>

#include "webhooks/sender_impl.hpp"

namespace signalmesh::webhooks {

class Delivery {
 public:
  explicit Delivery(WebhookSender::Impl& impl) : impl_(impl), targets_(impl.settings.urls.size()) {}
  ~Delivery();
  void run();

 private:
  struct Item {
    std::shared_ptr<EventRecord> rec;
    std::size_t attempts = 0;
  };
  // A room's events for one URL; busy while its head is in flight or waits
  // for a retry. A room is in Target::ready exactly when it is not busy.
  struct Room {
    std::deque<Item> items;
    bool busy = false;
  };
  struct Target {
    std::unordered_map<std::string, Room> rooms;
    std::deque<std::string> ready;
    std::size_t in_flight = 0;
  };
  struct Transfer {
    CURL* easy = nullptr;
    curl_slist* headers = nullptr;
    bool active = false;
    std::size_t target = 0;
    std::string room;
  };

  void enqueue(const std::shared_ptr<EventRecord>& rec);
  void fire_timers(Clock::time_point now);
  void start_transfers();
  bool start(std::size_t target, const std::string& room_id);
  void finished(Transfer& t, CURLcode result);
  void failed(std::size_t target, Room& room, const std::string& room_id);
  // The room's head is done for this URL; the next event, if any, gets ready.
  void settle_head(std::size_t target, const std::string& room_id, UrlState state,
                   DropReason reason);
  std::chrono::milliseconds backoff(std::size_t attempts);
  bool drained() const;

  WebhookSender::Impl& impl_;
  std::vector<Target> targets_;
  std::multimap<Clock::time_point, std::pair<std::size_t, std::string>> timers_;
  std::vector<std::unique_ptr<Transfer>> transfers_;
  std::vector<Transfer*> idle_transfers_;
  std::size_t outstanding_ = 0;  // events in the rooms, over every URL
  std::size_t in_flight_ = 0;
  bool stopping_ = false;
  Clock::time_point deadline_{};
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace signalmesh::webhooks
