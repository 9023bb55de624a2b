// WebhookSender, the caller's side: settings checks, send() and stop().
#include "webhooks/webhook_sender.hpp"

#include <strings.h>

#include <new>
#include <stdexcept>

#include "webhooks/sender_impl.hpp"

namespace signalmesh::webhooks {
namespace {

void global_init() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("curl_global_init failed");
    }
  });
}

// The message never holds the URL itself: it may carry a token.
void check_url(const std::string& url, std::size_t index) {
  const std::string what = "webhook URL #" + std::to_string(index);
  std::unique_ptr<CURLU, void (*)(CURLU*)> u(curl_url(), curl_url_cleanup);
  if (!u) throw std::bad_alloc();
  const CURLUcode rc = curl_url_set(u.get(), CURLUPART_URL, url.c_str(), 0);
  if (rc != CURLUE_OK) {
    throw std::invalid_argument(what + " is not a valid http(s) URL (" + curl_url_strerror(rc) +
                                ")");
  }
  char* scheme = nullptr;
  if (curl_url_get(u.get(), CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK || scheme == nullptr) {
    throw std::invalid_argument(what + " has no scheme; it must start with http:// or https://");
  }
  const std::string s = scheme;
  curl_free(scheme);
  if (strcasecmp(s.c_str(), "http") != 0 && strcasecmp(s.c_str(), "https") != 0) {
    throw std::invalid_argument(what + " has the scheme \"" + s +
                                "\"; only http:// and https:// are allowed");
  }
}

WebhookSettings checked(WebhookSettings s) {
  global_init();
  for (std::size_t i = 0; i < s.urls.size(); ++i) check_url(s.urls[i], i);
  if (s.max_in_flight == 0) throw std::invalid_argument("webhook max_in_flight must be at least 1");
  if (s.max_queued == 0) throw std::invalid_argument("webhook max_queued must be at least 1");
  if (s.max_attempts == 0) throw std::invalid_argument("webhook max_attempts must be at least 1");
  if (s.timeout.count() <= 0) throw std::invalid_argument("webhook timeout must be positive");
  if (s.backoff_min.count() < 0 || s.backoff_max < s.backoff_min) {
    throw std::invalid_argument("webhook backoff must satisfy 0 <= backoff_min <= backoff_max");
  }
  return s;
}

CURLM* new_multi() {
  CURLM* m = curl_multi_init();
  if (m == nullptr) throw std::runtime_error("curl_multi_init failed");
  return m;
}

}  // namespace

WebhookSender::Impl::Impl(WebhookSettings s)
    : settings(checked(std::move(s))), multi(new_multi()), stats(settings.urls.size()) {
  std::size_t connections = 0;
  for (std::size_t i = 0; i < settings.urls.size(); ++i) connections += settings.max_in_flight;
  // Keep every connection of a full window open for reuse.
  curl_multi_setopt(multi, CURLMOPT_MAXCONNECTS, static_cast<long>(connections + 1));
}

WebhookSender::Impl::~Impl() {
  curl_multi_cleanup(multi);
}

void WebhookSender::Impl::settle_locked(EventRecord& rec, std::size_t url, UrlState state,
                                        DropReason reason) {
  rec.states[url] = state;
  UrlStats& st = stats[url];
  if (st.queued > 0) --st.queued;
  if (state == UrlState::dropped) ++st.dropped[reason];
}

WebhookSender::WebhookSender(WebhookSettings settings)
    : impl_(std::make_unique<Impl>(std::move(settings))) {}

WebhookSender::~WebhookSender() {
  stop(std::chrono::milliseconds(0));
}

void WebhookSender::start() {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (impl_->phase != Impl::Phase::created) return;
  impl_->thread = std::thread([impl = impl_.get()] { impl->run(); });
  impl_->phase = Impl::Phase::running;
}

bool WebhookSender::send(Event event) {
  Impl& impl = *impl_;
  const std::size_t urls = impl.settings.urls.size();
  auto rec = std::make_shared<EventRecord>();
  rec->body = event_body(event);
  rec->id = std::move(event.id);
  rec->type = std::move(event.type);
  rec->room_id = std::move(event.room_id);
  rec->time_ms = event.time_ms;
  rec->accepted.assign(urls, false);
  rec->states.assign(urls, UrlState::dropped);
  rec->attempts.assign(urls, 0);

  bool all = true;
  bool any = false;
  bool wake = false;
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    const bool open = impl.phase == Impl::Phase::created || impl.phase == Impl::Phase::running;
    for (std::size_t u = 0; u < urls; ++u) {
      UrlStats& st = impl.stats[u];
      if (open && st.queued < impl.settings.max_queued) {
        ++st.queued;
        rec->accepted[u] = true;
        rec->states[u] = UrlState::queued;
        any = true;
      } else {
        ++st.dropped[open ? kQueueFull : kStopped];
        all = false;
      }
    }
    if (any) {
      wake = impl.inbox.empty();  // else a wakeup is already on its way
      impl.inbox.push_back(rec);
      ++impl.events_by_type[rec->type];
      impl.recent.push_back(std::move(rec));
      if (impl.recent.size() > kRecentMax) impl.recent.pop_front();
    }
  }
  if (wake) curl_multi_wakeup(impl.multi);
  return all;
}

void WebhookSender::stop(std::chrono::milliseconds drain) {
  Impl& impl = *impl_;
  {
    std::lock_guard<std::mutex> lock(impl.mu);
    if (impl.phase == Impl::Phase::created) {
      // Never started: whatever was sent is dropped at once.
      impl.phase = Impl::Phase::stopped;
      for (auto& rec : impl.inbox) {
        for (std::size_t u = 0; u < rec->accepted.size(); ++u) {
          if (rec->accepted[u]) impl.settle_locked(*rec, u, UrlState::dropped, kStopped);
        }
      }
      impl.inbox.clear();
      return;
    }
    if (impl.phase != Impl::Phase::running) return;
    impl.phase = Impl::Phase::stopping;
    impl.deadline = Clock::now() + drain;
  }
  curl_multi_wakeup(impl.multi);
  impl.thread.join();
  std::lock_guard<std::mutex> lock(impl.mu);
  impl.phase = Impl::Phase::stopped;
}

}  // namespace signalmesh::webhooks
