// One attempt's request: the curl options of a signed POST (sender_impl.hpp).
#include "webhooks/sender_impl.hpp"

namespace signalmesh::webhooks {
namespace {

std::size_t discard_body(char*, std::size_t size, std::size_t n, void*) {
  return size * n;
}

}  // namespace

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

curl_slist* prepare_post(CURL* e, const WebhookSettings& settings, std::size_t url,
                         const EventRecord& rec, void* priv) {
  // Re-signed on every attempt: t is the time of this one.
  const std::string id_header = "Signalmesh-Event-Id: " + rec.id;
  const std::string sig_header =
      "Signalmesh-Signature: " + signature_header(settings.secret, unix_ms() / 1000, rec.body);
  curl_slist* headers = nullptr;
  // "Expect:" keeps curl from waiting for a 100 Continue on large bodies.
  for (const char* h :
       {"Content-Type: application/json", "Expect:", id_header.c_str(), sig_header.c_str()}) {
    curl_slist* next = curl_slist_append(headers, h);
    if (next == nullptr) {
      curl_slist_free_all(headers);
      return nullptr;
    }
    headers = next;
  }
  const long timeout_ms = static_cast<long>(settings.timeout.count());
  curl_easy_setopt(e, CURLOPT_URL, settings.urls[url].c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "signalmesh");
  curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(e, CURLOPT_POST, 1L);
  curl_easy_setopt(e, CURLOPT_POSTFIELDS, rec.body.data());
  curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(rec.body.size()));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, discard_body);
  curl_easy_setopt(e, CURLOPT_PRIVATE, priv);
  return headers;
}

}  // namespace signalmesh::webhooks
