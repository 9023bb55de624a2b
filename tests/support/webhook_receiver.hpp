// A small real HTTP/1.1 server for webhook tests: bound to 127.0.0.1 on a
// port the kernel picks, served by a thread of its own, keep-alive,
// Content-Length bodies. It records every request and answers with the
// status (and after the delay) the test chose; it can go down (connections
// refused) and come back on the same port.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace signalmesh::test {

class WebhookReceiver {
 public:
  struct Request {
    std::string method, path, body;
    std::map<std::string, std::string> headers;  // names lower-cased
    std::chrono::steady_clock::time_point received;
  };
  WebhookReceiver();   // listening when the constructor returns
  ~WebhookReceiver();  // stops and joins
  WebhookReceiver(const WebhookReceiver&) = delete;
  WebhookReceiver& operator=(const WebhookReceiver&) = delete;

  std::string url(const std::string& path = "/hook") const;  // "http://127.0.0.1:PORT/hook"
  // Every request so far, in arrival order (also those answered with an error).
  std::vector<Request> requests() const;
  // How many so far, and those from the first-th on (cheap polling for
  // benchmarks that receive many).
  std::size_t count() const;
  std::vector<Request> requests_from(std::size_t first) const;
  // Polls until pred(requests()) is true or the timeout passes; returns the
  // last result of pred.
  bool wait_for(const std::function<bool(const std::vector<Request>&)>& pred,
                std::chrono::milliseconds timeout);
  void set_status(int status);  // the answer to later requests (default 200)
  // The next `count` requests get `status`, then back to set_status's.
  void fail_next(int count, int status = 500);
  void set_delay(std::chrono::milliseconds delay);  // answer each request only after `delay`
  // Close the listener and every connection (the receiver is "down":
  // connections refused).
  void stop_listening();
  void start_listening();  // listen again on the SAME port

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Verifies a Signalmesh-Signature header value ("t=SECONDS,v1=HEX") against
// secret and body.
bool signature_valid(const std::string& header, const std::string& secret, const std::string& body);

}  // namespace signalmesh::test
