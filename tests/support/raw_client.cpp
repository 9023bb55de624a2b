#include "support/raw_client.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <random>

namespace signalmesh::test {

namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<Ms>(deadline - Clock::now()).count();
  return left < 0 ? 0 : static_cast<int>(left);
}

bool wait_fd(int fd, short events, Clock::time_point deadline) {
  for (;;) {
    pollfd p{fd, events, 0};
    int n = ::poll(&p, 1, ms_left(deadline));
    if (n > 0) return true;
    if (n == 0) return false;
    if (errno != EINTR) return false;
  }
}

// Connects with a deadline; returns a non-blocking socket or -1.
int connect_tcp(const HostPort& hp, int receive_buffer, Clock::time_point deadline) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (receive_buffer > 0) {
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(hp.port);
  if (::inet_pton(AF_INET, hp.host.c_str(), &addr.sin_addr) != 1) {
    ::close(fd);
    return -1;
  }
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS || !wait_fd(fd, POLLOUT, deadline)) {
      ::close(fd);
      return -1;
    }
    int err = 0;
    socklen_t len = sizeof err;
    ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      ::close(fd);
      return -1;
    }
  }
  return fd;
}

bool write_all(int fd, std::string_view data, Clock::time_point deadline) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n > 0) {
      data.remove_prefix(static_cast<std::size_t>(n));
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!wait_fd(fd, POLLOUT, deadline)) return false;
    } else {
      return false;
    }
  }
  return true;
}

// Reads what is available into `buffer`; false on EOF, error or timeout,
// and then says which in `end` when given.
bool read_into(int fd, std::string& buffer, Clock::time_point deadline,
               RawWsClient::ReadEnd* end = nullptr) {
  using ReadEnd = RawWsClient::ReadEnd;
  auto stop = [end](ReadEnd why) {
    if (end != nullptr) *end = why;
    return false;
  };
  char chunk[65536];
  for (;;) {
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n > 0) {
      buffer.append(chunk, static_cast<std::size_t>(n));
      return true;
    }
    if (n == 0) return stop(ReadEnd::kEof);
    if (errno == EINTR) continue;
    if (errno == ECONNRESET) return stop(ReadEnd::kReset);
    if (errno != EAGAIN) return stop(ReadEnd::kError);
    if (!wait_fd(fd, POLLIN, deadline)) return stop(ReadEnd::kTimeout);
  }
}

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) {
    s.remove_suffix(1);
  }
  return std::string(s);
}

// Parses a response head ending in \r\n\r\n; status 0 if malformed.
HttpResponse parse_head(std::string_view head) {
  HttpResponse r;
  std::size_t eol = head.find("\r\n");
  std::string_view status_line = head.substr(0, eol);
  if (status_line.rfind("HTTP/1.", 0) != 0 || status_line.size() < 12) return r;
  r.status = std::atoi(std::string(status_line.substr(9, 3)).c_str());
  std::size_t pos = eol + 2;
  while (pos < head.size()) {
    std::size_t end = head.find("\r\n", pos);
    if (end == std::string_view::npos || end == pos) break;
    std::string_view line = head.substr(pos, end - pos);
    std::size_t colon = line.find(':');
    if (colon != std::string_view::npos) {
      r.headers[lower(std::string(line.substr(0, colon)))] = trim(line.substr(colon + 1));
    }
    pos = end + 2;
  }
  return r;
}

// Reads until the end of the response head; leaves the rest in `buffer`.
std::optional<HttpResponse> read_head(int fd, std::string& buffer, Clock::time_point deadline) {
  for (;;) {
    std::size_t end = buffer.find("\r\n\r\n");
    if (end != std::string::npos) {
      HttpResponse r = parse_head(std::string_view(buffer).substr(0, end + 2));
      buffer.erase(0, end + 4);
      return r;
    }
    if (!read_into(fd, buffer, deadline)) return std::nullopt;
  }
}

// Reads the body after the head: Content-Length bytes, or until EOF.
void read_body(int fd, HttpResponse& r, std::string& buffer, Clock::time_point deadline) {
  std::string length = r.header("content-length");
  if (!length.empty()) {
    std::size_t want = std::stoul(length);
    while (buffer.size() < want && read_into(fd, buffer, deadline)) {
    }
    r.body = buffer.substr(0, std::min(want, buffer.size()));
    return;
  }
  while (read_into(fd, buffer, deadline)) {
  }
  r.body = buffer;
}

std::string random_key() {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::random_device rd;
  std::string key;
  for (int i = 0; i < 21; ++i) key += kAlphabet[rd() % 64];
  key += kAlphabet[rd() % 4 * 16];  // 16 bytes encode to 22 chars + "=="
  return key + "==";
}

}  // namespace

std::string HttpResponse::header(const std::string& lower_name) const {
  auto it = headers.find(lower_name);
  return it == headers.end() ? "" : it->second;
}

HostPort parse_base_url(std::string_view url) {
  HostPort hp;
  std::size_t scheme = url.find("://");
  if (scheme != std::string_view::npos) url.remove_prefix(scheme + 3);
  std::size_t slash = url.find('/');
  if (slash != std::string_view::npos) url = url.substr(0, slash);
  std::size_t colon = url.rfind(':');
  hp.host = std::string(url.substr(0, colon));
  if (hp.host == "localhost") hp.host = "127.0.0.1";
  hp.port = colon == std::string_view::npos
                ? 80
                : static_cast<std::uint16_t>(std::atoi(std::string(url.substr(colon + 1)).c_str()));
  return hp;
}

HttpResponse http_get(std::string_view base_url, std::string_view path, const Headers& headers,
                      Ms timeout) {
  return http_request(base_url, "GET", path, headers, {}, timeout);
}

HttpResponse http_request(std::string_view base_url, std::string_view method, std::string_view path,
                          const Headers& headers, std::string_view body, Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  HostPort hp = parse_base_url(base_url);
  int fd = connect_tcp(hp, 0, deadline);
  if (fd < 0) return {};
  std::string request = std::string(method) + " " + std::string(path) +
                        " HTTP/1.1\r\nHost: " + hp.host + ":" + std::to_string(hp.port) +
                        "\r\nConnection: close\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  if (!body.empty() || method == "POST" || method == "PATCH") {
    request += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  request += "\r\n";
  request += body;
  HttpResponse r;
  std::string buffer;
  if (write_all(fd, request, deadline)) {
    if (std::optional<HttpResponse> head = read_head(fd, buffer, deadline)) {
      r = std::move(*head);
      read_body(fd, r, buffer, deadline);
    }
  }
  ::close(fd);
  return r;
}

int Frame::close_code() const {
  if (payload.size() < 2) return 1005;
  return (static_cast<unsigned char>(payload[0]) << 8) | static_cast<unsigned char>(payload[1]);
}

RawWsClient::~RawWsClient() {
  close_socket();
}

void RawWsClient::close_socket() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

bool RawWsClient::connect(std::string_view base_url, int receive_buffer, Ms timeout) {
  close_socket();
  buffer_.clear();
  fd_ = connect_tcp(parse_base_url(base_url), receive_buffer, Clock::now() + timeout);
  return fd_ >= 0;
}

bool RawWsClient::send_raw(std::string_view bytes) {
  return fd_ >= 0 && write_all(fd_, bytes, Clock::now() + kWait);
}

HttpResponse RawWsClient::upgrade(std::string_view base_url, std::string_view path,
                                  const UpgradeOptions& options, Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  HostPort hp = parse_base_url(base_url);
  if (!connect(base_url, options.receive_buffer, timeout)) return {};
  std::string request = "GET " + std::string(path) + " HTTP/1.1\r\nHost: " + hp.host + ":" +
                        std::to_string(hp.port) +
                        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n";
  if (options.key) request += "Sec-WebSocket-Key: " + random_key() + "\r\n";
  if (!options.version.empty()) request += "Sec-WebSocket-Version: " + options.version + "\r\n";
  for (const auto& [name, value] : options.headers) request += name + ": " + value + "\r\n";
  request += "\r\n" + options.body;
  HttpResponse r;
  if (write_all(fd_, request, deadline)) {
    if (std::optional<HttpResponse> head = read_head(fd_, buffer_, deadline)) r = std::move(*head);
  }
  if (r.status != 101) {
    if (r.status != 0) read_body(fd_, r, buffer_, deadline);
    close_socket();
  }
  return r;
}

bool RawWsClient::send_frame(int opcode, std::string_view payload, bool fin) {
  if (fd_ < 0) return false;
  std::string frame;
  frame += static_cast<char>((fin ? 0x80 : 0x00) | (opcode & 0x0f));
  const std::size_t n = payload.size();
  if (n < 126) {
    frame += static_cast<char>(0x80 | n);
  } else if (n <= 0xffff) {
    frame += static_cast<char>(0x80 | 126);
    frame += static_cast<char>(n >> 8);
    frame += static_cast<char>(n & 0xff);
  } else {
    frame += static_cast<char>(0x80 | 127);
    for (int shift = 56; shift >= 0; shift -= 8) frame += static_cast<char>((n >> shift) & 0xff);
  }
  std::random_device rd;
  const std::uint32_t mask_word = rd();
  char mask[4];
  std::memcpy(mask, &mask_word, 4);
  frame.append(mask, 4);
  const std::size_t header = frame.size();
  frame.append(payload.data(), payload.size());
  for (std::size_t i = 0; i < n; ++i) frame[header + i] ^= mask[i % 4];
  return write_all(fd_, frame, Clock::now() + kWait);
}

bool RawWsClient::read_some(Ms timeout) {
  if (fd_ < 0) {
    last_read_end_ = ReadEnd::kError;
    return false;
  }
  return read_into(fd_, buffer_, Clock::now() + timeout, &last_read_end_);
}

std::optional<Frame> RawWsClient::next_frame(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    if (buffer_.size() >= 2) {
      const auto* b = reinterpret_cast<const unsigned char*>(buffer_.data());
      std::size_t header = 2;
      std::uint64_t length = b[1] & 0x7f;
      const bool masked = (b[1] & 0x80) != 0;
      bool complete = true;
      if (length == 126) {
        header = 4;
        complete = buffer_.size() >= header;
        if (complete) length = (std::uint64_t{b[2]} << 8) | b[3];
      } else if (length == 127) {
        header = 10;
        complete = buffer_.size() >= header;
        if (complete) {
          length = 0;
          for (int i = 2; i < 10; ++i) length = (length << 8) | b[i];
        }
      }
      if (masked) header += 4;
      if (complete && buffer_.size() >= header + length) {
        Frame f;
        f.fin = (b[0] & 0x80) != 0;
        f.opcode = b[0] & 0x0f;
        f.payload = buffer_.substr(header, static_cast<std::size_t>(length));
        if (masked) {
          for (std::size_t i = 0; i < f.payload.size(); ++i) {
            f.payload[i] ^= buffer_[header - 4 + i % 4];
          }
        }
        buffer_.erase(0, header + static_cast<std::size_t>(length));
        return f;
      }
    }
    if (!read_some(std::chrono::duration_cast<Ms>(deadline - Clock::now()))) return std::nullopt;
  }
}

std::optional<Frame> RawWsClient::read_until_close(Ms timeout, std::size_t* data_frames,
                                                   std::string* last_data) {
  const auto deadline = Clock::now() + timeout;
  for (;;) {
    std::optional<Frame> f = next_frame(std::chrono::duration_cast<Ms>(deadline - Clock::now()));
    if (!f) return std::nullopt;
    if (f->opcode == 8) return f;
    if (f->opcode == 9) {
      send_frame(10, f->payload);
    } else if (f->opcode <= 2) {
      if (data_frames != nullptr) ++*data_frames;
      if (last_data != nullptr) *last_data = std::move(f->payload);
    }
  }
}

bool RawWsClient::wait_eof(Ms timeout) {
  const auto deadline = Clock::now() + timeout;
  while (fd_ >= 0) {
    buffer_.clear();
    char chunk[4096];
    ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) return true;
    if (n < 0 && errno == EAGAIN && !wait_fd(fd_, POLLIN, deadline)) return false;
  }
  return true;
}

bool RawWsClient::reset_follows(Ms timeout) {
  if (fd_ < 0) return false;
  // No events asked: poll still reports POLLERR and POLLHUP, which a socket
  // that only got a FIN (CLOSE_WAIT) does not raise and a reset one does.
  const auto deadline = Clock::now() + timeout;
  pollfd p{fd_, 0, 0};
  while (::poll(&p, 1, ms_left(deadline)) < 0 && errno == EINTR) {
  }
  int error = 0;
  socklen_t error_len = sizeof error;
  ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &error_len);
  tcp_info info{};
  socklen_t info_len = sizeof info;
  const bool reset_state = ::getsockopt(fd_, IPPROTO_TCP, TCP_INFO, &info, &info_len) == 0 &&
                           info.tcpi_state == TCP_CLOSE;
  return error != 0 || reset_state;
}

}  // namespace signalmesh::test
