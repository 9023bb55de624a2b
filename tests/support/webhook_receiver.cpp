#include "support/webhook_receiver.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <mutex>
#include <stdexcept>
#include <thread>

namespace signalmesh::test {
namespace {

using Clock = std::chrono::steady_clock;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string trim(const std::string& s) {
  const auto b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t") - b + 1);
}

const char* reason(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string response(int status, bool close) {
  const std::string body = std::string(reason(status)) + "\n";
  return "HTTP/1.1 " + std::to_string(status) + " " + reason(status) +
         "\r\nContent-Type: text/plain\r\nContent-Length: " + std::to_string(body.size()) +
         (close ? "\r\nConnection: close" : "") + "\r\n\r\n" + body;
}

// A listening socket on 127.0.0.1:port (0: the kernel picks), or -1.
int open_listener(std::uint16_t port) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(port);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 128) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

struct Conn {
  int fd = -1;
  std::string in, out;
  struct Answer {
    Clock::time_point due;
    std::string bytes;
    bool close;
  };
  std::deque<Answer> answers;  // parsed requests not yet answered, in order
  bool closing = false;        // close once `out` is written
  bool dead = false;
};

}  // namespace

struct WebhookReceiver::Impl {
  mutable std::mutex mu;
  std::condition_variable cv;
  std::vector<Request> requests;
  int status = 200;
  int fail_left = 0;
  int fail_status = 500;
  std::chrono::milliseconds delay{0};
  bool want_listening = true;
  unsigned commands = 0, done = 0;
  bool listen_failed = false;
  bool quit = false;

  std::uint16_t port = 0;
  int wake_fd = -1;
  // The loop thread's own.
  int listen_fd = -1;
  std::vector<std::unique_ptr<Conn>> conns;
  std::thread thread;

  void wake() const {
    const std::uint64_t one = 1;
    [[maybe_unused]] auto n = ::write(wake_fd, &one, sizeof one);
  }
  void close_all() {
    if (listen_fd >= 0) ::close(listen_fd);
    listen_fd = -1;
    for (auto& c : conns) ::close(c->fd);
    conns.clear();
  }
  void loop();
  void read_from(Conn& c);
  void parse(Conn& c);
  void write_to(Conn& c);
};

void WebhookReceiver::Impl::loop() {
  std::vector<pollfd> fds;
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mu);
      if (quit) return;
      if (done != commands) {
        if (!want_listening) {
          close_all();
        } else if (listen_fd < 0) {
          listen_fd = open_listener(port);
          listen_failed = listen_fd < 0;
        }
        done = commands;
        cv.notify_all();
      }
    }
    fds.clear();
    fds.push_back({wake_fd, POLLIN, 0});
    if (listen_fd >= 0) fds.push_back({listen_fd, POLLIN, 0});
    const std::size_t first_conn = fds.size();
    int timeout = -1;
    const Clock::time_point now = Clock::now();
    for (auto& c : conns) {
      short events = c->closing ? 0 : POLLIN;
      if (!c->out.empty()) events |= POLLOUT;
      fds.push_back({c->fd, events, 0});
      if (!c->answers.empty()) {
        const auto due = c->answers.front().due;
        const int ms =
            due <= now
                ? 0
                : static_cast<int>(std::chrono::ceil<std::chrono::milliseconds>(due - now).count());
        timeout = timeout < 0 ? ms : std::min(timeout, ms);
      }
    }
    if (::poll(fds.data(), fds.size(), timeout) < 0 && errno != EINTR) return;
    if (fds[0].revents & POLLIN) {
      std::uint64_t n;
      [[maybe_unused]] auto r = ::read(wake_fd, &n, sizeof n);
    }
    if (listen_fd >= 0 && (fds[1].revents & POLLIN)) {
      for (;;) {
        const int fd = ::accept4(listen_fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0) break;
        conns.push_back(std::make_unique<Conn>());
        conns.back()->fd = fd;
      }
    }
    for (std::size_t i = 0; i < conns.size(); ++i) {
      Conn& c = *conns[i];
      const std::size_t slot = first_conn + i;
      if (slot < fds.size() && fds[slot].fd == c.fd && (fds[slot].revents & (POLLIN | POLLHUP))) {
        read_from(c);
      }
      if (!c.dead) write_to(c);
    }
    for (auto it = conns.begin(); it != conns.end();) {
      if ((*it)->dead) {
        ::close((*it)->fd);
        it = conns.erase(it);
      } else {
        ++it;
      }
    }
  }
}

void WebhookReceiver::Impl::read_from(Conn& c) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::recv(c.fd, buf, sizeof buf, 0);
    if (n > 0) {
      c.in.append(buf, static_cast<std::size_t>(n));
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) c.dead = true;
    if (n < 0 && errno == EINTR) continue;
    break;
  }
  if (!c.dead) parse(c);
}

void WebhookReceiver::Impl::parse(Conn& c) {
  while (!c.closing) {
    const auto end = c.in.find("\r\n\r\n");
    if (end == std::string::npos) {
      if (c.in.size() > 65536) c.dead = true;
      return;
    }
    Request r;
    std::size_t line_end = c.in.find("\r\n");
    const std::string line = c.in.substr(0, line_end);
    const auto sp1 = line.find(' ');
    const auto sp2 = line.find(' ', sp1 == std::string::npos ? sp1 : sp1 + 1);
    if (sp1 == std::string::npos || sp2 == std::string::npos) {
      c.dead = true;
      return;
    }
    r.method = line.substr(0, sp1);
    r.path = line.substr(sp1 + 1, sp2 - sp1 - 1);
    while (line_end < end) {
      const std::size_t next = c.in.find("\r\n", line_end + 2);
      const std::string h = c.in.substr(line_end + 2, next - line_end - 2);
      const auto colon = h.find(':');
      if (colon != std::string::npos) {
        r.headers[lower(trim(h.substr(0, colon)))] = trim(h.substr(colon + 1));
      }
      line_end = next;
    }
    std::size_t length = 0;
    bool bad = r.headers.count("transfer-encoding") > 0;  // chunked bodies are not supported
    if (auto it = r.headers.find("content-length"); it != r.headers.end()) {
      try {
        length = std::stoul(it->second);
      } catch (const std::exception&) {
        bad = true;
      }
    }
    if (!bad && c.in.size() < end + 4 + length) return;  // the rest of the body is coming
    if (!bad) r.body = c.in.substr(end + 4, length);
    c.in.erase(0, bad ? c.in.size() : end + 4 + length);
    r.received = Clock::now();
    const bool close = bad || lower(r.headers["connection"]) == "close";
    int answer;
    std::chrono::milliseconds wait;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (fail_left > 0) {
        --fail_left;
        answer = fail_status;
      } else {
        answer = status;
      }
      if (bad) answer = 501;
      wait = delay;
      requests.push_back(std::move(r));
    }
    c.answers.push_back({Clock::now() + wait, response(answer, close), close});
    if (close) c.closing = true;
  }
}

void WebhookReceiver::Impl::write_to(Conn& c) {
  const Clock::time_point now = Clock::now();
  while (!c.answers.empty() && c.answers.front().due <= now) {
    c.out += c.answers.front().bytes;
    const bool close = c.answers.front().close;
    c.answers.pop_front();
    if (close) break;
  }
  while (!c.out.empty()) {
    const ssize_t n = ::send(c.fd, c.out.data(), c.out.size(), MSG_NOSIGNAL);
    if (n > 0) {
      c.out.erase(0, static_cast<std::size_t>(n));
    } else {
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) c.dead = true;
      break;
    }
  }
  if (c.closing && c.out.empty() && c.answers.empty()) c.dead = true;
}

WebhookReceiver::WebhookReceiver() : impl_(std::make_unique<Impl>()) {
  impl_->wake_fd = ::eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  impl_->listen_fd = open_listener(0);
  if (impl_->wake_fd < 0 || impl_->listen_fd < 0) {
    if (impl_->wake_fd >= 0) ::close(impl_->wake_fd);
    if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);
    throw std::runtime_error(std::string("WebhookReceiver: cannot listen: ") +
                             std::strerror(errno));
  }
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  ::getsockname(impl_->listen_fd, reinterpret_cast<sockaddr*>(&addr), &len);
  impl_->port = ntohs(addr.sin_port);
  impl_->thread = std::thread([impl = impl_.get()] { impl->loop(); });
}

WebhookReceiver::~WebhookReceiver() {
  {
    std::lock_guard<std::mutex> lock(impl_->mu);
    impl_->quit = true;
  }
  impl_->wake();
  impl_->thread.join();
  impl_->close_all();
  ::close(impl_->wake_fd);
}

std::string WebhookReceiver::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(impl_->port) + path;
}

std::vector<WebhookReceiver::Request> WebhookReceiver::requests() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->requests;
}

std::size_t WebhookReceiver::count() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->requests.size();
}

std::vector<WebhookReceiver::Request> WebhookReceiver::requests_from(std::size_t first) const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  if (first >= impl_->requests.size()) return {};
  return {impl_->requests.begin() + static_cast<std::ptrdiff_t>(first), impl_->requests.end()};
}

bool WebhookReceiver::wait_for(const std::function<bool(const std::vector<Request>&)>& pred,
                               std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    const bool ok = pred(requests());
    if (ok || Clock::now() >= deadline) return ok;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

void WebhookReceiver::set_status(int status) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->status = status;
}

void WebhookReceiver::fail_next(int count, int status) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->fail_left = count;
  impl_->fail_status = status;
}

void WebhookReceiver::set_delay(std::chrono::milliseconds delay) {
  std::lock_guard<std::mutex> lock(impl_->mu);
  impl_->delay = delay;
}

namespace {

// Asks the loop to listen or not, and waits until it has.
bool command(WebhookReceiver::Impl& impl, bool listening) {
  std::unique_lock<std::mutex> lock(impl.mu);
  impl.want_listening = listening;
  const unsigned n = ++impl.commands;
  impl.wake();
  impl.cv.wait(lock, [&] { return impl.done == n; });
  return !impl.listen_failed;
}

}  // namespace

void WebhookReceiver::stop_listening() {
  command(*impl_, false);
}

void WebhookReceiver::start_listening() {
  if (!command(*impl_, true)) {
    throw std::runtime_error("WebhookReceiver: cannot listen again on port " +
                             std::to_string(impl_->port));
  }
}

bool signature_valid(const std::string& header, const std::string& secret,
                     const std::string& body) {
  std::string t;
  std::vector<std::string> v1s;
  std::size_t pos = 0;
  while (pos <= header.size()) {
    const std::size_t comma = std::min(header.find(',', pos), header.size());
    const std::string part = trim(header.substr(pos, comma - pos));
    if (part.rfind("t=", 0) == 0) t = part.substr(2);
    if (part.rfind("v1=", 0) == 0) v1s.push_back(part.substr(3));
    pos = comma + 1;
  }
  if (t.empty() || !std::all_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  const std::string text = t + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  static const char empty_key = '\0';
  HMAC(EVP_sha256(), secret.empty() ? &empty_key : secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(text.data()), text.size(), mac, &size);
  std::string want;
  static constexpr char digits[] = "0123456789abcdef";
  for (unsigned i = 0; i < size; ++i) {
    want += digits[mac[i] >> 4];
    want += digits[mac[i] & 0xf];
  }
  for (const std::string& v1 : v1s) {
    if (v1.size() == want.size() && CRYPTO_memcmp(v1.data(), want.data(), want.size()) == 0) {
      return true;
    }
  }
  return false;
}

}  // namespace signalmesh::test
